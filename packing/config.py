"""Configuration classes; every value can come from the environment."""

import os
from pathlib import Path

from packing.core.shipping import DEFAULT_TRACKING_URL_TEMPLATE
from packing.core.webhooks import LEASE_MARGIN_SECONDS

INSTANCE_DIR = Path(os.environ.get("PACKING_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{INSTANCE_DIR / name}"


def _names(value: str) -> list[str]:
    return [name.strip().lower() for name in value.split(",") if name.strip()]


def database_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` URLs and drive them with psycopg 3."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL", _sqlite_url("packing.db")))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a shift is longer than the default hour; the token lives with the session
    HUEY_IMMEDIATE = os.environ.get("HUEY_IMMEDIATE", "0") == "1"
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # The time zone of a stock location that names none: its "today" and the times shown.
    DEFAULT_TIME_ZONE = os.environ.get("DEFAULT_TIME_ZONE", "UTC")
    TRACKING_URL_TEMPLATE = os.environ.get("TRACKING_URL_TEMPLATE", DEFAULT_TRACKING_URL_TEMPLATE)
    # The retailer's GS1 company prefix: the SSCCs of boxes whose carrier asks for them.
    GS1_COMPANY_PREFIX = os.environ.get("GS1_COMPANY_PREFIX", "")
    # Failed sign-ins allowed per client address, and per username from one address (rate
    # strings: "5 per 5 minutes", "30/hour", several joined by ";"). Counted by Flask-Limiter,
    # in memory (one count per process) or in Redis when REDIS_URL is set.
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 10 minutes")
    LOGIN_LIMIT_PER_USERNAME = os.environ.get("LOGIN_LIMIT_PER_USERNAME", "5 per 5 minutes")
    # Requests per API token (a burst limit and a sustained one).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "20 per second;600 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "packing-limits"
    # A session unused this long is over (default: one shift); every request renews it.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", str(12 * 60)))
    # Proxies in front of the app that set X-Forwarded-For / X-Forwarded-Proto (0: none).
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
    # Host names the app answers to (Flask refuses others with 400); absolute links use
    # PUBLIC_BASE_URL when it is set, else the request's (trusted) host.
    TRUSTED_HOSTS = _names(os.environ.get("TRUSTED_HOSTS", "")) or None
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))
    # Webhook targets that may be on the store's network or this machine (by host name or
    # address); every other target must resolve to public addresses only.
    WEBHOOK_ALLOWED_HOSTS = _names(os.environ.get("WEBHOOK_ALLOWED_HOSTS", ""))
    # Printers may be on this machine (a local CUPS queue) only when named here; any other
    # printer must be on the store's network or a public address, never loopback or link-local.
    PRINTER_ALLOWED_HOSTS = _names(os.environ.get("PRINTER_ALLOWED_HOSTS", ""))
    # Seconds past a subscription's timeout before a delivery cut short (a worker killed
    # mid-request) may be sent again; shorter risks a slow answer being sent twice.
    WEBHOOK_LEASE_MARGIN_SECONDS = float(os.environ.get("WEBHOOK_LEASE_MARGIN_SECONDS", str(LEASE_MARGIN_SECONDS)))
    # Each response's Server-Timing header says how long the app took (no secrets, only a
    # duration); set SERVER_TIMING=0 to leave it out.
    SERVER_TIMING = os.environ.get("SERVER_TIMING", "1") == "1"
    # Larger request bodies are answered 413 before they are read; the largest real one, a
    # command with a few hundred package items, is a few kilobytes.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024)))
    # An OMS export uploaded on the imports screen may be larger than any other request.
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(64 * 1024 * 1024)))
    # What a 503 tells clients to wait when the database cannot be reached.
    DATABASE_RETRY_AFTER_SECONDS = int(os.environ.get("DATABASE_RETRY_AFTER_SECONDS", "30"))
    # How long a new PostgreSQL connection may take before it counts as down: without a bound
    # a database host that drops packets holds a worker (and /readyz) for minutes.
    DATABASE_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_SECONDS", "5"))
    # Redis for the job queue and the rate limits of several app servers; /readyz checks it.
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # /metrics answers a bearer METRICS_TOKEN or addresses in METRICS_ALLOWED_NETWORKS
    # ("10.0.0.0/8,127.0.0.1"); with neither it is closed.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
    METRICS_ALLOWED_NETWORKS = _names(os.environ.get("METRICS_ALLOWED_NETWORKS", ""))
    # "json": one JSON object per log line, for a log collector; anything else: plain text.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # How long a code the camera keeps seeing counts only once (a label held in view).
    CAMERA_BLANKING_SECONDS = float(os.environ.get("CAMERA_BLANKING_SECONDS", "1.5"))
    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    DEBUG = os.environ.get("FLASK_DEBUG", "0") == "1"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    HUEY_IMMEDIATE = True
    SERVER_NAME = None


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("PACKING_ENV", "development")]
