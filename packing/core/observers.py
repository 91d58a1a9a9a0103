"""Plain hooks the domain calls as it works, so that whoever runs it (the web app's metrics,
a benchmark) can watch scans, commands and label rendering without the domain knowing who
listens. Observers must be cheap and must not raise: they run inside the caller's
transaction, on every scan."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from packing.core.errors import DomainError, ScanRefused

# A scan counted a unit ("counted"), or was refused: then the refusal's kind
# (unknown_code, wrong_item, over_scan, ...).
ScanObserver = Callable[[str], None]
# A command's type ("COMPLETE_PACKAGING", "REFUSE_PACKAGE", ...) and "ok", or the error's class name.
CommandObserver = Callable[[str, str], None]
# Seconds one label took to render to PDF.
LabelObserver = Callable[[float], None]

scan_observers: list[ScanObserver] = []
command_observers: list[CommandObserver] = []
label_observers: list[LabelObserver] = []


def observe_scans(record: Callable[..., Any]) -> Callable[..., Any]:
    """Tell the scan observers what each call of ``record`` (a scan or a manual count) did; a
    repeated client scan id is the same scan answered again, not another one."""

    @functools.wraps(record)
    def observed(*args, **kwargs):
        try:
            outcome = record(*args, **kwargs)
        except ScanRefused as refusal:
            _notify(scan_observers, refusal.kind or "refused")
            raise
        if not outcome.repeated:
            # A box-type barcode starts a box: a scan, but no unit counted.
            _notify(scan_observers, getattr(outcome, "observed_as", "counted"))
        return outcome

    return observed


def observe_commands(execute: Callable[..., Any]) -> Callable[..., Any]:
    """Tell the command observers each command run and how it ended."""

    @functools.wraps(execute)
    def observed(*args, **kwargs):
        try:
            result = execute(*args, **kwargs)
        except DomainError as error:
            # A refused command's type is known only when a Transition was passed: a slug or
            # id from a client could be anything, and must not become a metric label.
            transition = kwargs.get("transition_or_slug", args[2] if len(args) > 2 else None)
            _notify(command_observers, getattr(transition, "command", "unresolved"), type(error).__name__)
            raise
        _notify(command_observers, result.transition.command, "ok")
        return result

    return observed


def observe_label_rendering(render: Callable[..., bytes]) -> Callable[..., bytes]:
    """Tell the label observers how long each label took to render."""

    @functools.wraps(render)
    def observed(*args, **kwargs):
        started = time.perf_counter()
        pdf = render(*args, **kwargs)
        _notify(label_observers, time.perf_counter() - started)
        return pdf

    return observed


def _notify(observers: list, *values: Any) -> None:
    for observer in observers:
        observer(*values)
