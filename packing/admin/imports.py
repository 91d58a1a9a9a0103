"""Imports uploaded in the browser: the worker runs them all or nothing and reports how far it
got through Huey's key-value store, which the web process and the worker share (Redis or
the SQLite file): the import's own transaction holds SQLite's write lock until it ends, so
progress cannot go through the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Optional

from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.importer import ImportResult, import_packages, read_document
from packing.core.messages import N_, Message
from packing.core.models import ImportRun, ImportStatus
from packing.extensions import db
from packing.jobs import huey, job

# How often (in packages) the worker reports progress: often enough for a bar that moves.
PROGRESS_EVERY = 25


def _progress_key(run_id: int) -> str:
    return f"packing.import-progress.{run_id}"


def progress(run: ImportRun) -> dict:
    """What the worker last reported for a running import, else the run's stored counts."""
    counts = {"read": 0, "created": run.created, "updated": run.updated, "skipped": run.skipped}
    if run.status == ImportStatus.RUNNING:
        reported = huey.get(_progress_key(run.id), peek=True)
        if reported:
            counts.update(json.loads(reported))
    elif run.status == ImportStatus.DONE:
        counts["read"] = run.total
    return counts


def _report(run_id: int, read: int, total: int, result: ImportResult) -> None:
    if read % PROGRESS_EVERY and read != total:
        return
    counts = {
        "read": read,
        "created": len(result.created),
        "updated": len(result.updated),
        "skipped": len(result.skipped),
    }
    huey.put(_progress_key(run_id), json.dumps(counts))


@job()
def run_import(run_id: int) -> None:
    run_import_now(run_id)


def run_import_now(run_id: int) -> None:
    """The import in one transaction; the run records the outcome either way."""
    session = db.session
    run = session.get(ImportRun, run_id)
    if run is None or run.status != ImportStatus.QUEUED:
        return
    with transaction(session):
        run.status = ImportStatus.RUNNING
    document_text, allowed = run.document, run.allowed_locations
    result: Optional[ImportResult] = None
    refusal: Optional[DomainError] = None
    try:
        with transaction(session):
            result = import_packages(
                session,
                read_document(document_text),
                allowed_locations=allowed,
                progress=lambda read, total, so_far: _report(run_id, read, total, so_far),
            )
    except DomainError as error:
        refusal = error
    except Exception:
        _finish(
            run_id,
            [{"path": "$", **Message(N_("The import stopped on an internal error; see the worker's log.")).as_json()}],
        )
        raise
    if refusal is not None:
        _finish(run_id, [{"path": refusal.field or "$", **Message(refusal.template, refusal.values).as_json()}])
    else:
        _finish(run_id, [], result)


def _finish(run_id: int, refusals: list[dict], result: Optional[ImportResult] = None) -> None:
    session = db.session
    run = session.get(ImportRun, run_id)
    with transaction(session):
        run.finished_date = datetime.now(UTC)
        run.document = ""
        if result is None:
            run.status = ImportStatus.FAILED
            run.refusals = refusals
        else:
            run.status = ImportStatus.DONE
            run.created, run.updated, run.skipped = len(result.created), len(result.updated), len(result.skipped)
            run.left_as_they_are = [[number, reason.as_json()] for number, reason in result.skipped]
    huey.get(_progress_key(run_id))  # reading without peek removes the key
