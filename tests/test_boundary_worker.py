"""The worker while the database is away: one log line per failed poll, polls spaced out."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from packing.webhooks import tasks
from tests.test_webhooks_worker import Worker, _wait_for


def _failed_polls(log_path) -> list[str]:
    return [line for line in log_path.read_text().splitlines() if "Webhook outbox poll failed" in line]


def test_a_real_worker_logs_one_line_per_failed_poll_and_backs_off(tmp_path):
    """``flask worker`` against a database server that does not answer: its first failed poll
    says the next comes in 2 s, the next line (that poll's) says 4 s; no traceback."""
    log_path = tmp_path / "worker.log"
    worker = Worker("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2", tmp_path / "queue.db", log_path)
    try:
        _wait_for(lambda: len(_failed_polls(log_path)) >= 2, 60, "two failed polls")
    finally:
        worker.kill()
    failed = _failed_polls(log_path)
    assert [line.rsplit("next poll in ", 1)[1] for line in failed] == ["2 s.", "4 s."], failed
    assert "database unavailable" in failed[0]
    assert "Traceback" not in log_path.read_text()


def test_backoff_doubles_to_a_minute_and_resets_after_a_good_poll(app, monkeypatch, caplog):
    """Failed polls wait 2, 4, 8 ... up to 60 s, one warning each; the first good poll says so
    and the wait is back to one second."""
    outage = OperationalError("SELECT 1", {}, Exception("connection refused"))

    def failing():
        raise outage

    monkeypatch.setattr(tasks.sweep, "call_local", failing)
    caplog.set_level(logging.WARNING, logger=tasks.logger.name)
    failures, waits = 0, []
    for _poll in range(8):
        failures = tasks.poll_once(failures)
        waits.append(tasks.wait_after(failures))
    assert waits == [2, 4, 8, 16, 32, 60, 60, 60]
    assert len(caplog.records) == 8 and not any(record.exc_info for record in caplog.records)

    monkeypatch.setattr(tasks.sweep, "call_local", lambda: None)
    assert tasks.poll_once(failures) == 0
    assert "works again after 8 failed polls" in caplog.records[-1].getMessage()
    assert tasks.wait_after(0) == tasks.POLL_SECONDS
