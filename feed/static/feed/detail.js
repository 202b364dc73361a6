/* The detail view of one photo, addressed by #photo-<id>: large image, caption, author,
 * facts, the original and its pin on the map. A dialog: it keeps the focus, Escape closes it,
 * the arrow keys step to the newer or older photo.
 */
import { altText, httpUrl, takenAt, text } from "./util.js";

const SOURCE_NAMES = { instagram: "Instagram", bluesky: "Bluesky", mastodon: "Mastodon", flickr: "Flickr" };

// `photos` (id -> {message, node}) and `grid` belong to the page; the view reads them.
export function detailView(photos, grid, cityNames) {
  var detail = document.getElementById("detail");
  var openId = null; // the photo shown

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

  return {
    open: openDetail,
    close: closeDetail,
    follow: followHash,
    pending: pendingId,
    openId: function () {
      return openId;
    },
  };
}
