"""Printers screen (leads for their store, admins): register the store's label and document
printers, the only addresses the worker ever sends print jobs to; and ``flask printers``."""

from flask import Blueprint

from packing.core.models import Role
from packing.web import register_nav

bp = Blueprint("printers", __name__, url_prefix="/printers")
register_nav("Printers", "printers.index", (Role.LEAD,), order=25)

from packing.printers import cli, views  # noqa: E402, F401 - they register their routes and commands on bp
