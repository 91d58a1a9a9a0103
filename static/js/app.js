// Shared behaviour for every screen. Screen-specific code lives beside it (station.js, ...).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.htmx) return;
  // Domain refusals come back as 4xx partials with a message in them: show them, don't drop them.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
  // Keep the browser history light on tablets that run for a whole shift.
  htmx.config.historyCacheSize = 5;
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

// The Content-Security-Policy allows no inline script and no eval, so behaviour that would
// sit in an attribute (onfocus=, an hx-trigger filter) is wired here from data-* attributes.

// Polling pauses while the tablet's screen is off or another app is in front.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (document.hidden && event.detail.elt.hasAttribute("data-pause-when-hidden")) event.preventDefault();
});

// A key shown once is selected on focus, ready to copy.
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("input[data-select-on-focus]")) event.target.select();
});
