"""Admins run the stores from the browser: users, stock locations, carriers, the configured
commands and the audit log; and every user's own password (``/account/password``)."""

from __future__ import annotations

from flask import Blueprint

from packing.core.models import Role
from packing.web import register_nav

bp = Blueprint("admin", __name__)
register_nav("Imports", "admin.imports_index", (Role.LEAD,), order=94)
register_nav("Admin", "admin.users_index", (Role.ADMIN,), order=95)

from packing.admin import views  # noqa: E402,F401 - the routes register themselves on bp
