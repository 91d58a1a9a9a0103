"""gunicorn settings read from the working directory: with PROMETHEUS_MULTIPROC_DIR set, a
worker that exits leaves its gauges out of later scrapes (its counters stay summed in)."""

import os


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
