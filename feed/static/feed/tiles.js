/* A photo's tile: cloned from the page's <template id="tile-template">, which the server
 * renders from the same template as its own tiles (templates/feed/_tile.html).
 */
import { altText, el, httpUrl, text } from "./util.js";

export function tileImage(message) {
  var src = httpUrl(message.thumbnail && message.thumbnail.url);
  if (!src) {
    return null;
  }
  var img = el("img", "tile-image");
  img.src = src;
  img.alt = altText(message, 120);
  img.width = 150;
  img.height = 150;
  img.decoding = "async";
  return img;
}

export function buildTile(message, cityNames) {
  var template = document.getElementById("tile-template");
  var tile = template.content.firstElementChild.cloneNode(true);
  tile.dataset.id = message.id;
  tile.querySelector(".tile-link").href = "#photo-" + encodeURIComponent(message.id);
  var img = tile.querySelector(".tile-image");
  var src = httpUrl(message.thumbnail && message.thumbnail.url);
  if (src) {
    img.src = src;
    img.alt = altText(message, 120);
  } else {
    img.remove();
  }
  var label = tile.querySelector(".tile-city");
  if (label) {
    label.textContent = text(cityNames[message.city] || message.city);
  }
  return tile;
}
