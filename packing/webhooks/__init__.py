"""Webhooks admin screen and CLI: subscriptions (list, create, edit, deactivate) and the
delivery log with redelivery by hand. Delivery itself runs on the queue (``tasks``)."""

from flask import Blueprint

from packing.core.models import Role
from packing.web import register_nav

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks", cli_group=None)
register_nav("Webhooks", "webhooks.index", (Role.ADMIN,), order=90)

from packing.webhooks import cli, views  # noqa: E402, F401 - they register their routes and commands on bp
