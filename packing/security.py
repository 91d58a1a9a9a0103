"""The app's edge: who a request comes from (behind trusted proxies only), which host names
it may use, how long a session lasts, and the security headers every response carries.
docs/security.md says what this promises and why."""

from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from werkzeug.middleware.proxy_fix import ProxyFix

from packing.extensions import limiter

# One after_request writes the headers (no flask-talisman): the policy is a few constant
# lines, and the app has no per-page exceptions that talisman's options would be for.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# The screens that scan with the camera (templates/_camera.html). Its barcode reader is ZXing
# compiled to WebAssembly (static/vendor): compiling wasm needs 'wasm-unsafe-eval', which
# allows no eval of JavaScript; the camera itself is allowed for this site only.
CAMERA_BLUEPRINTS = frozenset({"station", "queue"})
CAMERA_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"
    ),
    "Permissions-Policy": HEADERS["Permissions-Policy"].replace("camera=()", "camera=(self)"),
}
# A session's cookie is signed anew (its idle time starts over) at most this often.
SESSION_RENEWAL_SECONDS = 60
# Where a development server answers when nobody said where the app is published.
LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"]


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXY_COUNT"]:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        # The Host header is not taken from a proxy either: links come from PUBLIC_BASE_URL.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    _trust_only_known_hosts(app)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    app.session_interface = IdleTimeoutSessionInterface()
    limiter.init_app(app)
    app.after_request(_security_headers)


def _trust_only_known_hosts(app: Flask) -> None:
    if app.config.get("PUBLIC_BASE_URL") or app.config.get("TRUSTED_HOSTS"):
        return
    if os.environ.get("PACKING_ENV") == "production":
        raise RuntimeError("Set PUBLIC_BASE_URL or TRUSTED_HOSTS: links must not be built from any Host header.")
    app.config["TRUSTED_HOSTS"] = list(LOCAL_HOSTS)


class IdleTimeoutSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with an idle timeout: Flask refuses a cookie signed
    longer ago than PERMANENT_SESSION_LIFETIME, so a session lives as long as it is used.
    The cookie is signed anew when the session changes or its signature is a minute old,
    not on every request: a burst of scans costs no re-signing and sends no Set-Cookie."""

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(
                value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = int(signed_at.timestamp())
        session.clock = serializer.make_signer().get_timestamp  # the clock the signature uses
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not session.permanent or not hasattr(session, "signed_at"):
            return False
        return session.clock() - session.signed_at >= SESSION_RENEWAL_SECONDS


@limiter.request_filter
def _not_rate_limited() -> bool:
    """Only sign-in and the API have limits: a scan skips the limiter's bookkeeping."""
    return not (request.path.startswith("/api/") or request.endpoint == "auth.login")


def public_base_url() -> str:
    """Where this app is reached, for absolute links: PUBLIC_BASE_URL, else the request's
    host, which Flask has checked against TRUSTED_HOSTS."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.root_url).rstrip("/") + "/"


def _security_headers(response):
    headers = {**HEADERS, **CAMERA_HEADERS} if request.blueprint in CAMERA_BLUEPRINTS else HEADERS
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages show customers' names and addresses: no copy on the tablet or in a proxy.
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure and current_app.config["HSTS_MAX_AGE"]:
        response.headers["Strict-Transport-Security"] = f"max-age={current_app.config['HSTS_MAX_AGE']}"
    return response
