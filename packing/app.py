"""The application factory: configuration, extensions, blueprints, CLI and jobs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Optional

from flask import Flask
from sqlalchemy import bindparam, event, select
from sqlalchemy.engine import Engine

from packing import i18n, security, static_files
from packing.config import DEFAULT_SECRET_KEY, INSTANCE_DIR, config_from_env
from packing.core import label_content, shipping
from packing.core.messages import N_
from packing.core.models import User
from packing.extensions import csrf, db, htmx, login_manager, migrate
from packing.server_timing import ServerTiming

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config: Optional[type | Mapping[str, Any]] = None) -> Flask:
    app = static_files.VersionedStaticFlask(
        "packing",
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_from_env())
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    _refuse_default_secret_in_production(app)
    os.makedirs(app.instance_path, exist_ok=True)
    _bound_database_connects(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    security.init_app(app)
    i18n.init_app(app)

    from packing import api, boundary, cli, errors, jobs, ops
    from packing.admin import bp as admin_bp
    from packing.auth import bp as auth_bp
    from packing.dashboard import bp as dashboard_bp
    from packing.documents import bp as documents_bp
    from packing.offline import bp as offline_bp
    from packing.printers import bp as printers_bp
    from packing.queue import bp as queue_bp
    from packing.station import bp as station_bp
    from packing.tokens import bp as tokens_bp
    from packing.webhooks import bp as webhooks_bp

    boundary.register(app)
    app.register_blueprint(auth_bp)
    app.register_blueprint(queue_bp)
    app.register_blueprint(station_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(printers_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(tokens_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(admin_bp)
    api.init_app(app)
    ops.init_app(app)
    errors.register(app)
    errors.register_boundary(app)
    cli.register(app)
    jobs.init_app(app)
    shipping.register_carrier("builtin", shipping.BuiltinCarrier(app.config["TRACKING_URL_TEMPLATE"]))
    label_content.set_default_time_zone(app.config["DEFAULT_TIME_ZONE"])
    shipping.set_gs1_company_prefix(app.config["GS1_COMPANY_PREFIX"])
    static_files.init_app(app)
    _template_globals(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please sign in to continue.")
    if app.config["SERVER_TIMING"]:
        app.wsgi_app = ServerTiming(app.wsgi_app)
    return app


def _template_globals(app: Flask) -> None:
    from packing.i18n import LOCALES, catalogue_locale, current_locale, delivery_label, gettext, ngettext
    from packing.web import (
        NAV_ITEMS,
        current_location,
        store_datetime,
        store_day_and_clock,
        store_time,
        store_time_of_day,
    )

    app.jinja_env.globals.update(
        _=gettext,
        ngettext=ngettext,
        nav_items=NAV_ITEMS,
        current_location=current_location,
        current_locale=current_locale,
        catalogue_locale=catalogue_locale,
        delivery_label=delivery_label,
        locales=LOCALES,
    )
    app.jinja_env.filters.update(
        store_time=store_time,
        store_datetime=store_datetime,
        store_time_of_day=store_time_of_day,
        store_day_and_clock=store_day_and_clock,
    )


# Built once: every signed-in request runs it (``session.get`` builds its statement each time).
_SIGNED_IN_USER = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def _load_user(session_id: str):
    """The session's user while the session is still theirs: ``id:version``, where the
    version is the user's at sign-in (sign-out, a new password, deactivation raise it)."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    user = db.session.execute(_SIGNED_IN_USER, {"user_id": int(user_id)}).scalar_one_or_none()
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def _bound_database_connects(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        connect_args = {
            "connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT_SECONDS"],
            **options.get("connect_args", {}),
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}


def _refuse_default_secret_in_production(app: Flask) -> None:
    if os.environ.get("PACKING_ENV") == "production" and app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise RuntimeError("Set SECRET_KEY: the default secret is not allowed in production.")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001 - SQLAlchemy's signature
    """WAL lets readers work while a picker's command writes; foreign keys are off by default."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
