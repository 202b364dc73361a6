/* A live grid of photos: the city page and the index's stream of every city.
 *
 * User data (captions, names, places) only ever reaches the page through
 * textContent; only absolute http(s) URLs are ever assigned to src or href.
 */
(function () {
  "use strict";

  var readJson = window.Wazstagram.readJson;
  var httpUrl = window.Wazstagram.httpUrl;
  var isPhoto = window.Wazstagram.isPhoto;

  var MAX_TILES = 240; // older tiles leave the page so it stays light for hours
  var CARD_THUMBS = 4;
  var RATE_WINDOW = 60 * 1000;

  var grid = document.getElementById("grid");
  if (!grid) {
    return;
  }
  var empty = document.getElementById("empty");
  var statusBox = document.getElementById("status");
  var detail = document.getElementById("detail");
  var cityNames = readJson("city-names") || {};
  var SOURCE_NAMES = { instagram: "Instagram", bluesky: "Bluesky", mastodon: "Mastodon", flickr: "Flickr" };

  var photos = new Map(); // id -> {message, node}
  var seen = new Set(); // every id shown on this page; a photo is never shown twice
  var arrivals = []; // timestamps (ms) of photos, for photos per minute
  var lastId = null; // newest photo received: where a resume starts
  var openId = null; // photo in the detail view

  function text(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  function el(tag, className) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    return node;
  }

  function takenAt(message) {
    var time = Date.parse(message.created_at);
    return isNaN(time) ? 0 : time;
  }

  // Tiles --------------------------------------------------------------------

  function tileImage(message) {
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

  function buildTile(message) {
    var tile = el("li", "tile");
    tile.dataset.id = message.id;
    var link = el("a", "tile-link");
    link.href = "#photo-" + encodeURIComponent(message.id);
    var img = tileImage(message);
    if (img) {
      link.appendChild(img);
    }
    if (grid.dataset.stream === "all") {
      var label = el("span", "tile-city");
      label.textContent = text(cityNames[message.city] || message.city);
      link.appendChild(label);
    }
    tile.appendChild(link);
    return tile;
  }

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
    lastId = message.id;
    if (seen.has(message.id)) {
      return;
    }
    seen.add(message.id);
    var tile = buildTile(message);
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
    if (openId === null && pendingId() === message.id) {
      openDetail(message.id);
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
    if (openId === id) {
      closeDetail();
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

  var STATUS_TEXT = {
    connecting: "Connecting…",
    live: "Live",
    reconnecting: "Reconnecting…",
    gone: "Not available",
  };

  function setStatus(state) {
    if (!statusBox) {
      return;
    }
    statusBox.dataset.state = state;
    statusBox.querySelector(".status-text").textContent = STATUS_TEXT[state] || state;
  }

  // Detail view, addressed by #photo-<id> ------------------------------------

  function pendingId() {
    var match = /^#photo-(.+)$/.exec(window.location.hash);
    if (!match) {
      return null;
    }
    try {
      return decodeURIComponent(match[1]);
    } catch (error) {
      return null;
    }
  }

  function setImage(img, url) {
    var src = httpUrl(url);
    if (src) {
      img.src = src;
      img.hidden = false;
    } else {
      img.removeAttribute("src");
      img.hidden = true;
    }
  }

  function formatTime(message) {
    var time = takenAt(message);
    if (!time) {
      return "";
    }
    var seconds = Math.round((Date.now() - time) / 1000);
    var ago;
    if (seconds < 60) {
      ago = "just now";
    } else if (seconds < 3600) {
      ago = Math.floor(seconds / 60) + " min ago";
    } else if (seconds < 86400) {
      ago = Math.floor(seconds / 3600) + " h ago";
    } else {
      ago = new Date(time).toLocaleDateString();
    }
    return ago + " · " + new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // The author's alt text where the source gives one, else the start of the caption.
  function altText(message, length) {
    var alt = message.image && text(message.image.alt);
    return (alt || text(message.caption)).slice(0, length) || "Photo";
  }

  function openDetail(id) {
    var entry = photos.get(id);
    if (!detail || !entry) {
      return;
    }
    var message = entry.message;
    var user = message.user || {};
    var location = message.location || {};
    var q = function (selector) {
      return detail.querySelector(selector);
    };
    setImage(q(".detail-image"), message.image && message.image.url);
    q(".detail-image").alt = altText(message, 200);
    setImage(q(".detail-avatar"), user.avatar);
    q(".detail-username").textContent = text(user.username);
    q(".detail-fullname").textContent = text(user.full_name);
    q(".detail-caption").textContent = text(message.caption);
    q(".detail-caption").hidden = !message.caption;
    q(".detail-likes").textContent = text(message.likes || 0);
    q(".detail-time").textContent = formatTime(message);
    q(".detail-time").dateTime = text(message.created_at);
    q(".detail-source").textContent = SOURCE_NAMES[message.source] || "Instagram";
    q(".detail-license").textContent = text(message.license);
    q(".detail-license-row").hidden = !message.license;
    var place = text(location.name) || text(cityNames[message.city] || message.city);
    q(".detail-place").textContent = place;
    var link = q(".detail-link");
    var href = httpUrl(message.link);
    if (href) {
      link.href = href;
      link.hidden = false;
    } else {
      link.removeAttribute("href");
      link.hidden = true;
    }
    // "Show on map": the photo's pin on its city's map (#photo-<id>/map leads there too).
    var onMap = q(".detail-map");
    var spot = message.location || {};
    onMap.hidden = typeof spot.lat !== "number" || typeof spot.lng !== "number";
    onMap.href = "/cities/" + encodeURIComponent(message.city) + "/map/#photo-" + encodeURIComponent(message.id);
    var current = grid.querySelector(".tile.is-open");
    if (current) {
      current.classList.remove("is-open");
    }
    entry.node.classList.add("is-open");
    openId = id;
    detail.hidden = false;
    document.body.classList.add("has-detail");
    q(".detail-card").focus({ preventScroll: true });
  }

  // The dialog keeps the focus: Tab and Shift+Tab go round its own controls.
  function trapFocus(event) {
    var controls = Array.prototype.filter.call(
      detail.querySelectorAll("a[href], button, [tabindex]"),
      function (node) {
        return !node.hidden && node.offsetParent !== null;
      }
    );
    if (!controls.length) {
      return;
    }
    var first = controls[0];
    var last = controls[controls.length - 1];
    var inside = detail.contains(document.activeElement);
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      last.focus();
      event.preventDefault();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      first.focus();
      event.preventDefault();
    }
  }

  function closeDetail() {
    if (!detail || openId === null) {
      return;
    }
    var entry = photos.get(openId);
    openId = null;
    detail.hidden = true;
    document.body.classList.remove("has-detail");
    if (entry) {
      entry.node.classList.remove("is-open");
      var link = entry.node.querySelector(".tile-link");
      if (link) {
        link.focus({ preventScroll: true });
      }
    }
    if (pendingId() !== null) {
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }

  function followHash() {
    var onMap = /^#photo-(.+)\/map$/.exec(window.location.hash);
    if (onMap) {
      var entry = photos.get(decodeURIComponent(onMap[1]));
      var city = entry ? entry.message.city : grid.dataset.stream;
      window.location.replace("/cities/" + encodeURIComponent(city) + "/map/#photo-" + onMap[1]);
      return;
    }
    var id = pendingId();
    if (id !== null && photos.has(id)) {
      openDetail(id);
    } else {
      closeDetail();
    }
  }

  // Older (+1) or newer (-1) neighbour of the open photo, in grid order.
  function step(direction) {
    var entry = photos.get(openId);
    if (!entry) {
      return;
    }
    var node = direction > 0 ? entry.node.nextElementSibling : entry.node.previousElementSibling;
    if (node) {
      history.replaceState(null, "", "#photo-" + encodeURIComponent(node.dataset.id));
      openDetail(node.dataset.id);
    }
  }

  if (detail) {
    detail.addEventListener("click", function (event) {
      var target = event.target.closest("[data-close], [data-step]");
      if (!target) {
        return;
      }
      if (target.hasAttribute("data-close")) {
        closeDetail();
      } else {
        step(Number(target.dataset.step));
      }
    });
    document.addEventListener("keydown", function (event) {
      if (openId === null) {
        return;
      }
      if (event.key === "Escape") {
        closeDetail();
      } else if (event.key === "Tab") {
        trapFocus(event);
      } else if (event.key === "ArrowRight") {
        step(1);
      } else if (event.key === "ArrowLeft") {
        step(-1);
      }
    });
  }
  window.addEventListener("hashchange", followHash);

  // Start: the photos the server rendered, then the live stream -------------

  (readJson("initial-photos") || []).forEach(function (message) {
    if (!isPhoto(message)) {
      return;
    }
    var node = grid.querySelector('.tile[data-id="' + CSS.escape(message.id) + '"]');
    if (node) {
      seen.add(message.id);
      photos.set(message.id, { message: message, node: node });
      arrivals.push(message.published_at ? message.published_at * 1000 : takenAt(message));
      lastId = message.id;
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
  followHash();
  window.setInterval(refresh, 5000);

  window.Wazstagram.connectStream({
    path: grid.dataset.wsPath,
    lastId: function () {
      return lastId;
    },
    onStatus: setStatus,
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
