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
    ...(messagesBlock ? JSON.parse(messagesBlock.textContent) : {}),
  };
  const say = (key, values = {}) =>
    (MESSAGES[key] || key).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  let pending = 0;
  let chain = Promise.resolve();

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
        headers: {
          "HX-Request": "true",
          "HX-Current-URL": window.location.href,
          "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content,
        },
        credentials: "same-origin",
      });
    } catch (error) {
      if (attempt + 1 >= RETRIES) throw error;
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
  function sessionEnded(code, redirect) {
    const codes = rememberNotCounted(code);
    showProblem(say("sessionEnded", { codes: codes.join(", ") }));
    if (redirect && !signInTimer) signInTimer = setTimeout(() => window.location.assign(redirect), 1500);
  }

  async function sendScan(form, code) {
    const body = new FormData(form);
    body.set("barcode", code);
    body.set("client_scan_id", newScanId());
    const banner = document.getElementById("connection-error");
    try {
      const response = await postScan(form.dataset.scanUrl, body);
      if (response.status === 401) {
        sessionEnded(code, response.headers.get("HX-Redirect"));
        return;
      }
      const answer = await response.text();
      // Only a scan zone is an answer to a scan; anything else (an error page, a proxy's
      // message) means the scan was not counted.
      if (!answer.includes('id="scan-zone"')) throw new Error(`${response.status}`);
      const zone = document.getElementById("scan-zone");
      if (zone) htmx.swap(zone, answer, { swapStyle: "outerHTML" });
      if (banner) banner.hidden = true;
      if (response.headers.get("HX-Trigger")) htmx.trigger(document.body, response.headers.get("HX-Trigger"));
      announceOutcome(document.getElementById("scan-zone"));
    } catch (error) {
      showProblem(say("notSent", { code, reason: error.message }));
    }
  }

  function enqueueScan(code) {
    const form = scanForm();
    if (!form || !code) return;
    showPending(form, 1);
    chain = chain.then(() => sendScan(form, code)).finally(() => {
      showPending(scanForm() || form, -1);
      focusScanField();
    });
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
    } else if (path && path.includes("/scans/")) {
      announceOutcome(document.getElementById("scan-zone"));
    } else if (status >= 400) {
      feedback(status >= 500 ? "error" : "refused");
    }
    showDialogs(document);
    focusScanField();
  });

  // A panel becomes a dialog as soon as it is in the page, before it could show as a section.
  document.addEventListener("htmx:afterSwap", () => showDialogs(document));

  document.addEventListener("htmx:sendError", () => feedback("error"));

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
  });
})();
