"""The Content-Security-Policy in the real browser: it blocks injected inline script, and
the violation watch that every browser test runs under does see such a block."""

from __future__ import annotations

from tests.e2e.conftest import _REPORT_CSP_VIOLATIONS, CSP_VIOLATION

INJECT = """
() => {
  const script = document.createElement('script');
  script.textContent = 'window.injectedRan = true';
  document.head.appendChild(script);
  const handler = document.createElement('div');
  handler.setAttribute('onclick', 'window.injectedRan = true');
  document.body.appendChild(handler);
  handler.click();
  return window.injectedRan === true;
}
"""


def test_injected_inline_script_is_blocked_and_reported(context, live_server):
    """An inline <script> and an onclick= put into the sign-in page do not run, and each
    is reported as a violation (so the watch on every other browser test would fail)."""
    page = context.new_page()
    seen: list[str] = []
    page.on("console", lambda message: seen.append(message.text) if message.text.startswith(CSP_VIOLATION) else None)
    page.add_init_script(_REPORT_CSP_VIOLATIONS)
    page.goto(f"{live_server.url}/auth/login")
    assert page.evaluate(INJECT) is False
    page.wait_for_timeout(200)  # violation events are dispatched asynchronously
    assert len(seen) >= 2 and all("script-src" in text for text in seen), seen
    page.close()


def test_htmx_screens_work_with_no_violation(page, live_server, sign_in, session):
    """Signing in and opening the queue (which polls with htmx) raises no violation; the
    page fixture fails the test if one is reported."""
    sign_in()
    page.goto(f"{live_server.url}/queue/")
    page.wait_for_timeout(300)
    assert page.evaluate(
        "window.htmx && htmx.config.allowEval === false && htmx.config.includeIndicatorStyles === false"
    )
