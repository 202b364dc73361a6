/* What every page's script needs of a photo message and of the page.
 *
 * User data only ever reaches a page through textContent; only absolute http(s) URLs are
 * ever assigned to src or href (httpUrl).
 */

// JSON a template passed with json_script; null when absent or not JSON.
export function readJson(id) {
  var script = document.getElementById(id);
  try {
    return script ? JSON.parse(script.textContent) : null;
  } catch (error) {
    return null;
  }
}

// The URL when it is an absolute http(s) URL, else "" (never javascript:, data:…).
export function httpUrl(value) {
  if (typeof value !== "string" || !value) {
    return "";
  }
  try {
    var url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
  } catch (error) {
    return "";
  }
}

// A string field as text, cut to `limit` characters; "" for anything else.
export function clip(value, limit) {
  var string = typeof value === "string" ? value : "";
  return limit && string.length > limit ? string.slice(0, limit - 1) + "…" : string;
}

export function isPhoto(message) {
  return message && typeof message === "object" && typeof message.id === "string" && message.id;
}

// What city.js, tiles.js and detail.js share beyond the basics ---------------------

export function text(value) {
  return value === null || value === undefined ? "" : String(value);
}

export function el(tag, className) {
  var node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  return node;
}

export function takenAt(message) {
  var time = Date.parse(message.created_at);
  return isNaN(time) ? 0 : time;
}

// The author's alt text where the source gives one, else the start of the caption.
export function altText(message, length) {
  var alt = message.image && text(message.image.alt);
  return (alt || text(message.caption)).slice(0, length) || "Photo";
}
