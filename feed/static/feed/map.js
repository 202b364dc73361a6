/* The map: a pin per photo with a location, newest on top; the others listed beside it.
 *
 * Hover or focus a pin to preview its photo, click it to open the photo's detail view on
 * the city page; live photos drop in as they arrive, and #photo-<id> opens one's preview.
 * Without a tile URL the pins and the city's radius are drawn on a plain background.
 * Everything from a photo is set as text or as an http(s) URL, never as markup.
 */
import { showStatus } from "./status.js";
import { connectStream } from "./stream.js";
import { clip as text, httpUrl, readJson } from "./util.js";

(function () {
  var page = document.getElementById("map-page");
  if (!page || !window.L) {
    return;
  }
  var config = readJson("map-config") || {};
  var unplaced = document.getElementById("unplaced");
  var MAX_PINS = 500;
  var pins = new Map(); // id -> marker
  var listed = new Set();
  var lastId = null;

  var map = window.L.map("map", { zoomControl: true }).setView([config.lat, config.lng], 12);
  if (config.tiles) {
    window.L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  } else {
    page.classList.add("is-offline");
  }
  window.L.circle([config.lat, config.lng], {
    radius: config.radius,
    color: "#7aa2ff",
    weight: 1,
    fillOpacity: 0.05,
    interactive: false,
  }).addTo(map);

  function detailUrl(message) {
    return config.city_page + "#photo-" + encodeURIComponent(message.id);
  }

  function preview(message) {
    var box = document.createElement("div");
    box.className = "map-preview";
    var src = httpUrl(message.thumbnail && message.thumbnail.url);
    if (src) {
      var img = document.createElement("img");
      img.src = src;
      img.alt = text((message.image && message.image.alt) || message.caption, 120) || "Photo";
      img.width = 150;
      img.height = 150;
      box.appendChild(img);
    }
    var caption = document.createElement("p");
    caption.textContent = text(message.caption, 120);
    box.appendChild(caption);
    var author = document.createElement("p");
    author.className = "map-preview-author";
    author.textContent = text((message.user && (message.user.full_name || message.user.username)) || "", 60);
    box.appendChild(author);
    return box;
  }

  function located(message) {
    var spot = message.location || {};
    return typeof spot.lat === "number" && typeof spot.lng === "number" ? [spot.lat, spot.lng] : null;
  }

  function add(message) {
    if (!message || typeof message.id !== "string" || !message.id) {
      return;
    }
    if (!message.pinned) {
      lastId = message.id; // pinned ones come last and may be old
    }
    if (pins.has(message.id) || listed.has(message.id)) {
      return;
    }
    var spot = located(message);
    if (!spot) {
      listed.add(message.id);
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = detailUrl(message);
      link.textContent = text(message.caption, 80) || "A photo";
      item.dataset.id = message.id;
      item.appendChild(link);
      unplaced.insertBefore(item, unplaced.firstElementChild);
      return;
    }
    var pin = window.L.circleMarker(spot, {
      radius: 8,
      color: "#fff",
      weight: 2,
      fillColor: "#ff5a8a",
      fillOpacity: 0.9,
      className: "map-pin",
      keyboard: true,
    }).addTo(map);
    pin.bindTooltip(preview(message), { direction: "top", offset: [0, -8] });
    pin.on("click", function () {
      window.location.href = detailUrl(message);
    });
    var element = pin.getElement();
    element.dataset.id = message.id;
    element.setAttribute("tabindex", "0");
    element.setAttribute("role", "link");
    element.setAttribute("aria-label", text(message.caption, 80) || "A photo");
    element.addEventListener("focus", function () {
      pin.openTooltip();
    });
    element.addEventListener("blur", function () {
      pin.closeTooltip();
    });
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        window.location.href = detailUrl(message);
      }
    });
    pin.bringToFront(); // the newest on top
    pins.set(message.id, pin);
    while (pins.size > MAX_PINS) {
      var oldest = pins.keys().next().value;
      pins.get(oldest).remove();
      pins.delete(oldest);
    }
  }

  function remove(id) {
    var pin = pins.get(id);
    if (pin) {
      pin.remove();
      pins.delete(id);
    }
    var item = unplaced.querySelector('[data-id="' + CSS.escape(id) + '"]');
    if (item) {
      item.remove();
      listed.delete(id);
    }
  }

  function followHash() {
    var match = /^#photo-(.+)$/.exec(window.location.hash);
    var pin = match && pins.get(decodeURIComponent(match[1]));
    if (pin) {
      map.setView(pin.getLatLng(), Math.max(map.getZoom(), 14));
      pin.openTooltip();
    }
  }

  (readJson("initial-photos") || []).forEach(add);
  followHash();
  window.addEventListener("hashchange", followHash);

  connectStream({
    path: page.dataset.wsPath,
    lastId: function () {
      return lastId;
    },
    onStatus: showStatus,
    onFrame: function (frame) {
      if (frame.type === "photo" || frame.type === "pin") {
        add(frame.photo);
      } else if (frame.type === "retract" && typeof frame.id === "string") {
        remove(frame.id);
      }
    },
  });
})();
