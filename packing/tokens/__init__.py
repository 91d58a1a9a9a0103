"""API tokens screen (admins): issue a key for an integrator user, see and revoke keys."""

from flask import Blueprint

from packing.core.models import Role
from packing.web import register_nav

bp = Blueprint("tokens", __name__, url_prefix="/tokens")
register_nav("API tokens", "tokens.index", (Role.ADMIN,), order=80)

from packing.tokens import views  # noqa: E402, F401 - the routes register themselves on bp
