// The page shown while the database is away (templates/unavailable.html). It asks for the
// same address again in the background every Retry-After seconds and goes back to it once
// the answer is no longer 503: nobody reading it is reloaded into another copy of it (a timed
// <meta> refresh, which axe rightly flags, is only the fallback without JavaScript).
(() => {
  const page = document.querySelector("[data-try-again]");
  if (!page) return;
  const address = page.dataset.tryAgain;
  const waitMs = (Number(page.dataset.retryAfter) || 30) * 1000;
  const tryAgain = async () => {
    try {
      const answer = await fetch(address, { method: "HEAD", cache: "no-store", credentials: "same-origin" });
      if (answer.status !== 503) {
        window.location.replace(address);
        return;
      }
    } catch {
      // Still no answer at all: the next try is as good as this one.
    }
    window.setTimeout(tryAgain, waitMs);
  };
  window.setTimeout(tryAgain, waitMs);
})();
