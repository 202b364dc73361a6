/* A live grid of photos: the city page and the index's stream of every city.
 *
 * User data (captions, names, places) only ever reaches the page through
 * textContent; only absolute http(s) URLs are ever assigned to src or href.
 */
import { detailView } from "./detail.js";
import { showStatus } from "./status.js";
import { connectStream } from "./stream.js";
import { buildTile, tileImage } from "./tiles.js";
import { el, httpUrl, isPhoto, readJson, takenAt, text } from "./util.js";

(function () {
  var MAX_TILES = 240; // older tiles leave the page so it stays light for hours
  var CARD_THUMBS = 4;
  var RATE_WINDOW = 60 * 1000;

  var grid = document.getElementById("grid");
  if (!grid) {
    return;
  }
  var empty = document.getElementById("empty");
  var cityNames = readJson("city-names") || {};

  var photos = new Map(); // id -> {message, node}
  var seen = new Set(); // every id shown on this page; a photo is never shown twice
  var arrivals = []; // timestamps (ms) of photos, for photos per minute
  var lastId = null; // newest photo received: where a resume starts
  var detail = detailView(photos, grid, cityNames);

  // Tiles --------------------------------------------------------------------

  // Pinned photos first; then newest first by the time it was taken, a tie to the later one.
  function insertTile(tile, message) {
    if (message.pinned) {
      grid.insertBefore(tile, grid.firstElementChild);
      return;
    }
    var time = takenAt(message);
    var node = grid.firstElementChild;
    while (node && node.classList.contains("is-pinned")) {
      node = node.nextElementSibling;
    }
    while (node) {
      var other = photos.get(node.dataset.id);
      if (!other || takenAt(other.message) <= time) {
        break;
      }
      node = node.nextElementSibling;
    }
    grid.insertBefore(tile, node);
  }

  function addPhoto(message, live) {
    if (!isPhoto(message)) {
      return;
    }
    if (!message.pinned) {
      lastId = message.id; // pinned ones come last and may be old
    }
    if (seen.has(message.id)) {
      return;
    }
    seen.add(message.id);
    var tile = buildTile(message, cityNames);
    tile.classList.toggle("is-pinned", message.pinned === true);
    photos.set(message.id, { message: message, node: tile });
    insertTile(tile, message);
    if (live) {
      document.dispatchEvent(new CustomEvent("wazstagram:photo")); // the numbers follow
      tile.classList.add("is-new");
      tile.addEventListener("animationend", function () {
        tile.classList.remove("is-new");
      }, { once: true });
    }
    arrivals.push(message.published_at ? message.published_at * 1000 : takenAt(message));
    trim();
    updateCard(message);
    refresh();
    if (detail.openId() === null && detail.pending() === message.id) {
      detail.open(message.id);
    }
  }

  function removePhoto(id) {
    var entry = photos.get(id);
    seen.delete(id); // moderation may restore it later
    if (!entry) {
      return;
    }
    photos.delete(id);
    entry.node.remove();
    document.dispatchEvent(new CustomEvent("wazstagram:photo"));
    document.querySelectorAll(".city-card-thumbs [data-id]").forEach(function (node) {
      if (node.dataset.id === id) {
        node.remove();
      }
    });
    if (detail.openId() === id) {
      detail.close();
    }
    refresh();
  }

  // A moderator pinned a photo (first until unpinned) or unpinned it (back in its place).
  function pinPhoto(message, pinned) {
    if (!isPhoto(message)) {
      return;
    }
    message.pinned = pinned;
    var entry = photos.get(message.id);
    if (!entry) {
      if (pinned) {
        addPhoto(message, true);
      }
      return;
    }
    entry.message.pinned = pinned;
    entry.node.classList.toggle("is-pinned", pinned);
    entry.node.remove();
    insertTile(entry.node, entry.message);
  }

  function trim() {
    while (photos.size > MAX_TILES && grid.lastElementChild) {
      var oldest = grid.lastElementChild;
      photos.delete(oldest.dataset.id);
      oldest.remove();
    }
  }

  // The index's city cards show each city's latest few photos.
  function updateCard(message) {
    var card = document.querySelector('.city-card[data-city="' + CSS.escape(text(message.city)) + '"]');
    var list = card && card.querySelector(".city-card-thumbs");
    var img = tileImage(message);
    if (!list || !img) {
      return;
    }
    for (var i = 0; i < list.children.length; i++) {
      if (list.children[i].dataset.id === message.id) {
        return;
      }
    }
    var item = el("li");
    item.dataset.id = message.id;
    var link = el("a");
    link.href = card.querySelector(".city-card-link").getAttribute("href") +
      "#photo-" + encodeURIComponent(message.id);
    link.appendChild(img);
    item.appendChild(link);
    list.insertBefore(item, list.firstElementChild);
    while (list.children.length > CARD_THUMBS) {
      list.lastElementChild.remove();
    }
  }

  // Counters, backdrop, status ----------------------------------------------

  function refresh() {
    var now = Date.now();
    arrivals = arrivals.filter(function (time) {
      return now - time < RATE_WINDOW;
    });
    document.querySelectorAll("[data-rate]").forEach(function (node) {
      node.textContent = String(arrivals.length);
    });
    document.querySelectorAll("[data-count]").forEach(function (node) {
      node.textContent = String(photos.size);
    });
    if (empty) {
      empty.hidden = photos.size > 0;
    }
    var newest = grid.firstElementChild;
    showBackdrop(newest ? photos.get(newest.dataset.id) : null);
  }

  // Pause (WCAG 2.2.2): new photos wait and the backdrop holds still until play; remembered.
  var PAUSED_KEY = "wazstagram:paused";
  var pauseButton = document.getElementById("pause");
  var paused = false;
  var held = [];
  try {
    paused = pauseButton !== null && window.localStorage.getItem(PAUSED_KEY) === "1";
  } catch (error) {
    paused = false;
  }

  function setPaused(value) {
    paused = value;
    try {
      window.localStorage.setItem(PAUSED_KEY, value ? "1" : "0");
    } catch (error) {
      // private mode: the choice lasts as long as the page
    }
    if (pauseButton) {
      pauseButton.setAttribute("aria-pressed", value ? "true" : "false");
      pauseButton.textContent = value ? "Play" : "Pause";
    }
    document.body.classList.toggle("is-paused", value);
    if (!value) {
      var waiting = held;
      held = [];
      waiting.forEach(function (message) {
        addPhoto(message, true);
      });
      refresh();
    }
  }

  function receivePhoto(message) {
    if (paused) {
      if (isPhoto(message) && !seen.has(message.id)) {
        held.push(message);
        if (held.length > MAX_TILES) {
          held.shift();
        }
        pauseButton.textContent = "Play · " + held.length + " new";
      }
      return;
    }
    addPhoto(message, true);
  }

  var backdrop = document.getElementById("backdrop");
  var backdropShown = null;

  // The newest photo fills the screen; a new one fades in over it once loaded.
  function showBackdrop(entry) {
    if (!backdrop || !entry || paused || backdropShown === entry.message.id) {
      return;
    }
    var id = entry.message.id;
    var src = httpUrl(entry.message.image && entry.message.image.url);
    backdropShown = id;
    if (!src) {
      return;
    }
    var loader = new Image();
    loader.onload = function () {
      if (backdropShown !== id) {
        return;
      }
      var layers = backdrop.querySelectorAll(".backdrop-layer");
      var shown = backdrop.querySelector(".backdrop-layer.is-visible");
      var next = shown === layers[0] ? layers[1] : layers[0];
      // The URL parser percent-encodes quotes, so href is safe inside url("…").
      next.style.backgroundImage = 'url("' + src + '")';
      next.classList.add("is-visible");
      if (shown) {
        shown.classList.remove("is-visible");
      }
    };
    loader.src = src;
  }

  (readJson("initial-photos") || []).forEach(function (message) {
    if (!isPhoto(message)) {
      return;
    }
    var node = grid.querySelector('.tile[data-id="' + CSS.escape(message.id) + '"]');
    if (node) {
      seen.add(message.id);
      photos.set(message.id, { message: message, node: node });
      arrivals.push(message.published_at ? message.published_at * 1000 : takenAt(message));
      if (!message.pinned) {
        lastId = message.id;
      }
    } else {
      addPhoto(message, false);
    }
  });
  if (pauseButton) {
    pauseButton.hidden = false;
    pauseButton.addEventListener("click", function () {
      setPaused(!paused);
    });
  }
  setPaused(paused);
  refresh();
  detail.follow();
  window.addEventListener("hashchange", detail.follow);
  window.setInterval(refresh, 5000);

  connectStream({
    path: grid.dataset.wsPath,
    lastId: function () {
      return lastId;
    },
    onStatus: showStatus,
    onFrame: function (frame) {
      if (frame.type === "photo") {
        receivePhoto(frame.photo);
      } else if (frame.type === "retract" && typeof frame.id === "string") {
        removePhoto(frame.id);
      } else if (frame.type === "pin") {
        pinPhoto(frame.photo, frame.pinned === true);
      }
    },
  });
})();
