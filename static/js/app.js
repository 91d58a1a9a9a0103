// Shared behaviour for every screen. Screen-specific code lives beside it (station.js, ...).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.htmx) return;
  // Domain refusals come back as 4xx partials with a message in them, and server errors as
  // a small partial for the zone that asked (packing/errors.py): show them, don't drop them.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: true, error: true },
  ];
  // Keep the browser history light on tablets that run for a whole shift.
  htmx.config.historyCacheSize = 5;
});

// A zone shows only its latest error.
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (target) for (const old of target.querySelectorAll(":scope > .zone-error")) old.remove();
});

document.addEventListener("htmx:responseError", (event) => {
  const banner = document.getElementById("connection-error");
  if (banner) {
    banner.hidden = false;
    banner.textContent = `Server error ${event.detail.xhr.status}. Try again.`;
  }
});
document.addEventListener("htmx:sendError", () => {
  const banner = document.getElementById("connection-error");
  if (banner) {
    banner.hidden = false;
    banner.textContent = "No connection to the server. Check the network and try again.";
  }
});
