/* The moderation desk: the queue and the wall of a city, live, decided from the keyboard.
 *
 * Arrow keys move between photos, Space selects several, a approves, r rejects (hides),
 * p pins or unpins, b blocks the author, u undoes your last decision. Decisions are POSTed;
 * their effects (and other moderators' decisions) come back over the desk's websocket.
 * Everything from a photo is set as text or as an http(s) URL, never as markup.
 */
import { showStatus } from "./status.js";
import { connectStream } from "./stream.js";
import { clip as text, httpUrl, isPhoto, readJson as readScript } from "./util.js";

(function () {
  var desk = document.getElementById("desk");
  if (!desk) {
    return;
  }
  var lists = { queue: document.getElementById("queue"), shown: document.getElementById("shown") };
  var notice = document.getElementById("desk-notice");
  var why = document.getElementById("desk-why");
  var MAX_SHOWN = 60;
  var KEYS = { a: "approve", r: "reject", p: "pin", b: "block", u: "undo" };
  var items = new Map(); // id -> {message, node, list}

  function readJson(id) {
    return readScript(id) || [];
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (content) {
      node.textContent = content;
    }
    return node;
  }

  function build(message, listName) {
    var node = el("li", "desk-item");
    node.dataset.id = message.id;
    node.tabIndex = -1;
    node.setAttribute("role", "option");
    node.setAttribute("aria-selected", "false");
    var src = httpUrl(message.thumbnail && message.thumbnail.url);
    if (src) {
      var img = el("img", "desk-image");
      img.src = src;
      img.alt = text((message.image && message.image.alt) || message.caption, 120) || "Photo";
      img.width = 120;
      img.height = 120;
      node.appendChild(img);
    }
    var about = el("div", "desk-about");
    var user = message.user || {};
    about.appendChild(el("p", "desk-author", text(user.full_name || user.username, 60) + " · " + text(message.source || "instagram")));
    about.appendChild(el("p", "desk-caption", text(message.caption, 140)));
    if (listName === "queue" && message.held_because) {
      about.appendChild(el("p", "desk-reason", "Held: " + text(message.held_because, 120)));
    }
    node.appendChild(about);
    node.classList.toggle("is-pinned", message.pinned === true);
    node.addEventListener("click", function () {
      focusItem(node);
    });
    return node;
  }

  function add(message, listName, atTop) {
    if (!isPhoto(message)) {
      return;
    }
    remove(message.id);
    var node = build(message, listName);
    var list = lists[listName];
    if (atTop) {
      list.insertBefore(node, list.firstElementChild);
    } else {
      list.appendChild(node);
    }
    items.set(message.id, { message: message, node: node, list: listName });
    while (lists.shown.children.length > MAX_SHOWN) {
      var last = lists.shown.lastElementChild;
      items.delete(last.dataset.id);
      last.remove();
    }
    counts();
  }

  function remove(id) {
    var entry = items.get(id);
    if (!entry) {
      return;
    }
    var next = entry.node.nextElementSibling || entry.node.previousElementSibling;
    var hadFocus = document.activeElement === entry.node;
    entry.node.remove();
    items.delete(id);
    if (hadFocus && next) {
      focusItem(next);
    }
    counts();
  }

  function counts() {
    document.getElementById("queue-count").textContent = String(lists.queue.children.length);
    document.getElementById("queue-empty").hidden = lists.queue.children.length > 0;
  }

  function focusItem(node) {
    document.querySelectorAll(".desk-item.is-focused").forEach(function (other) {
      other.classList.remove("is-focused");
    });
    node.classList.add("is-focused");
    node.focus();
  }

  function focused() {
    return document.querySelector(".desk-item.is-focused");
  }

  function selection() {
    var chosen = Array.prototype.slice.call(document.querySelectorAll('.desk-item[aria-selected="true"]'));
    if (!chosen.length && focused()) {
      chosen = [focused()];
    }
    return chosen.map(function (node) {
      return node.dataset.id;
    });
  }

  function move(step) {
    var all = Array.prototype.slice.call(document.querySelectorAll(".desk-item"));
    if (!all.length) {
      return;
    }
    var index = all.indexOf(focused());
    var next = all[Math.max(0, Math.min(all.length - 1, index < 0 ? 0 : index + step))];
    focusItem(next);
  }

  function say(message) {
    notice.textContent = message;
  }

  function decide(action) {
    var ids = action === "undo" ? [] : selection();
    if (action !== "undo" && !ids.length) {
      say("Select a photo first (arrow keys, or a click).");
      return;
    }
    if (action === "pin" && ids.length === 1 && items.has(ids[0]) && items.get(ids[0]).message.pinned) {
      action = "unpin";
    }
    fetch(desk.dataset.decideUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": desk.dataset.csrf },
      credentials: "same-origin",
      body: JSON.stringify({ action: action, ids: ids, reason: why.value }),
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        var refused = (answer.results || []).filter(function (result) {
          return !result.ok;
        });
        say(refused.length ? refused.map(function (r) { return r.message; }).join("; ") : action + ": done");
        (answer.results || []).forEach(function (result) {
          if (result.ok && (action === "approve" || action === "reject" || action === "block")) {
            var entry = items.get(result.id);
            if (entry && entry.list === "queue") {
              remove(result.id);
            }
          }
        });
        document.querySelectorAll('.desk-item[aria-selected="true"]').forEach(function (node) {
          node.setAttribute("aria-selected", "false");
        });
        why.value = "";
      })
      .catch(function () {
        say("The decision did not reach the server; try again.");
      });
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || /input|textarea|select/i.test(event.target.tagName)) {
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowRight") {
      move(1);
    } else if (event.key === "ArrowUp" || event.key === "ArrowLeft") {
      move(-1);
    } else if (event.key === " " && focused()) {
      var node = focused();
      node.setAttribute("aria-selected", node.getAttribute("aria-selected") === "true" ? "false" : "true");
    } else if (KEYS[event.key]) {
      decide(KEYS[event.key]);
    } else {
      return;
    }
    event.preventDefault();
  });

  desk.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      decide(button.dataset.action);
    });
  });

  function onFrame(frame) {
    if (frame.type === "queue" && Array.isArray(frame.photos)) {
      Array.prototype.slice.call(lists.queue.children).forEach(function (node) {
        items.delete(node.dataset.id);
        node.remove();
      });
      frame.photos.forEach(function (message) {
        add(message, "queue", false);
      });
    } else if (frame.type === "queued") {
      add(frame.photo, "queue", false);
    } else if (frame.type === "photo") {
      add(frame.photo, "shown", true);
    } else if (frame.type === "retract" && typeof frame.id === "string") {
      var entry = items.get(frame.id);
      if (entry && entry.list === "shown") {
        remove(frame.id);
      }
    } else if (frame.type === "pin" && isPhoto(frame.photo)) {
      frame.photo.pinned = frame.pinned === true;
      add(frame.photo, "shown", true);
    } else if (frame.type === "decided" && typeof frame.id === "string") {
      var decided = items.get(frame.id);
      if (decided && decided.list === "queue" && frame.action !== "pin" && frame.action !== "unpin") {
        remove(frame.id);
      }
      say(text(frame.by, 40) + ": " + text(frame.action, 20));
    }
  }

  readJson("desk-waiting").forEach(function (message) {
    add(message, "queue", false);
  });
  readJson("desk-shown").reverse().forEach(function (message) {
    add(message, "shown", false);
  });
  counts();

  connectStream({
    path: desk.dataset.wsPath,
    lastId: function () {
      return null;
    },
    onStatus: showStatus,
    onFrame: onFrame,
  });
})();
