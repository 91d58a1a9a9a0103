"""The store's printers, and sending documents to them.

Two ways in, both to an address a store registered and nowhere else (nothing here looks
for printers on the network). Printers live on the store's network, so a private address is
what they have; but a printer's address must not make the worker reach this machine's own
services (the database, Redis) or a cloud's metadata service, so loopback, link-local,
multicast, unspecified and reserved addresses are refused when a printer is saved and again
before each job is sent (after DNS, and the address the connection reached), unless the
operator names the host in PRINTER_ALLOWED_HOSTS (a CUPS queue on this machine).

- ``raw``: ZPL II labels (packing.core.zpl) written to a TCP socket, as Zebra and
  compatible thermal printers take them on port 9100;
- ``ipp``: PDFs by an IPP/1.1 Print-Job request (RFC 8010/8011) posted over HTTP as
  ``application/ipp``, as network office printers and CUPS queues take them on port 631.

A print job is written first (status ``queued``); the worker (packing.documents.tasks)
sends it and records the outcome on the job: ``sent`` (and a print record, as for a printed PDF), ``retrying`` after
a failed attempt that will be tried again, ``failed`` after the last one.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import struct
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core import network, zpl
from packing.core.errors import DomainError, InvalidParameter, NotFound, PrinterUnreachable
from packing.core.invoicing import render_invoice_pdf
from packing.core.label_content import LABEL_DPIS
from packing.core.labels import label_pdf
from packing.core.models import Package, Printer, PrintJob, PrintRecord, User
from packing.core.packing_slips import render_packing_slip_pdf
from packing.core.print_room import INVOICE, LABEL, PACKING_SLIP, record_print

RAW = "raw"
IPP = "ipp"
PRINTER_KINDS = (RAW, IPP)
DEFAULT_PORTS = {RAW: 9100, IPP: 631}
# A raw socket takes the ZPL label only; IPP takes any of our PDFs.
PRINTS = {
    RAW: (LABEL,),
    IPP: (LABEL, PACKING_SLIP, INVOICE),
}
SEND_TIMEOUT_SECONDS = 10.0
SENT, QUEUED, RETRYING, FAILED = "sent", "queued", "retrying", "failed"

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_IPP_PATH = re.compile(r"^/[A-Za-z0-9._~/-]{0,199}$")


# --- Where printers may be ------------------------------------------------------------


def check_printer_host(host: str, port: int, allowed_hosts: Collection[str] = (), *, must_resolve: bool = True) -> None:
    """Refuse a printer host that is, or resolves to, this machine or a link-local, multicast
    or reserved address (``network.refused_address``), unless it is in ``allowed_hosts``. A
    name that does not resolve is refused only when ``must_resolve`` (before sending; when
    saving, the name may not be published yet)."""
    try:
        address = network.refused_address(host, port, allowed_hosts, private_ok=True, must_resolve=must_resolve)
    except network.Unresolvable:
        raise InvalidParameter("The host {host} could not be resolved.", field="host", host=host) from None
    if address is not None:
        raise InvalidParameter(
            "The host {host} is at {address}, which is this machine, a link-local, multicast or "
            "reserved address: a printer may be there only when PRINTER_ALLOWED_HOSTS names the host.",
            field="host",
            host=host,
            address=address,
        )


def check_printer(printer: Printer, allowed_hosts: Collection[str] = ()) -> None:
    """The check before each job is sent (the host's addresses may have changed)."""
    check_printer_host(printer.host, printer.port, allowed_hosts)


# --- Registering printers -------------------------------------------------------------


def _checked_host(host: str) -> str:
    """A host name or an IP address, nothing more: no scheme, port, path or wildcard."""
    host = host.strip()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOSTNAME.match(host):
        raise InvalidParameter("'{host}' is not a host name or IP address.", host=host, field="host")
    return host.lower()


def save_printer(
    session: Session,
    location_id: int,
    *,
    name: str,
    kind: str,
    host: str,
    port: Optional[int] = None,
    dpi: int = 203,
    ipp_path: str = "/ipp/print",
    print_on_pack: bool = False,
    is_active: bool = True,
    printer: Optional[Printer] = None,
    allowed_hosts: Collection[str] = (),
) -> Printer:
    """Add a printer to the location, or change ``printer`` (flushes). Its host may not be
    this machine or a link-local address unless in ``allowed_hosts`` (check_printer_host)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidParameter("A printer's name is 1 to 100 characters.", field="name")
    if kind not in PRINTER_KINDS:
        raise InvalidParameter("Choose how the printer is reached.", field="kind")
    port = port or DEFAULT_PORTS[kind]
    if not 1 <= port <= 65535:
        raise InvalidParameter("A port is a number from 1 to 65535.", field="port")
    if dpi not in LABEL_DPIS:
        raise InvalidParameter("ZPL labels print at 203 or 300 dpi, not {dpi}.", dpi=dpi, field="dpi")
    if not _IPP_PATH.match(ipp_path or ""):
        raise InvalidParameter("The printer's path starts with / (such as /ipp/print).", field="ipp_path")
    host = _checked_host(host)
    check_printer_host(host, port, allowed_hosts, must_resolve=False)
    if printer is None:
        printer = Printer(stock_location_id=location_id)
        session.add(printer)
    elif printer.stock_location_id != location_id:
        raise NotFound("No such printer.")
    printer.name, printer.kind, printer.host, printer.port = name, kind, host, port
    printer.dpi, printer.ipp_path = dpi, ipp_path
    printer.print_on_pack, printer.is_active = print_on_pack, is_active
    session.flush()
    return printer


def printers_at(session: Session, location_id: int, active_only: bool = False) -> list[Printer]:
    query = select(Printer).where(Printer.stock_location_id == location_id)
    if active_only:
        query = query.where(Printer.is_active.is_(True))
    return list(session.scalars(query.order_by(Printer.name, Printer.id)))


def printer_at(session: Session, location_id: int, printer_id: int) -> Printer:
    printer = session.get(Printer, printer_id)
    if printer is None or printer.stock_location_id != location_id:
        raise NotFound("No such printer.")
    return printer


def default_printer(session: Session, location_id: int, document_type: str) -> Optional[Printer]:
    """The active printer that takes ``document_type`` at the location: for a label a
    thermal (raw) printer before an office one; then by name."""
    fitting = [p for p in printers_at(session, location_id, active_only=True) if document_type in PRINTS[p.kind]]
    fitting.sort(key=lambda p: (p.kind != RAW, p.name, p.id))
    return fitting[0] if fitting else None


# --- Print jobs -----------------------------------------------------------------------


def queue_print_job(
    session: Session, printer: Printer, package: Package, document_type: str, user: Optional[User]
) -> PrintJob:
    """A job to send the package's document to ``printer`` (flushes; the caller commits,
    then hands the job to the worker)."""
    if not printer.is_active or document_type not in PRINTS[printer.kind]:
        raise InvalidParameter("{printer} does not print this document.", printer=printer.name, field="printer")
    if package.stock_location_id != printer.stock_location_id:
        raise NotFound("No such printer.")
    job = PrintJob(
        printer_id=printer.id,
        package_id=package.id,
        document_type=document_type,
        user_id=user.id if user else None,
        status=QUEUED,
    )
    session.add(job)
    session.flush()
    return job


def queue_label_on_pack(session: Session, package_id: int) -> Optional[PrintJob]:
    """A job for the package's first label on the store's print-on-pack printer, if it has
    one and this label was never printed nor sent (a relabel is printed by hand)."""
    package = session.get(Package, package_id)
    if package is None or package.shipment is None:
        return None
    printer = next(
        (
            p
            for p in printers_at(session, package.stock_location_id, active_only=True)
            if p.print_on_pack and LABEL in PRINTS[p.kind]
        ),
        None,
    )
    if printer is None:
        return None
    label_jobs = select(PrintJob.id).where(PrintJob.package_id == package_id, PrintJob.document_type == LABEL)
    printed = select(PrintRecord.id).where(PrintRecord.package_id == package_id, PrintRecord.document_type == LABEL)
    if session.scalar(label_jobs.limit(1)) is not None or session.scalar(printed.limit(1)) is not None:
        return None
    return queue_print_job(session, printer, package, LABEL, None)


def job_document(session: Session, job: PrintJob) -> tuple[bytes, str]:
    """The bytes to send for ``job`` and their media type (may render and store a label)."""
    package = session.get(Package, job.package_id)
    if job.printer.kind == RAW:
        return zpl.package_zpl(package, job.printer.dpi).encode("utf-8"), "application/zpl"
    if job.document_type == LABEL:
        return label_pdf(session, package), "application/pdf"
    if job.document_type == INVOICE:
        if package.invoice is None:
            raise NotFound("Package {number} has no invoice.", number=package.number, field="package")
        return render_invoice_pdf(package.invoice), "application/pdf"
    return render_packing_slip_pdf(package), "application/pdf"


def job_to_send(session: Session, job_id: int) -> Optional[PrintJob]:
    """The job if it still is to be sent: a sent job is never sent again (a retried task
    finds it sent and stops), nor a failed one."""
    job = session.get(PrintJob, job_id)
    return job if job is not None and job.status not in (SENT, FAILED) else None


def record_sent(session: Session, job: PrintJob) -> None:
    """The printer took the job: it counts as printed, like a PDF printed by hand (flushes)."""
    job.attempts += 1
    job.status, job.error, job.finished_date = SENT, None, datetime.now(UTC)
    user = session.get(User, job.user_id) if job.user_id else None
    record_print(session, [job.package_id], job.document_type, user)


def record_failure(session: Session, job: PrintJob, error: DomainError, *, final_attempt: bool, sent: bool) -> None:
    """The job did not print, and why; ``sent`` is False when there was nothing to send
    (the package lost its shipment or invoice meanwhile), which no retry mends (flushes)."""
    if sent:
        job.attempts += 1
    job.error = error.reason[:1000]
    job.status = FAILED if final_attempt or not sent else RETRYING
    if job.status == FAILED:
        job.finished_date = datetime.now(UTC)
    session.flush()


def recent_print_jobs(session: Session, package_id: int, limit: int = 20) -> list[PrintJob]:
    return list(
        session.scalars(
            select(PrintJob)
            .where(PrintJob.package_id == package_id)
            .order_by(PrintJob.created_date.desc(), PrintJob.id.desc())
            .limit(limit)
        )
    )


# --- Sending --------------------------------------------------------------------------


def send(
    printer: Printer,
    data: bytes,
    media_type: str,
    *,
    job_name: str,
    timeout: float,
    allowed_hosts: Collection[str] = (),
) -> None:
    """Send to the printer; a host outside ``allowed_hosts`` must have been reached at an
    address ``network.address_refusal`` accepts (a name may resolve differently since the check)."""
    check_peer = not network.host_allowed(printer.host, allowed_hosts)
    if printer.kind == RAW:
        send_raw(printer.host, printer.port, data, timeout=timeout, printer_name=printer.name, check_peer=check_peer)
    else:
        send_ipp(
            printer.host,
            printer.port,
            printer.ipp_path,
            data,
            media_type,
            job_name=job_name,
            timeout=timeout,
            printer_name=printer.name,
            check_peer=check_peer,
        )


def _unreachable(printer_name: str, host: str, port: int, problem: str) -> PrinterUnreachable:
    address = f"{host}:{port}"
    return PrinterUnreachable(
        "{printer} at {address} did not take the document: {problem}",
        printer=printer_name,
        address=address,
        problem=problem,
        field="printer",
    )


def _refuse_peer(connection: socket.socket, printer_name: str, host: str, port: int) -> None:
    refusal = network.address_refusal(connection.getpeername()[0], private_ok=True)
    if refusal:
        raise _unreachable(printer_name, host, port, f"refused: the host resolved to {refusal}")


def send_raw(
    host: str, port: int, data: bytes, *, timeout: float, printer_name: str = "", check_peer: bool = True
) -> None:
    """Write ``data`` to the printer's socket and close it; a raw port answers nothing."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            if check_peer:
                _refuse_peer(connection, printer_name or host, host, port)
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
    except OSError as error:
        raise _unreachable(printer_name or host, host, port, error.strerror or str(error)) from None


# IPP value tags (RFC 8010 section 3.5.2) and the one operation we use.
_OPERATION_ATTRIBUTES, _END_OF_ATTRIBUTES = 0x01, 0x03
_NAME, _URI, _CHARSET, _LANGUAGE, _MIME = 0x42, 0x45, 0x47, 0x48, 0x49
PRINT_JOB = 0x0002


def ipp_print_job(printer_uri: str, document: bytes, media_type: str, job_name: str, request_id: int = 1) -> bytes:
    """An IPP/1.1 Print-Job request carrying ``document``."""

    def attribute(tag: int, name: str, value: str) -> bytes:
        name_bytes, value_bytes = name.encode("utf-8"), value.encode("utf-8")
        return struct.pack(">BH", tag, len(name_bytes)) + name_bytes + struct.pack(">H", len(value_bytes)) + value_bytes

    return b"".join(
        [
            struct.pack(">BBHI", 1, 1, PRINT_JOB, request_id),
            bytes([_OPERATION_ATTRIBUTES]),
            attribute(_CHARSET, "attributes-charset", "utf-8"),
            attribute(_LANGUAGE, "attributes-natural-language", "en"),
            attribute(_URI, "printer-uri", printer_uri),
            attribute(_NAME, "requesting-user-name", "packing-station"),
            attribute(_NAME, "job-name", job_name),
            attribute(_MIME, "document-format", media_type),
            bytes([_END_OF_ATTRIBUTES]),
            document,
        ]
    )


def send_ipp(
    host: str,
    port: int,
    path: str,
    document: bytes,
    media_type: str,
    *,
    job_name: str,
    timeout: float,
    printer_name: str = "",
    check_peer: bool = True,
) -> None:
    """Post a Print-Job to ``http://host:port/path``; any status but successful-ok* fails."""
    authority = f"[{host}]" if ":" in host else host
    body = ipp_print_job(f"ipp://{authority}:{port}{path}", document, media_type, job_name)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.connect()
        if check_peer:
            _refuse_peer(connection.sock, printer_name or host, host, port)
        connection.request("POST", path, body=body, headers={"Content-Type": "application/ipp"})
        response = connection.getresponse()
        answer = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise _unreachable(printer_name or host, host, port, getattr(error, "strerror", None) or str(error)) from None
    finally:
        connection.close()
    if response.status != 200 or len(answer) < 8:
        raise _unreachable(printer_name or host, host, port, f"HTTP {response.status}")
    status_code = struct.unpack(">H", answer[2:4])[0]
    if status_code >= 0x0100:
        raise _unreachable(printer_name or host, host, port, f"IPP status 0x{status_code:04x}")
