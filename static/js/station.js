// The packing station and the queue: a keyboard-wedge scanner types a code and Enter into
// the scan field, which must always have focus. Station scans are sent one after another,
// in order, each with its own id so that a retry after a network error never counts twice.
//
// A scan is always a scan: while a command's dialog is open (the scan field is then out of
// reach), keys typed at scanner speed are collected here and sent as a scan, and their Enter
// never reaches the dialog's buttons. Only a tap, or an Enter of its own, runs a command.
(() => {
  const RETRIES = 3;
  // A wedge types a character every ~30 ms; a person on a tablet does not type into buttons.
  const WEDGE_GAP_MS = 500;
  const NOT_COUNTED_KEY = "packing.notCounted";
  // The page's words for what this script says (templates/station/package.html), in its language.
  const messagesBlock = document.getElementById("station-messages");
  const MESSAGES = {
    notSent: "Not counted: {code} was not sent ({reason}). Scan it again.",
    sessionEnded: "Not counted: {codes}. Your session has ended: sign in, then scan again.",
    notCountedBefore: "Not counted before you signed in again: {codes}. Scan them again.",
    signInAgain: "Your session has ended: sign in again. Nothing was changed since.",
    offline: "No connection to the server. Scans wait on this tablet and are sent when it answers; commands need the server and cannot run until then.",
    waitingOne: "1 scan waiting to send",
    waitingMany: "{n} scans waiting to send",
    refusedAfterWaiting: "Sent when the connection came back: {refusals}",
    commandOffline: "Not done: a command needs the server's answer and is not kept while offline. Try again when the connection is back.",
    ...(messagesBlock ? JSON.parse(messagesBlock.textContent) : {}),
  };
  const say = (key, values = {}) =>
    (MESSAGES[key] || key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));

  const scanField = () => document.querySelector("[data-scan-field]");
  const scanForm = () => document.querySelector("[data-scan-url]");
  const openDialog = () => document.querySelector("dialog[data-command-dialog][open]");

  function focusScanField() {
    const dialog = openDialog();
    if (dialog && dialog.matches(":modal")) return;
    const field = scanField();
    const active = document.activeElement;
    const busyElsewhere = active && active !== field && active.matches("input[type=text], input[type=search], select, textarea");
    if (field && !busyElsewhere) field.focus({ preventScroll: true });
  }

  // crypto.randomUUID needs a secure context; store tablets may reach the server over plain http.
  function newScanId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- Sight, sound and touch for every answer -------------------------------------------

  // Each outcome has its own tune ([frequency Hz, start s, length s]), waveform and
  // vibration, so a picker knows what happened without looking.
  const FEEDBACK = {
    counted: { wave: "sine", tones: [[1046, 0, 0.08]], vibrate: [40] },
    complete: { wave: "sine", tones: [[784, 0, 0.1], [1046, 0.12, 0.1], [1318, 0.24, 0.22]], vibrate: [60, 60, 60, 60, 200] },
    undone: { wave: "sine", tones: [[660, 0, 0.08], [523, 0.1, 0.1]], vibrate: [30, 40, 30] },
    "wrong-item": { wave: "square", tones: [[220, 0, 0.16], [180, 0.2, 0.25]], vibrate: [200, 100, 200] },
    "over-scan": { wave: "triangle", tones: [[440, 0, 0.09], [440, 0.14, 0.09], [440, 0.28, 0.09]], vibrate: [100, 50, 100, 50, 100] },
    "unknown-code": { wave: "sawtooth", tones: [[330, 0, 0.2], [165, 0.22, 0.35]], vibrate: [400] },
    refused: { wave: "square", tones: [[260, 0, 0.3]], vibrate: [250] },
    error: { wave: "square", tones: [[150, 0, 0.45], [150, 0.55, 0.45]], vibrate: [600, 150, 600] },
    waiting: { wave: "triangle", tones: [[587, 0, 0.06], [587, 0.1, 0.06]], vibrate: [30, 60, 30] },
    repeated: { wave: "sine", tones: [[880, 0, 0.05]], vibrate: [20] },
  };

  // A running AudioContext renders silence without pause, which costs the tablet's battery
  // and the CPU the next scan needs: it is suspended whenever no tone is playing.
  let audio;
  let suspendTimer;
  function play(tune) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      clearTimeout(suspendTimer);
      audio.resume();
      for (const [frequency, start, length] of tune.tones) {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.type = tune.wave;
        oscillator.frequency.value = frequency;
        gain.gain.value = 0.15;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + start);
        oscillator.stop(audio.currentTime + start + length);
      }
      const lastsMs = Math.max(...tune.tones.map(([, start, length]) => start + length)) * 1000;
      suspendTimer = setTimeout(() => audio.suspend(), lastsMs + 100);
    } catch (error) {
      // No audio device: the colour, icon and text still tell the outcome.
    }
  }

  // The chosen feedback is written on <html> (data-feedback, and a count of answers) so
  // that tests, and anyone debugging a tablet, can see which sound and pattern were used.
  function feedback(outcome) {
    const tune = FEEDBACK[outcome] || FEEDBACK.refused;
    const root = document.documentElement;
    root.dataset.feedback = outcome;
    root.dataset.feedbackCount = String(Number(root.dataset.feedbackCount || 0) + 1);
    play(tune);
    if (navigator.vibrate) {
      try {
        navigator.vibrate(tune.vibrate);
      } catch (error) {
        // Vibration refused (no user gesture yet): sound and sight remain.
      }
    }
  }

  function announceOutcome(zone) {
    const result = zone && zone.querySelector("#scan-result[data-outcome]");
    if (!result) return;
    feedback(result.dataset.outcome);
    mirrorIntoDialog(result);
    const line = result.dataset.line && zone.querySelector(`.item[data-line="${result.dataset.line}"]`);
    if (line) line.scrollIntoView({ block: "nearest" });
  }

  // With a dialog open the scan zone is behind it: the dialog repeats the latest answer.
  function mirrorIntoDialog(result) {
    const dialog = openDialog();
    const status = dialog && dialog.querySelector("[data-panel-scan-status]");
    if (!status) return;
    status.hidden = false;
    status.className = ["panel-scan-status", ...[...result.classList].filter((name) => name !== "scan-result")].join(" ");
    status.dataset.outcome = result.dataset.outcome;
    status.textContent = result.textContent.trim();
  }

  function showProblem(message, outcome = "error") {
    feedback(outcome);
    for (const banner of [document.getElementById("connection-error"), openDialog() && openDialog().querySelector("[data-panel-scan-status]")]) {
      if (!banner) continue;
      banner.hidden = false;
      banner.dataset.outcome = outcome;
      banner.classList.add("flash", "flash-error");
      banner.textContent = message;
    }
  }

  // --- Scans --------------------------------------------------------------------------

  // Scans go out one after another, in the order they were made. One that cannot reach the
  // server (no network, the server restarting, a proxy's 502) waits on the tablet, in
  // IndexedDB so that a reload keeps it, and is sent again with the same client scan id
  // when the server answers: the server counts each id once, however often it arrives.
  const UNREACHABLE = new Set([502, 503, 504]);
  const RETRY_MS = 2000;
  const outbox = [];
  let sending = false;
  let offline = false;
  let retryTimer;

  class Unreachable extends Error {}

  const outboxStore = new Promise((resolve) => {
    try {
      const request = indexedDB.open("packing-station", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("outbox", { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    } catch (error) {
      resolve(null); // No IndexedDB (a private window): waiting scans live as long as the page.
    }
  });

  async function stored(mode, work) {
    const database = await outboxStore;
    if (!database) return [];
    return new Promise((resolve) => {
      const transaction = database.transaction("outbox", mode);
      const request = work(transaction.objectStore("outbox"));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => resolve([]);
      transaction.onabort = () => resolve([]);
    });
  }
  const keep = (scan) => (scan.kept = scan.kept || stored("readwrite", (store) => store.put({ ...scan, kept: undefined })));
  const forget = (scan) => scan.kept && scan.kept.then(() => stored("readwrite", (store) => store.delete(scan.id)));

  function showPending() {
    const form = scanForm();
    if (!form) return;
    const checking = form.querySelector(".scan-pending");
    if (checking) checking.hidden = !outbox.length || offline;
    const field = form.querySelector("[data-scan-field]");
    if (field) field.classList.toggle("pending", outbox.length > 0);
    const waiting = form.querySelector("[data-scan-waiting]");
    if (waiting) {
      waiting.hidden = !offline || !outbox.length;
      waiting.dataset.waiting = String(offline ? outbox.length : 0);
      waiting.textContent = say(outbox.length === 1 ? "waitingOne" : "waitingMany", { n: outbox.length });
    }
  }

  function goOffline() {
    if (!offline) {
      offline = true;
      const banner = document.getElementById("connection-error");
      if (banner) {
        banner.hidden = false;
        banner.textContent = say("offline");
      }
      document.documentElement.dataset.offline = "true";
      feedback("waiting");
    }
    for (const scan of outbox) scan.waited = true;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(sendWaiting, RETRY_MS);
  }

  function backOnline() {
    if (!offline) return;
    offline = false;
    delete document.documentElement.dataset.offline;
    const banner = document.getElementById("connection-error");
    if (banner) banner.hidden = true;
  }

  async function postScan(url, body, attempt = 0) {
    try {
      return await fetch(url, {
        method: "POST",
        body,
        headers: {
          "HX-Request": "true",
          "HX-Current-URL": window.location.href,
          "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content,
        },
        credentials: "same-origin",
      });
    } catch (error) {
      if (offline || attempt + 1 >= RETRIES) throw new Unreachable(error.message);
      await new Promise((resolve) => setTimeout(resolve, 300 * (attempt + 1)));
      return postScan(url, body, attempt + 1);
    }
  }

  // Codes not counted because the session ended: kept across sign-in and told again after.
  function rememberNotCounted(code) {
    const codes = JSON.parse(sessionStorage.getItem(NOT_COUNTED_KEY) || "[]");
    codes.push(code);
    sessionStorage.setItem(NOT_COUNTED_KEY, JSON.stringify(codes));
    return codes;
  }

  let signInTimer;
  function sessionEnded(codes, redirect) {
    let all = [];
    for (const code of codes) all = rememberNotCounted(code);
    showProblem(say("sessionEnded", { codes: all.join(", ") }));
    if (redirect && !signInTimer) signInTimer = setTimeout(() => window.location.assign(redirect), 1500);
  }

  // Sends one scan and shows its answer; throws Unreachable when it must wait.
  async function sendScan(scan) {
    const body = new FormData();
    body.set("csrf_token", document.querySelector("meta[name=csrf-token]").content);
    body.set("barcode", scan.code);
    body.set("client_scan_id", scan.id);
    const response = await postScan(scan.url, body);
    if (UNREACHABLE.has(response.status)) throw new Unreachable(`${response.status}`);
    if (response.status === 401) {
      // Nothing more is counted without a session: every waiting code is told as not counted.
      const codes = outbox.splice(0).map((waiting) => (forget(waiting), waiting.code));
      sessionEnded(codes, response.headers.get("HX-Redirect"));
      return;
    }
    let answer;
    try {
      answer = await response.text();
    } catch (error) {
      throw new Unreachable(error.message);
    }
    backOnline();
    // Only a scan zone is an answer to a scan; anything else (an error page) means the
    // scan was not counted.
    if (!answer.includes('id="scan-zone"')) {
      showProblem(say("notSent", { code: scan.code, reason: response.status }));
      return;
    }
    const form = scanForm();
    const zone = document.getElementById("scan-zone");
    // A scan made on another package's screen (before a reload) is counted there: this
    // screen keeps its own lines.
    if (zone && form && form.dataset.scanUrl === scan.url) {
      htmx.swap(zone, answer, { swapStyle: "outerHTML" });
      if (response.headers.get("HX-Trigger")) htmx.trigger(document.body, response.headers.get("HX-Trigger"));
      announceOutcome(document.getElementById("scan-zone"));
    }
    // A backlog's answers replace one another in a blink: its refusals are told again after.
    if (scan.waited && !response.ok) {
      const refusal = new DOMParser().parseFromString(answer, "text/html").querySelector("#scan-result");
      if (refusal) refusedAfterWaiting.push(refusal.textContent.replace(/\s+/g, " ").replace("✖", "").trim());
    }
  }

  const refusedAfterWaiting = [];
  function tellRefusedAfterWaiting() {
    if (!refusedAfterWaiting.length) return;
    showProblem(say("refusedAfterWaiting", { refusals: refusedAfterWaiting.splice(0).join(" · ") }), "refused");
  }

  async function sendWaiting() {
    if (sending) return;
    sending = true;
    clearTimeout(retryTimer);
    try {
      while (outbox.length) {
        const scan = outbox[0];
        showPending();
        try {
          await sendScan(scan);
        } catch (error) {
          if (!(error instanceof Unreachable)) throw error;
          goOffline();
          return;
        }
        if (outbox[0] === scan) outbox.shift();
        forget(scan);
      }
      tellRefusedAfterWaiting();
    } finally {
      sending = false;
      showPending();
      focusScanField();
    }
  }

  // A code read by the camera and by the wedge within the camera's blanking period is one
  // read of one label: counted once, whichever came first.
  const lastRead = new Map();
  function readTwice(code, source) {
    const section = document.querySelector("[data-camera]");
    const blankingMs = section ? Number(section.dataset.blankingMs) || 1500 : 0;
    const now = performance.now();
    const last = lastRead.get(code);
    lastRead.set(code, { source, at: now });
    return Boolean(last && last.source !== source && now - last.at < blankingMs);
  }

  function enqueueScan(code, source = "wedge") {
    const form = scanForm();
    if (!form || !code) return;
    if (readTwice(code, source)) {
      feedback("repeated");
      return;
    }
    const scan = { id: newScanId(), url: form.dataset.scanUrl, code, at: Date.now() };
    outbox.push(scan);
    // Kept at once: a reload during the retries must not lose it.
    keep(scan);
    if (offline) {
      scan.waited = true;
      feedback("waiting");
    }
    showPending();
    if (!offline) sendWaiting();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-scan-url]") || !window.htmx) return;
    event.preventDefault();
    const field = form.querySelector("[data-scan-field]");
    const code = field.value.trim();
    field.value = "";
    enqueueScan(code);
  });

  // The box's weight field takes what a person or a USB scale types ("1.25", "0001.250 kg");
  // a barcode the wedge typed into it because it had focus is a scan, sent as one.
  const WEIGHT = /^\s*[+-]?\d{0,7}([.,]\d*)?\s*(kg)?\s*$/i;
  const looksLikeBarcode = (text) => !WEIGHT.test(text) || (!/[.,]/.test(text) && text.trim().length >= 6);
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!form.matches("[data-weight-form]")) return;
      const field = form.querySelector("[data-weight-field]");
      if (!looksLikeBarcode(field.value)) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const code = field.value.trim();
      field.value = "";
      field.blur();
      enqueueScan(code);
    },
    true,
  );

  // The camera's reads: counted at the station, a package opened from the queue.
  document.addEventListener("packing:camera-read", (event) => {
    const code = event.detail.code;
    if (scanForm()) {
      enqueueScan(code, "camera");
      return;
    }
    const field = scanField();
    if (!field || !field.form) return;
    field.value = code;
    field.form.requestSubmit();
  });

  window.addEventListener("online", () => offline && sendWaiting());

  // Scans kept by an earlier page (a reload while offline) are sent first, in their order.
  async function resumeWaiting() {
    const kept = await stored("readonly", (store) => store.getAll());
    if (!kept.length) return;
    kept.sort((a, b) => a.at - b.at);
    const known = new Set(outbox.map((scan) => scan.id));
    const earlier = kept
      .filter((scan) => !known.has(scan.id))
      .map((scan) => ({ ...scan, kept: Promise.resolve(), waited: true }));
    outbox.unshift(...earlier);
    offline = false;
    showPending();
    sendWaiting();
  }

  // The page and its assets are kept by a service worker, so the station loads on a flaky
  // network. It needs a secure page (https, or localhost).
  async function keepForOffline() {
    const worker = document.querySelector("meta[name=service-worker]");
    if (!worker || !("serviceWorker" in navigator) || !window.isSecureContext) return;
    try {
      await navigator.serviceWorker.register(worker.content);
      const registration = await navigator.serviceWorker.ready;
      const camera = document.querySelector("[data-camera]");
      const urls = [
        window.location.href,
        ...[...document.querySelectorAll("script[src]")].map((script) => script.src),
        ...[...document.querySelectorAll("link[href][rel=stylesheet], link[href][rel=icon]")].map((link) => link.href),
        ...(camera ? [camera.dataset.detectorSrc, camera.dataset.wasmSrc] : []),
      ];
      registration.active.postMessage({ keep: urls });
    } catch (error) {
      // No worker (a browser setting): the station works, only not from a cache.
    }
  }

  // Forms that record a unit by hand get a fresh scan id for every press.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt.closest("[data-new-scan-id]")) event.detail.parameters["client_scan_id"] = newScanId();
  });

  // --- Keys: the wedge wins over whatever has focus -------------------------------------

  const wedge = { code: "", at: 0 };
  const typingInto = (element) =>
    element && element.matches("input[type=text], input[type=search], input:not([type]), textarea, select");

  document.addEventListener(
    "keydown",
    (event) => {
      if (event.ctrlKey || event.altKey || event.metaKey) return;
      const active = document.activeElement;
      const dialog = openDialog();
      if (dialog && dialog.matches(":modal")) {
        if (typingInto(active)) return;
        const now = performance.now();
        if (event.key.length === 1 && event.key !== " ") {
          event.preventDefault();
          wedge.code = now - wedge.at < WEDGE_GAP_MS ? wedge.code + event.key : event.key;
          wedge.at = now;
        } else if (event.key === "Enter") {
          if (wedge.code && now - wedge.at < WEDGE_GAP_MS) {
            // The end of a scan, not a person's Enter: it must not press Confirm.
            event.preventDefault();
            event.stopPropagation();
            enqueueScan(wedge.code);
          } else if (active && active.matches("input[type=radio], input[type=checkbox]")) {
            event.preventDefault();
          }
          wedge.code = "";
        }
        return;
      }
      // On the queue a scan may arrive while nothing is focused: send the keys to the scan field.
      if (event.key.length !== 1) return;
      if (!active || active === document.body || active.matches("button, a, input[type=radio], input[type=checkbox]")) focusScanField();
    },
    true,
  );

  // --- Command dialogs ------------------------------------------------------------------

  // The server renders a panel open (a section of the page, for browsers without
  // JavaScript); here it becomes a modal dialog over the station, which takes focus.
  // An open dialog has its own history entry, so the tablet's Back button closes it too.
  // history.back() lands later (a popstate), and a panel may open again before it does: the
  // entry is then pushed when that popstate arrives, never judged from a stale history.state.
  const panelHistory = { entry: Boolean(history.state && history.state.stationPanel), backs: 0, wanted: false };

  function givePanelAnEntry() {
    if (panelHistory.backs) {
      panelHistory.wanted = true;
    } else if (!panelHistory.entry) {
      history.pushState({ stationPanel: true }, "");
      panelHistory.entry = true;
    }
  }

  function dropPanelEntry() {
    if (!panelHistory.entry) return;
    panelHistory.entry = false;
    panelHistory.backs += 1;
    history.back();
  }

  function showDialogs(root) {
    for (const dialog of (root || document).querySelectorAll("dialog[data-command-dialog]")) {
      if (dialog.matches(":modal")) continue;
      if (dialog.open) dialog.close();
      dialog.showModal();
      givePanelAnEntry();
    }
  }

  window.addEventListener("popstate", () => {
    const dialog = openDialog();
    if (panelHistory.backs) {
      // Our own history.back() arriving: a dialog opened meanwhile gets its entry now.
      panelHistory.backs -= 1;
      if (!panelHistory.backs && panelHistory.wanted) {
        panelHistory.wanted = false;
        if (dialog && dialog.matches(":modal")) givePanelAnEntry();
      }
      return;
    }
    // The person's Back: it left the dialog's entry, so closing must not go back again.
    panelHistory.entry = false;
    if (dialog && dialog.matches(":modal")) dismissDialog(dialog);
  });

  // Removed at once, not when its close event lands: an htmx settle in between would
  // otherwise find the closed dialog still in the page and show it again.
  function dismissDialog(dialog) {
    if (dialog.open) dialog.close();
    dialog.remove();
    if (!openDialog()) dropPanelEntry();
    focusScanField();
  }

  // Escape, Back or a finished command close the dialog: focus goes back to the scan field.
  document.addEventListener(
    "close",
    (event) => {
      const dialog = event.target;
      if (!dialog.matches || !dialog.matches("dialog[data-command-dialog]") || dialog.open) return;
      if (dialog.isConnected) dismissDialog(dialog);
    },
    true,
  );

  document.addEventListener("click", (event) => {
    const back = event.target.closest("[data-close-dialog]");
    if (back && back.closest("dialog:modal")) {
      event.preventDefault();
      dismissDialog(back.closest("dialog"));
      return;
    }
    const mark = event.target.closest("[data-mark-unscanned]");
    if (mark && mark.closest("dialog:modal")) {
      event.preventDefault();
      for (const box of mark.closest("dialog").querySelectorAll("input[data-unscanned]")) box.checked = true;
    }
  });

  // --- After htmx answers -----------------------------------------------------------------

  // A 401 is followed by htmx to sign-in (HX-Redirect); say first that the press did nothing.
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    if (event.detail.xhr.status === 401) showProblem(say("signInAgain"));
  });

  document.addEventListener("htmx:afterSettle", (event) => {
    const path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    const xhr = event.detail.xhr;
    const status = xhr ? xhr.status : 200;
    if (status >= 400 && xhr.responseText.includes("zone-error")) {
      feedback("error");
    } else if (path && (path.includes("/scans/") || path.includes("/boxes"))) {
      announceOutcome(document.getElementById("scan-zone"));
      // htmx gives focus back to the new weight field (same id); the next scan must not land there.
      if (document.activeElement && document.activeElement.matches("[data-weight-field]")) document.activeElement.blur();
    } else if (status >= 400) {
      feedback(status >= 500 ? "error" : "refused");
    }
    showDialogs(document);
    focusScanField();
  });

  // A panel becomes a dialog as soon as it is in the page, before it could show as a section.
  document.addEventListener("htmx:afterSwap", () => showDialogs(document));

  // Commands are never kept for later: they need the server's answer (is the package still
  // open, did the carrier take it), so offline the station says they did not run.
  const isCommand = (event) => (event.detail.requestConfig || {}).verb !== "get";
  document.addEventListener("htmx:sendError", (event) => {
    if (isCommand(event)) showProblem(say("commandOffline"));
    else feedback("error");
  });
  document.addEventListener("htmx:responseError", (event) => {
    if (isCommand(event) && UNREACHABLE.has(event.detail.xhr.status)) showProblem(say("commandOffline"));
  });

  document.addEventListener("DOMContentLoaded", () => {
    showDialogs(document);
    const notCounted = JSON.parse(sessionStorage.getItem(NOT_COUNTED_KEY) || "[]");
    if (notCounted.length && document.getElementById("connection-error") && scanForm()) {
      sessionStorage.removeItem(NOT_COUNTED_KEY);
      showProblem(say("notCountedBefore", { codes: notCounted.join(", ") }));
    } else if (document.querySelector("main .flash-error:not([hidden])")) {
      feedback("refused");
    }
    focusScanField();
    resumeWaiting();
    keepForOffline();
  });
})();
