"""Server-Timing on every response: how long the app took to answer, so that a browser's
developer tools (and ``bench/station_latency.py``) tell the server's share of a slow scan
apart from the network's and the tablet's."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable


class ServerTiming:
    """WSGI middleware: the time from receiving the request to starting the response, which
    covers routing, the view, the database, the template and saving the session."""

    def __init__(self, wsgi_app: Callable):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()

        def start_timed_response(status: str, headers: list, exc_info=None):
            elapsed_ms = (time.perf_counter() - started) * 1000
            headers.append(("Server-Timing", f"app;dur={elapsed_ms:.1f}"))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_timed_response)
