"""Signing in and out, and choosing the stock location and language to work in."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from packing.auth import views  # noqa: E402, F401 - the routes register themselves on bp
