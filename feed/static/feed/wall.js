/* The big-screen wall: one featured photo large, a mosaic of the latest, for days on end.
 *
 * New photos take the feature as they arrive; otherwise it cycles every data-interval
 * seconds, pinned photos first. The DOM and the photos kept are bounded, a photo whose
 * image fails to load leaves the wall (never a broken image), and the stream reconnects
 * and resumes by itself. Everything from a photo is set as text or as an http(s) URL.
 */
import { showStatus } from "./status.js";
import { connectStream } from "./stream.js";
import { clip as text, httpUrl, isPhoto, readJson } from "./util.js";

(function () {
  var wall = document.getElementById("wall");
  if (!wall) {
    return;
  }
  var MAX_PHOTOS = 48; // on the wall (mosaic tiles and feature candidates)
  var MAX_SEEN = 5000; // ids remembered so a replayed photo is not shown twice
  var interval = Math.max(3, Number(wall.dataset.interval) || 8) * 1000;
  var mosaic = document.getElementById("wall-mosaic");
  var featureImage = document.getElementById("wall-feature-image");
  var cityNames = readJson("city-names") || {};
  var SOURCE_NAMES = { instagram: "Instagram", bluesky: "Bluesky", mastodon: "Mastodon", flickr: "Flickr" };

  var photos = new Map(); // id -> {message, tile}, newest first by arrival
  var seen = new Map(); // id -> true, insertion ordered, bounded
  var lastId = null;
  var featuredId = null;
  var timer = null;

  function remember(id) {
    seen.set(id, true);
    while (seen.size > MAX_SEEN) {
      seen.delete(seen.keys().next().value);
    }
  }

  function add(message, live) {
    if (!isPhoto(message) || !httpUrl(message.image && message.image.url)) {
      return;
    }
    if (!message.pinned) {
      lastId = message.id; // pinned ones come last and may be old
    }
    if (seen.has(message.id)) {
      return;
    }
    remember(message.id);
    var tile = document.createElement("li");
    tile.className = "wall-tile";
    tile.dataset.id = message.id;
    var img = document.createElement("img");
    img.alt = text((message.image && message.image.alt) || message.caption, 120) || "Photo";
    img.decoding = "async";
    img.addEventListener("error", function () {
      drop(message.id);
    });
    img.src = httpUrl(message.thumbnail && message.thumbnail.url) || httpUrl(message.image.url);
    tile.appendChild(img);
    tile.classList.toggle("is-pinned", message.pinned === true);
    mosaic.insertBefore(tile, message.pinned ? mosaic.firstElementChild : firstUnpinned());
    photos.set(message.id, { message: message, tile: tile });
    trim();
    if (live || featuredId === null) {
      feature(message.id);
    }
  }

  function firstUnpinned() {
    var node = mosaic.firstElementChild;
    while (node && node.classList.contains("is-pinned")) {
      node = node.nextElementSibling;
    }
    return node;
  }

  function trim() {
    while (photos.size > MAX_PHOTOS && mosaic.lastElementChild) {
      var oldest = mosaic.lastElementChild;
      photos.delete(oldest.dataset.id);
      oldest.remove();
    }
  }

  function drop(id) {
    var entry = photos.get(id);
    if (!entry) {
      return;
    }
    entry.tile.remove();
    photos.delete(id);
    if (featuredId === id) {
      featuredId = null;
      next();
    }
  }

  // The order the feature cycles in: pinned photos, then the latest first.
  function order() {
    return Array.prototype.map.call(mosaic.children, function (node) {
      return node.dataset.id;
    });
  }

  function next() {
    var ids = order();
    if (!ids.length) {
      return;
    }
    var at = ids.indexOf(featuredId);
    feature(ids[(at + 1) % ids.length]);
  }

  function feature(id) {
    var entry = photos.get(id);
    if (!entry) {
      return;
    }
    var message = entry.message;
    var src = httpUrl(message.image && message.image.url);
    var loader = new Image();
    loader.onload = function () {
      if (!photos.has(id)) {
        return;
      }
      featuredId = id;
      wall.dataset.featured = id;
      featureImage.src = src;
      featureImage.alt = text((message.image && message.image.alt) || message.caption, 200) || "Photo";
      document.getElementById("wall-caption").textContent = text(message.caption, 280);
      var user = message.user || {};
      document.getElementById("wall-author").textContent = text(user.full_name || user.username, 80);
      document.getElementById("wall-source").textContent = SOURCE_NAMES[message.source] || "Instagram";
      var time = document.getElementById("wall-time");
      time.dateTime = text(message.created_at);
      time.textContent = new Date(message.created_at).toLocaleString();
      document.getElementById("wall-city").textContent =
        wall.dataset.stream === "all" ? " · " + text(cityNames[message.city] || message.city, 60) : "";
      mosaic.querySelectorAll(".is-featured").forEach(function (node) {
        node.classList.remove("is-featured");
      });
      entry.tile.classList.add("is-featured");
    };
    loader.onerror = function () {
      drop(id);
    };
    loader.src = src;
    schedule();
  }

  function schedule() {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(function () {
      timer = null;
      next();
    }, interval);
  }

  function pin(message, pinned) {
    if (!isPhoto(message)) {
      return;
    }
    message.pinned = pinned;
    drop(message.id);
    seen.delete(message.id);
    add(message, pinned);
  }

  (readJson("initial-photos") || []).forEach(function (message) {
    add(message, false);
  });
  var pinned = mosaic.querySelector(".is-pinned");
  if (pinned) {
    feature(pinned.dataset.id);
  }

  connectStream({
    path: wall.dataset.wsPath,
    lastId: function () {
      return lastId;
    },
    onStatus: showStatus,
    onFrame: function (frame) {
      if (frame.type === "photo") {
        add(frame.photo, true);
      } else if (frame.type === "retract" && typeof frame.id === "string") {
        drop(frame.id);
      } else if (frame.type === "pin") {
        pin(frame.photo, frame.pinned === true);
      }
    },
  });
})();
