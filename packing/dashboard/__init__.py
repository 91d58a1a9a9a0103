"""The shift lead's dashboard: the store's day at a glance (tiles and charts that refresh
themselves), and the "who packed what" report with its CSV export.

Everything is for the store chosen in the location switcher, in that store's time zone.
"""

from flask import Blueprint

from packing.core.models import Role
from packing.web import register_nav

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
register_nav("Dashboard", "dashboard.index", (Role.LEAD,), order=15)

from packing.dashboard import views  # noqa: E402, F401 - the routes register themselves on bp
