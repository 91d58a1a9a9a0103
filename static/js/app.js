// Shared behaviour for every screen. Screen-specific code lives beside it (station.js, ...).

// The page's words for what this script says (templates/_js_messages.html), in its language;
// the English stays as the fallback for a page without the block.
const APP_MESSAGES = {
  offline: "No connection to the server. Check the network and try again.",
  serverError: "Server error {status}. Try again.",
  ...JSON.parse(document.getElementById("app-messages")?.textContent || "{}"),
};
const appSays = (key, values = {}) =>
  APP_MESSAGES[key].replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
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
    banner.textContent = appSays("serverError", { status: event.detail.xhr.status });
  }
});
document.addEventListener("htmx:sendError", () => {
  const banner = document.getElementById("connection-error");
  if (banner) {
    banner.hidden = false;
    banner.textContent = appSays("offline");
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

// "Select all" ticks every box of its group: <input type="checkbox" data-select-all="package_ids">.
// It is hidden without JavaScript, where "Print all waiting" does the same.
function syncSelectAll(group) {
  const all = document.querySelector(`[data-select-all="${group}"]`);
  if (!all) return;
  const boxes = [...document.querySelectorAll(`input[type=checkbox][name="${group}"]`)];
  const ticked = boxes.filter((box) => box.checked).length;
  all.checked = boxes.length > 0 && ticked === boxes.length;
  all.indeterminate = ticked > 0 && ticked < boxes.length;
}
document.addEventListener("change", (event) => {
  const target = event.target;
  if (!target.matches || !target.matches("input[type=checkbox]")) return;
  if (target.dataset.selectAll) {
    for (const box of document.querySelectorAll(`input[type=checkbox][name="${target.dataset.selectAll}"]`)) {
      box.checked = target.checked;
    }
  } else if (target.name) {
    syncSelectAll(target.name);
  }
});
function revealSelectAll(root) {
  for (const all of root.querySelectorAll("[data-select-all]")) {
    all.closest("[hidden]")?.removeAttribute("hidden");
    syncSelectAll(all.dataset.selectAll);
  }
}
document.addEventListener("DOMContentLoaded", () => revealSelectAll(document));
document.addEventListener("htmx:afterSettle", (event) => revealSelectAll(event.target));
