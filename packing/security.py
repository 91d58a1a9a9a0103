"""The app's edge: who a request comes from (behind trusted proxies only), which host names
it may use, how long a session lasts, and the security headers every response carries.
docs/security.md says what this promises and why."""
from __future__ import annotations

import os
from datetime import timedelta

from flask import Flask, current_app, request
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
# Where a development server answers when nobody said where the app is published.
LOCAL_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"]


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXY_COUNT"]:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        # The Host header is not taken from a proxy either: links come from PUBLIC_BASE_URL.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
    _trust_only_known_hosts(app)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    limiter.init_app(app)
    app.after_request(_security_headers)


def _trust_only_known_hosts(app: Flask) -> None:
    if app.config.get("PUBLIC_BASE_URL") or app.config.get("TRUSTED_HOSTS"):
        return
    if os.environ.get("PACKING_ENV") == "production":
        raise RuntimeError("Set PUBLIC_BASE_URL or TRUSTED_HOSTS: links must not be built from any Host header.")
    app.config["TRUSTED_HOSTS"] = list(LOCAL_HOSTS)


@limiter.request_filter
def _not_rate_limited() -> bool:
    """Only sign-in and the API have limits: a scan skips the limiter's bookkeeping."""
    return not (request.path.startswith("/api/") or request.endpoint == "auth.login")


def public_base_url() -> str:
    """Where this app is reached, for absolute links: PUBLIC_BASE_URL, else the request's
    host, which Flask has checked against TRUSTED_HOSTS."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.root_url).rstrip("/") + "/"


def _security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages show customers' names and addresses: no copy on the tablet or in a proxy.
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure and current_app.config["HSTS_MAX_AGE"]:
        response.headers["Strict-Transport-Security"] = f"max-age={current_app.config['HSTS_MAX_AGE']}"
    return response
