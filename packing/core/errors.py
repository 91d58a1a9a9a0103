"""Typed domain errors. Each carries a reason a person can read and, where one input is
to blame, the name of that field; views turn them into form errors, partials or JSON.

A reason that names values is raised as a template with the values beside it
(``CommandNotAllowed("{missing} still to scan.", missing=2)``), so that a view can
translate the template before it fills the values in."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes; nothing has been changed when it is raised."""

    code = "invalid"
    http_status = 400

    def __init__(self, reason: str, field: str | None = None, **values):
        self.template = reason
        self.values = values
        self.reason = reason.format(**values) if values else reason
        self.field = field
        super().__init__(self.reason)

    def as_dict(self) -> dict:
        body: dict = {"detail": self.reason, "code": self.code}
        if self.field:
            body["field"] = self.field
            body[self.field] = [self.reason]
        return body


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class InvalidParameter(DomainError):
    code = "invalid_parameter"
    http_status = 400


class CommandNotAllowed(DomainError):
    """The command does not start from the package's current state (HTTP 406 in the API)."""

    code = "command_not_allowed"
    http_status = 406


class ConcurrentUpdate(DomainError):
    """Someone else changed the package between reading it and acting on it."""

    code = "concurrent_update"
    http_status = 409


class ScanRefused(DomainError):
    """A scan that does not count; ``kind`` says why (wrong_item, unknown_code, over_scan, ...)."""

    code = "scan_refused"
    http_status = 422

    def __init__(self, reason: str, kind: str, field: str | None = "barcode", product=None, **values):
        super().__init__(reason, field, **values)
        self.kind = kind
        # The product scanned, when it is known (a wrong item, an over-scan): screens name it.
        self.product = product
        # The package as the refused scan read it, and the scans that count there, once the scan
        # got that far: nothing was written, so a screen can show them without reading them again.
        self.package = None
        self.counting_scans = None


class ImportFailed(DomainError):
    """An import document is broken at ``path`` (``results[3].packageitem_set[0].order_item``)."""

    code = "import_failed"

    def __init__(self, reason: str, path: str, **values):
        # ``reason`` names the path as ``{path}``, so a translation may put it where it reads well.
        super().__init__(reason, field=path, **{"path": path, **values})
        self.path = path


class PrinterUnreachable(DomainError):
    """A registered printer did not take the document (no answer, refused, or an IPP error)."""

    code = "printer_unreachable"
    http_status = 503
