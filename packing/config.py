"""Configuration classes; every value can come from the environment."""
import os
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("PACKING_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))
DEFAULT_SECRET_KEY = "dev-only-secret-change-me"


def _sqlite_url(name: str) -> str:
    return f"sqlite:///{INSTANCE_DIR / name}"


def database_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` URLs and drive them with psycopg 3."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
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
    TRACKING_URL_TEMPLATE = os.environ.get("TRACKING_URL_TEMPLATE", "https://track.example.com/{tracking_number}")
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "300"))
    # Each response's Server-Timing header says how long the app took (no secrets, only a
    # duration); set SERVER_TIMING=0 to leave it out.
    SERVER_TIMING = os.environ.get("SERVER_TIMING", "1") == "1"
    # Larger request bodies are answered 413 before they are read; the largest real one, a
    # command with a few hundred package items, is a few kilobytes.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024)))
    # What a 503 tells clients to wait when the database cannot be reached.
    DATABASE_RETRY_AFTER_SECONDS = int(os.environ.get("DATABASE_RETRY_AFTER_SECONDS", "30"))
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
