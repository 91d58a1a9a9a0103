"""The package screen: scan-to-verify, item counts and the package's commands.

Every route answers htmx with the partial it changed and plain requests with the page
(POST then 303), so the station works without JavaScript, only slower.
"""

from flask import Blueprint

bp = Blueprint("station", __name__, url_prefix="/station")

from packing.station import views  # noqa: E402, F401 - the routes register themselves on bp
