// The packing station and the queue: a keyboard-wedge scanner types a code and Enter into
// the scan field, which must always have focus. Station scans are sent one after another,
// in order, each with its own id so that a retry after a network error never counts twice.
(() => {
  const RETRIES = 3;
  let pending = 0;
  let chain = Promise.resolve();

  const scanField = () => document.querySelector("[data-scan-field]");

  function focusScanField() {
    const field = scanField();
    const active = document.activeElement;
    const busyElsewhere = active && active !== field && active.matches("input, select, textarea");
    if (field && !busyElsewhere) field.focus({ preventScroll: true });
  }

  // crypto.randomUUID needs a secure context; store tablets may reach the server over plain http.
  function newScanId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // A running AudioContext renders silence without pause, which costs the tablet's battery
  // and the CPU the next scan needs: it is suspended whenever no tone is playing.
  let audio;
  let suspendTimer;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      clearTimeout(suspendTimer);
      audio.resume();
      const tones = ok ? [[1046, 0, 0.08]] : [[220, 0, 0.16], [180, 0.2, 0.25]];
      for (const [frequency, start, length] of tones) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.type = ok ? "sine" : "square";
        oscillator.frequency.value = frequency;
        gain.gain.value = 0.15;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + start);
        oscillator.stop(audio.currentTime + start + length);
      }
      const lastsMs = Math.max(...tones.map(([, start, length]) => start + length)) * 1000;
      suspendTimer = setTimeout(() => audio.suspend(), lastsMs + 100);
    } catch (error) {
      // No audio device: the colour, icon and text still tell the outcome.
    }
  }

  function announceOutcome(root) {
    const result = root && root.querySelector("[data-outcome]");
    if (result) beep(result.dataset.outcome === "ok");
  }

  function showPending(form, delta) {
    pending += delta;
    const indicator = form.querySelector(".scan-pending");
    if (indicator) indicator.hidden = pending === 0;
    const field = form.querySelector("[data-scan-field]");
    if (field) field.classList.toggle("pending", pending > 0);
  }

  async function postScan(url, body, attempt = 0) {
    try {
      return await fetch(url, {
        method: "POST",
        body,
        headers: { "HX-Request": "true", "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content },
        credentials: "same-origin",
      });
    } catch (error) {
      if (attempt + 1 >= RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300 * (attempt + 1)));
      return postScan(url, body, attempt + 1);
    }
  }

  async function sendScan(form, code) {
    const body = new FormData(form);
    body.set("barcode", code);
    body.set("client_scan_id", newScanId());
    const banner = document.getElementById("connection-error");
    try {
      const response = await postScan(form.dataset.scanUrl, body);
      if (response.status >= 500 || response.status === 403 || response.status === 404) {
        throw new Error(`status ${response.status}`);
      }
      const zone = document.getElementById("scan-zone");
      if (zone) htmx.swap(zone, await response.text(), { swapStyle: "outerHTML" });
      if (banner) banner.hidden = true;
      if (response.headers.get("HX-Trigger")) htmx.trigger(document.body, response.headers.get("HX-Trigger"));
      announceOutcome(document.getElementById("scan-zone"));
    } catch (error) {
      beep(false);
      if (banner) {
        banner.hidden = false;
        banner.textContent = `${code}: not sent (${error.message}). Scan it again.`;
      }
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-scan-url]") || !window.htmx) return;
    event.preventDefault();
    const field = form.querySelector("[data-scan-field]");
    const code = field.value.trim();
    field.value = "";
    if (!code) return;
    showPending(form, 1);
    chain = chain.then(() => sendScan(form, code)).finally(() => {
      showPending(document.querySelector("[data-scan-url]") || form, -1);
      focusScanField();
    });
  });

  // Forms that record a unit by hand get a fresh scan id for every press.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt.closest("[data-new-scan-id]")) event.detail.parameters["client_scan_id"] = newScanId();
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (path && path.includes("/scans/")) announceOutcome(document.getElementById("scan-zone"));
    focusScanField();
  });

  // On the queue a scan may arrive while nothing is focused: send the keys to the scan field.
  document.addEventListener("keydown", (event) => {
    const active = document.activeElement;
    if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1) return;
    if (!active || active === document.body || active.matches("button, a")) focusScanField();
  });

  document.addEventListener("DOMContentLoaded", focusScanField);
})();
