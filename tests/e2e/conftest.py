"""Playwright against a live server: the real app on a random port, in Debian's Chromium."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests import factories

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: `playwright install` cannot download a browser here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    """A portrait tablet, touch enabled, as in the stores."""
    return {**browser_context_args, "viewport": {"width": 768, "height": 1024}, "has_touch": True}


CSP_VIOLATION = "CSP violation:"
_REPORT_CSP_VIOLATIONS = (
    """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`%s ${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`);
});
"""  # noqa: UP031 - the script's own ${} braces rule out str.format
    % CSP_VIOLATION
)


@pytest.fixture
def page(page):
    """Every browser test fails if the Content-Security-Policy blocked anything on the way:
    the policy is strict (no inline script or style, no eval), so a blocked script or
    style is a broken screen."""
    violations: list[str] = []

    def on_console(message) -> None:
        if message.text.startswith(CSP_VIOLATION) or "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)
    page.add_init_script(_REPORT_CSP_VIOLATIONS)
    yield page
    assert violations == [], violations


class LiveServer:
    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # serve_forever notices shutdown() between polls: 0.5 s by default, at every test's end.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def sign_in(page, live_server, session):
    """Sign in through the login form as a person would; returns the user."""

    def sign_in_as(user=None, *, role="picker", location=None):
        if user is None:
            user = factories.user(session, role=role, locations=[location] if location else None)
            session.commit()
        page.goto(f"{live_server.url}/auth/login")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        return user

    return sign_in_as
