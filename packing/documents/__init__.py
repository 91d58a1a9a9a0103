"""Documents: label, invoice and packing-slip downloads, and the shift lead's print room."""

from flask import Blueprint

bp = Blueprint("documents", __name__, url_prefix="/documents")

from packing.documents import views  # noqa: E402, F401 - registers the routes on bp
