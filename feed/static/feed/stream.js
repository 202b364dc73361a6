/* The live stream: one websocket that reconnects by itself and resumes where it left off.
 *
 * connectStream({path, lastId, onFrame, onStatus}) opens ws(s)://<this host><path>.
 * After every (re)connect it sends {"type": "resume", "after": lastId()} so the server sends
 * only the photos this page missed. Reconnects back off exponentially with full jitter, so a
 * restarted server is not stampeded by every page at once. Close codes 4404 (unknown city)
 * and 4403 (not allowed) are final. A batch message ({"type": "batch", "frames": [...]}, a burst
 * of photos in one write) reaches onFrame as its frames, one by one, in order.
 */
var BASE_DELAY = 500;
var MAX_DELAY = 15000;
var STABLE_AFTER = 10000; // a connection that lived this long resets the backoff
var CLOSE_UNKNOWN_CITY = 4404;
var CLOSE_FORBIDDEN = 4403; // the moderation desk without a moderator's session

function backoff(attempt) {
  var ceiling = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, attempt));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function connectStream(options) {
  var attempt = 0;
  var socket = null;
  var timer = null;
  var openedAt = 0;

  function url() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + options.path;
  }

  function open() {
    timer = null;
    options.onStatus(attempt ? "reconnecting" : "connecting");
    socket = new WebSocket(url());
    socket.onopen = function () {
      openedAt = Date.now();
      options.onStatus("live");
      var after = options.lastId();
      if (after) {
        socket.send(JSON.stringify({ type: "resume", after: after }));
      }
    };
    socket.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (!frame || typeof frame !== "object") {
        return;
      }
      var frames = frame.type === "batch" && Array.isArray(frame.frames) ? frame.frames : [frame];
      frames.forEach(function (each) {
        if (each && typeof each === "object") {
          options.onFrame(each);
        }
      });
    };
    socket.onclose = function (event) {
      socket = null;
      if (event.code === CLOSE_UNKNOWN_CITY || event.code === CLOSE_FORBIDDEN) {
        options.onStatus("gone");
        return;
      }
      if (openedAt && Date.now() - openedAt > STABLE_AFTER) {
        attempt = 0;
      }
      openedAt = 0;
      options.onStatus("reconnecting");
      timer = window.setTimeout(open, backoff(attempt));
      attempt += 1;
    };
  }

  // Back online: no reason to sit out the rest of a long backoff.
  window.addEventListener("online", function () {
    if (timer !== null) {
      window.clearTimeout(timer);
      open();
    }
  });

  open();
}
