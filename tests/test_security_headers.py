"""Every response's security headers, the templates' fitness for a strict CSP, the API's
per-token rate limit, and absolute links built only from trusted names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from packing.app import create_app
from packing.security import CONTENT_SECURITY_POLICY
from tests import factories
from tests.api.conftest import Integrator

pytestmark = pytest.mark.sqlite_only

ROOT = Path(__file__).resolve().parent.parent
LIST = "/api/v1/oms/packages/"


def _directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/auth/login", "/api/v1/openapi.json", "/no-such-page", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client, session, path):
    """Pages, JSON, error pages and static files all get the CSP (no inline script, no
    framing), X-Frame-Options DENY, nosniff and a Referrer-Policy."""
    response = client.get(path)
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


@pytest.mark.parametrize("path", ["/queue/", "/station/packages/{id}"])
def test_only_the_camera_screens_may_compile_wasm_and_use_the_camera(client, session, auth, path):
    """The station and the queue add 'wasm-unsafe-eval' (the barcode reader) and camera=(self),
    and nothing else; other pages keep the camera off."""
    user = auth.login()
    package = factories.package(session, at=user.stock_locations[0])
    session.commit()
    response = client.get(path.format(id=package.id))
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == "script-src 'self' 'wasm-unsafe-eval'"
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert response.headers["Permissions-Policy"].startswith("camera=(self),")
    assert client.get("/auth/account").headers["Permissions-Policy"].startswith("camera=(),")


def test_the_service_worker_is_served_from_the_root_and_never_stale(client, session):
    """/sw.js is the worker script, at the root so its scope covers /station/ and /queue/, revalidated on every visit."""
    response = client.get("/sw.js")
    assert response.status_code == 200 and "javascript" in response.headers["Content-Type"]
    assert response.headers["Cache-Control"] == "no-cache"


def test_signed_in_pages_are_not_stored_but_static_files_are_cached(client, session, auth):
    """A signed-in page answers Cache-Control: no-store; a static file keeps its long cache."""
    auth.login()
    assert client.get("/queue/").headers["Cache-Control"] == "no-store"
    assert client.get("/auth/account").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css?v=1")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_only_over_https(client, session):
    """Strict-Transport-Security is sent on HTTPS requests, never on plain HTTP."""
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_hsts_behind_a_trusted_proxy(tmp_path):
    """With TRUSTED_PROXY_COUNT=1 the proxy's X-Forwarded-Proto: https counts as HTTPS;
    without it, the same header is ignored."""
    base = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"}
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    behind = create_app({**base, "TRUSTED_PROXY_COUNT": 1}).test_client()
    assert "Strict-Transport-Security" in behind.get("/auth/login", headers=forwarded).headers
    direct = create_app(base).test_client()
    assert "Strict-Transport-Security" not in direct.get("/auth/login", headers=forwarded).headers


INLINE_CODE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on*= handler"),
    (re.compile(r"\bhx-on", re.I), "hx-on"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\bstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"hx-vals\s*=\s*['\"]js:", re.I), "hx-vals js:"),
    (re.compile(r"hx-trigger\s*=\s*\"[^\"]*\[", re.I), "hx-trigger filter (eval)"),
]


@pytest.mark.parametrize("template", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html")))
def test_templates_need_nothing_the_policy_forbids(template):
    """No browser template carries inline script, handlers, inline styles or eval'd htmx
    (WeasyPrint's label templates are not served to browsers and are not checked)."""
    text = (ROOT / template).read_text(encoding="utf-8")
    found = [what for pattern, what in INLINE_CODE if pattern.search(text)]
    assert found == [], f"{template}: {found}"


def test_htmx_is_configured_for_the_policy(client, session):
    """htmx neither injects its indicator <style> nor evaluates code (both would be blocked)."""
    page = client.get("/auth/login").text
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page
    assert "'self'" in CONTENT_SECURITY_POLICY


# --- API rate limit ----------------------------------------------------------------------


def test_each_token_has_its_own_rate_limit_with_the_reference_429(app, client, session):
    """With API_RATE_LIMIT=3 per minute, a token's fourth call is 429 with Retry-After, the
    X-RateLimit-* headers counting down before it; another token is not affected."""
    app.config["API_RATE_LIMIT"] = "3 per minute"
    first, second = Integrator(client, session), Integrator(client, session)
    answers = [first.get(LIST) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers[:3]] == ["2", "1", "0"]
    assert all(r.headers["X-RateLimit-Limit"] == "3" for r in answers)
    throttled = answers[3]
    assert throttled.json["code"] == "throttled" and "detail" in throttled.json
    assert 0 < int(throttled.headers["Retry-After"]) <= 60
    assert int(throttled.headers["X-RateLimit-Reset"]) > 0
    assert second.get(LIST).status_code == 200


def test_calls_without_a_valid_token_are_limited_by_address(app, client, session):
    """Requests without a key share their address's budget and are refused before any
    token lookup once it is spent."""
    app.config["API_RATE_LIMIT"] = "2 per minute"
    codes = [client.get(LIST).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


# --- Links from trusted names only -------------------------------------------------------


def test_an_unknown_host_header_is_refused(client, session):
    """With no PUBLIC_BASE_URL, only the trusted host names are answered (development
    trusts localhost): a forged Host gets 400 before it can reach a link."""
    integrator = Integrator(client, session)
    assert integrator.get(LIST, headers={"Host": "evil.example"}).status_code == 400
    assert integrator.get(LIST, headers={"Host": "localhost"}).status_code == 200


def test_api_links_come_from_public_base_url(app, client, session):
    """With PUBLIC_BASE_URL set, the list's next link starts with it, whatever the Host."""
    app.config["PUBLIC_BASE_URL"] = "https://packing.store.example"
    app.config["TRUSTED_HOSTS"] = None
    integrator = Integrator(client, session)
    for _ in range(3):
        factories.package(session, at=integrator.location)
    session.commit()
    body = integrator.get(LIST + "?limit=1", headers={"Host": "evil.example"}).json
    assert body["next"].startswith("https://packing.store.example/api/v1/oms/packages/?")
    assert "evil.example" not in body["next"]


def test_api_links_use_a_trusted_host(app, client, session):
    """With TRUSTED_HOSTS, a listed host builds the links and any other is refused."""
    app.config["TRUSTED_HOSTS"] = ["station.store.example"]
    integrator = Integrator(client, session)
    for _ in range(2):
        factories.package(session, at=integrator.location)
    session.commit()
    body = integrator.get(LIST + "?limit=1", headers={"Host": "station.store.example"}).json
    assert body["next"].startswith("http://station.store.example/api/v1/oms/packages/?")
    assert integrator.get(LIST, headers={"Host": "evil.example"}).status_code == 400


def test_production_needs_a_public_url_or_trusted_hosts(monkeypatch):
    """In production the app refuses to start without PUBLIC_BASE_URL or TRUSTED_HOSTS."""
    monkeypatch.setenv("PACKING_ENV", "production")
    config = {"SECRET_KEY": "a-real-secret", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL or TRUSTED_HOSTS"):
        create_app(config)
    assert create_app({**config, "TRUSTED_HOSTS": ["station.store.example"]})
