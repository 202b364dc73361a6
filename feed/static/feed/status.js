/* The status badge of a live page (#status): connecting, live, reconnecting, gone. */

const STATUS_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  gone: "Not available",
};

export function showStatus(state) {
  const box = document.getElementById("status");
  if (box) {
    box.dataset.state = state;
    box.querySelector(".status-text").textContent = STATUS_TEXT[state] || state;
  }
}
