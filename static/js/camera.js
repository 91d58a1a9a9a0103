// The tablet's camera as a scanner, on the station and the queue (templates/_camera.html).
// The browser's own BarcodeDetector reads the codes where it has one; elsewhere the ZXing
// ponyfill (static/vendor, its wasm served by this app) does. Each read is handed to
// station.js as a "packing:camera-read" event, the same road a wedge scan takes.
(() => {
  const FORMATS = ["code_128", "ean_13", "ean_8", "upc_a", "upc_e", "qr_code", "data_matrix"];
  const NEEDED = ["code_128", "ean_13", "qr_code", "data_matrix"];
  const FLASH_MS = 250;
  const messagesBlock = document.getElementById("camera-messages");
  const MESSAGES = {
    starting: "Starting the camera…",
    ready: "Hold a barcode in view.",
    denied: "No camera ({reason}). Allow the camera in the browser's settings; the scanner keeps working.",
    ...(messagesBlock ? JSON.parse(messagesBlock.textContent) : {}),
  };
  const say = (key, values = {}) =>
    MESSAGES[key].replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));

  const viewfinder = () => document.querySelector("[data-camera]");
  const toggle = () => document.querySelector("[data-camera-toggle]");
  let stream = null;
  let detector = null;
  const lastSeen = new Map();

  function status(text) {
    const line = viewfinder() && viewfinder().querySelector("[data-camera-status]");
    if (line) line.textContent = text;
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(src));
      document.head.append(script);
    });
  }

  async function makeDetector(section) {
    if ("BarcodeDetector" in window) {
      try {
        const supported = await window.BarcodeDetector.getSupportedFormats();
        if (NEEDED.every((format) => supported.includes(format))) {
          return new window.BarcodeDetector({ formats: FORMATS.filter((format) => supported.includes(format)) });
        }
      } catch (error) {
        // A detector without its platform service: the ponyfill reads instead.
      }
    }
    if (!window.BarcodeDetectionAPI) await loadScript(section.dataset.detectorSrc);
    const api = window.BarcodeDetectionAPI;
    const wasm = new URL(section.dataset.wasmSrc, window.location.href).href;
    api.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasm : prefix + path) },
      fireImmediately: true,
    });
    return new api.BarcodeDetector({ formats: FORMATS });
  }

  // A code held in view is seen on every frame: it counts again only after it has been out
  // of sight for the blanking period.
  function sighted(code, blankingMs) {
    const now = performance.now();
    const last = lastSeen.get(code);
    lastSeen.set(code, now);
    if (last !== undefined && now - last < blankingMs) return;
    flash();
    document.dispatchEvent(new CustomEvent("packing:camera-read", { detail: { code, at: now } }));
  }

  function flash() {
    const section = viewfinder();
    const root = document.documentElement;
    root.dataset.cameraReads = String(Number(root.dataset.cameraReads || 0) + 1);
    if (!section) return;
    section.classList.remove("camera-read");
    void section.offsetWidth; // restarts the flash's animation for a read right after another
    section.classList.add("camera-read");
    setTimeout(() => section.classList.remove("camera-read"), FLASH_MS);
  }

  function nextFrame(video) {
    return new Promise((resolve) =>
      video.requestVideoFrameCallback ? video.requestVideoFrameCallback(() => resolve()) : requestAnimationFrame(() => resolve()),
    );
  }

  async function watch(video, section, ownStream) {
    const blankingMs = Number(section.dataset.blankingMs) || 1500;
    while (stream === ownStream) {
      await nextFrame(video);
      if (stream !== ownStream || video.readyState < 2) continue;
      try {
        for (const found of await detector.detect(video)) if (found.rawValue) sighted(found.rawValue, blankingMs);
      } catch (error) {
        // A frame the reader could not take (the video resizing): the next one will do.
      }
    }
  }

  async function open() {
    const section = viewfinder();
    if (!section || stream) return;
    section.hidden = false;
    toggle().setAttribute("aria-expanded", "true");
    status(say("starting"));
    const video = section.querySelector("video");
    try {
      const ownStream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
      stream = ownStream;
      video.srcObject = ownStream;
      await video.play();
      detector = detector || (await makeDetector(section));
      section.classList.add("camera-live");
      status(say("ready"));
      watch(video, section, ownStream);
    } catch (error) {
      close(false);
      section.hidden = false;
      status(say("denied", { reason: error.name || error.message }));
    }
    refocus();
  }

  function close(hide = true) {
    const section = viewfinder();
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    if (!section) return;
    section.classList.remove("camera-live");
    section.querySelector("video").srcObject = null;
    if (hide) section.hidden = true;
    if (toggle()) toggle().setAttribute("aria-expanded", "false");
  }

  // The wedge must keep working with the camera on: focus goes back to the scan field.
  function refocus() {
    const field = document.querySelector("[data-scan-field]");
    if (field) field.focus({ preventScroll: true });
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-camera-toggle]")) {
      event.preventDefault();
      if (stream) close();
      else open();
      refocus();
    } else if (event.target.closest("[data-camera-close]")) {
      event.preventDefault();
      close();
      refocus();
    }
  });

  // The camera is shown only where it can work: a secure page with media devices.
  function offerCamera() {
    const button = toggle();
    if (button) button.hidden = !(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }
  document.addEventListener("DOMContentLoaded", offerCamera);
  // A new station screen (after a command) brings a new button; the stream stays with the page.
  document.addEventListener("htmx:afterSettle", () => {
    offerCamera();
    if (stream && toggle()) toggle().setAttribute("aria-expanded", "true");
  });
  window.addEventListener("pagehide", () => close());
})();
