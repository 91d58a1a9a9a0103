"""The queue: the packages at my stock location, in the order they should be packed.

It refreshes itself by polling its list partial, so a package another picker claims shows
their name within seconds. Scanning a package or order number opens that package.
"""

from flask import Blueprint

from packing.web import register_nav

bp = Blueprint("queue", __name__, url_prefix="/queue")
register_nav("Queue", "queue.index", ("picker", "lead"), order=10)

from packing.queue import views  # noqa: E402, F401 - the routes register themselves on bp
