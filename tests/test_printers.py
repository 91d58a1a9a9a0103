"""The store's printers: registering them, and labels and documents sent to them by the worker
(raw TCP for ZPL, IPP for PDFs), with the outcome on the print log and on screen."""

from __future__ import annotations

import queue
import socket
import socketserver
import struct
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import func, select

from packing.core import print_room, printers
from packing.core.errors import InvalidParameter
from packing.core.models import Printer, PrintJob, PrintRecord
from packing.documents import tasks
from tests import factories
from tests.conftest import csrf_token_from
from tests.test_zpl import parse_zpl

WAIT_SECONDS = 10  # only how long a broken test hangs before failing
LOCAL = ["127.0.0.1"]  # the stand-in printers listen on this machine, which must be allowed


@pytest.fixture(autouse=True)
def printers_on_this_machine_allowed(app):
    app.config["PRINTER_ALLOWED_HOSTS"] = list(LOCAL)


class _Recorder(socketserver.StreamRequestHandler):
    def handle(self):
        self.server.received.put(self.rfile.read())


@pytest.fixture
def raw_printer_socket():
    """A local TCP server standing in for a thermal printer's port 9100: it keeps the bytes
    of each connection, in order."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.received = queue.Queue()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    """A port on which nothing listens now (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _printer(session, store, port, **fields) -> Printer:
    return printers.save_printer(
        session,
        store.id,
        name=fields.pop("name", "Zebra"),
        kind=fields.pop("kind", printers.RAW),
        host=fields.pop("host", "127.0.0.1"),
        port=port,
        allowed_hosts=fields.pop("allowed_hosts", LOCAL),
        **fields,
    )


def _press_print(client, package, document="label"):
    page = client.get(f"/documents/packages/{package.id}")
    assert page.status_code == 200
    return client.post(
        f"/documents/packages/{package.id}/print/{document}",
        data={"csrf_token": csrf_token_from(page.text), "to_printer": "1", "next": f"/documents/packages/{package.id}"},
    )


def _label_prints(session, package) -> int:
    return session.scalar(
        select(func.count(PrintRecord.id)).where(
            PrintRecord.package_id == package.id, PrintRecord.document_type == print_room.LABEL
        )
    )


def test_lead_registers_a_printer_and_a_bad_address_is_refused(client, session, auth):
    """The lead adds a ZPL printer at their store through the form; an address with a scheme
    and path is refused (400) and saves nothing; a picker may not open the screen."""
    store = factories.location(session)
    session.commit()
    auth.login(role="lead", location=store)
    token = csrf_token_from(client.get("/printers/").text)

    bad = client.post(
        "/printers/",
        data={
            "csrf_token": token,
            "name": "Z",
            "kind": "raw",
            "host": "http://10.0.0.5/x",
            "dpi": "203",
            "is_active": "y",
        },
    )
    assert bad.status_code == 400
    assert "is not a host name or IP address" in bad.text
    saved = client.post(
        "/printers/",
        data={
            "csrf_token": token,
            "name": "Zebra 1",
            "kind": "raw",
            "host": "10.0.0.5",
            "dpi": "300",
            "is_active": "y",
        },
    )
    assert saved.status_code == 303
    [printer] = session.scalars(select(Printer)).all()
    assert (printer.stock_location_id, printer.host, printer.port, printer.dpi) == (store.id, "10.0.0.5", 9100, 300)
    assert "Zebra 1" in client.get("/printers/").text

    auth.logout()
    auth.login(role="picker", location=store)
    assert client.get("/printers/").status_code == 403


def test_another_stores_printer_is_not_found(client, session, auth):
    """A lead cannot open or change a printer of a store they do not work at."""
    elsewhere = _printer(session, factories.location(session), 9100)
    store = factories.location(session)
    session.commit()
    auth.login(role="lead", location=store)
    assert client.get(f"/printers/{elsewhere.id}").status_code == 404


def test_print_sends_the_zpl_label_to_the_printer_once_and_logs_it(client, session, auth, raw_printer_socket):
    """With a raw printer registered, the lead's Print sends the package's ZPL label to its
    socket once (barcodes hold the package's numbers), records the print and says so."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    _printer(session, store, raw_printer_socket.server_address[1], name="Zebra 1")
    session.commit()
    auth.login(role="lead", location=store)

    response = _press_print(client, package)
    assert response.status_code == 303
    received = raw_printer_socket.received.get(timeout=WAIT_SECONDS)
    [label] = parse_zpl(received.decode("utf-8"))
    assert [data for command, _, data in label["barcodes"] if command == "BC"] == [
        package.tracking_number,
        package.number,
    ]
    assert raw_printer_socket.received.empty()

    page = client.get(response.headers["Location"])
    assert "Sent to Zebra 1." in page.text
    assert _label_prints(session, package) == 1
    job = session.scalar(select(PrintJob))
    assert (job.status, job.attempts) == ("sent", 1)


def test_a_printer_that_does_not_answer_shows_the_failure_and_prints_nothing(client, session, auth):
    """When nothing listens at the printer's address, the job records the refusal and will be
    retried, the lead sees that the printer did not answer, and no print is logged; the last
    attempt marks the job failed, shown on the package's page."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    printer = _printer(session, store, _closed_port(), name="Zebra 2")
    session.commit()
    auth.login(role="lead", location=store)

    response = _press_print(client, package)
    page = client.get(response.headers["Location"])
    assert "Zebra 2 did not answer" in page.text and "Trying again shortly" in page.text
    job = session.scalar(select(PrintJob))
    assert job.status == "retrying" and job.attempts == 1
    assert f"127.0.0.1:{printer.port}" in job.error
    assert _label_prints(session, package) == 0

    tasks.deliver_print_job(session, job.id, final_attempt=True, timeout=2)
    session.refresh(job)
    assert (job.status, job.attempts) == ("failed", 2)
    page = client.get(f"/documents/packages/{package.id}")
    assert "even after 2 tries" in page.text
    assert _label_prints(session, package) == 0


def test_print_on_pack_sends_each_packed_packages_label_once(session, raw_printer_socket):
    """A printer set to print on pack gets a package's label when the pack commits; a
    relabel (shipment changed) is not printed again by itself."""
    store = factories.location(session)
    _printer(session, store, raw_printer_socket.server_address[1], print_on_pack=True)
    session.commit()
    package = factories.packed_package(session, at=store)
    session.commit()  # the label renders after the commit, then prints

    [label] = parse_zpl(raw_printer_socket.received.get(timeout=WAIT_SECONDS).decode("utf-8"))
    assert package.number in [data for _, _, data in label["barcodes"]]
    assert _label_prints(session, package) == 1

    from packing.core.shipping import update_shipment_info

    update_shipment_info(session, package, tracking_number="RELABEL-1")
    session.commit()
    assert raw_printer_socket.received.empty()
    assert session.scalar(select(func.count(PrintJob.id))) == 1


def test_a_raw_printer_does_not_take_packing_slips(session):
    """A raw (ZPL) printer prints labels only: a packing slip for it is refused."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    printer = _printer(session, store, 9100)
    with pytest.raises(InvalidParameter):
        printers.queue_print_job(session, printer, package, print_room.PACKING_SLIP, None)


class _IppHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.put((self.path, self.headers["Content-Type"], body))
        answer = struct.pack(">BBHI", 1, 1, 0x0000, struct.unpack(">I", body[4:8])[0]) + b"\x01\x03"
        self.send_response(200)
        self.send_header("Content-Type", "application/ipp")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_ipp_printer_gets_a_print_job_request_carrying_the_pdf(client, session, auth):
    """An IPP printer is sent an application/ipp Print-Job (operation 2) naming the PDF
    format, followed by the packing slip's PDF; the print is then logged."""
    server = HTTPServer(("127.0.0.1", 0), _IppHandler)
    server.received = queue.Queue()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = factories.location(session)
        package = factories.packed_package(session, at=store)
        _printer(
            session, store, server.server_address[1], name="Office", kind=printers.IPP, ipp_path="/printers/office"
        )
        session.commit()
        auth.login(role="lead", location=store)

        response = _press_print(client, package, "packing-slip")
        path, content_type, body = server.received.get(timeout=WAIT_SECONDS)
    finally:
        server.shutdown()
        server.server_close()
    assert (path, content_type) == ("/printers/office", "application/ipp")
    assert struct.unpack(">BBH", body[:4]) == (1, 1, printers.PRINT_JOB)
    assert b"document-format\x00\x0fapplication/pdf" in body
    assert body[body.index(b"%PDF") :].rstrip().endswith(b"%%EOF")
    assert "Sent to Office." in client.get(response.headers["Location"]).text
    assert session.scalar(select(PrintRecord.document_type)) == print_room.PACKING_SLIP


def test_a_job_whose_document_cannot_be_made_fails_without_sending(client, session, auth):
    """An invoice job for a package that has no invoice fails at once, sends nothing, logs no
    print, and says why on the package's page."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    printer = _printer(session, store, _closed_port(), name="Office", kind=printers.IPP)
    job = printers.queue_print_job(session, printer, package, print_room.INVOICE, None)
    session.commit()

    tasks.deliver_print_job(session, job.id, final_attempt=False)
    session.refresh(job)
    assert (job.status, job.attempts) == ("failed", 0)
    assert session.scalar(select(func.count(PrintRecord.id))) == 0
    auth.login(role="lead", location=store)
    assert "Nothing was sent to Office: Package" in client.get(f"/documents/packages/{package.id}").text


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "::ffff:127.0.0.1",
        "localhost",
        "169.254.169.254",
        "fe80::1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "2130706433",  # loopback spelled as one number, octal or short, which resolvers accept
        "0177.0.0.1",
        "127.1",
    ],
)
def test_printers_on_this_machine_or_link_local_are_refused(session, host):
    """A printer may not be this machine (its database, Redis), the metadata service or a
    multicast, unspecified or reserved address unless allowed: refused on ``host``, nothing saved."""
    store = factories.location(session)
    with pytest.raises(InvalidParameter) as refused:
        _printer(session, store, 9100, host=host, allowed_hosts=[])
    assert refused.value.field == "host" and "PRINTER_ALLOWED_HOSTS" in refused.value.reason
    assert session.scalar(select(func.count(Printer.id))) == 0


@pytest.mark.parametrize("host", ["10.0.0.5", "192.168.1.50", "172.16.4.4", "100.64.0.9", "fd00::5", "203.0.113.9"])
def test_printers_on_the_stores_network_are_accepted(session, host):
    """Private (the store's network), carrier-grade NAT and public addresses are where printers are."""
    printer = _printer(session, factories.location(session), 9100, host=host, allowed_hosts=[])
    assert printer.host == host


def test_an_allowed_name_may_be_this_machine(session):
    """A CUPS queue on the server is reachable once PRINTER_ALLOWED_HOSTS names its host."""
    printer = _printer(
        session, factories.location(session), 631, kind=printers.IPP, host="localhost", allowed_hosts=["LOCALHOST"]
    )
    assert printer.host == "localhost"


def test_the_printers_form_refuses_the_metadata_service(app, client, session, auth):
    """The lead's form answers 400 naming the host and saves nothing."""
    app.config["PRINTER_ALLOWED_HOSTS"] = []
    store = factories.location(session)
    session.commit()
    auth.login(role="lead", location=store)
    form = {"name": "Z", "kind": "ipp", "host": "169.254.169.254", "port": "80", "dpi": "203", "is_active": "y"}
    response = client.post("/printers/", data={**form, "csrf_token": csrf_token_from(client.get("/printers/").text)})
    assert response.status_code == 400
    assert "169.254.169.254" in response.text and "PRINTER_ALLOWED_HOSTS" in response.text
    assert session.scalar(select(func.count(Printer.id))) == 0


def test_a_job_for_a_printer_no_longer_allowed_fails_unsent(app, session, raw_printer_socket):
    """A printer saved while its host was allowed gets nothing once it no longer is: the job
    fails at once naming the address, and no print is logged."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    printer = _printer(session, store, raw_printer_socket.server_address[1])
    job = printers.queue_print_job(session, printer, package, print_room.LABEL, None)
    session.commit()
    app.config["PRINTER_ALLOWED_HOSTS"] = []

    tasks.deliver_print_job(session, job.id, final_attempt=False)
    session.refresh(job)
    assert (job.status, job.attempts) == ("failed", 0)
    assert "127.0.0.1" in job.error and "PRINTER_ALLOWED_HOSTS" in job.error
    assert raw_printer_socket.received.empty()
    assert _label_prints(session, package) == 0


@pytest.mark.parametrize("kind", [printers.RAW, printers.IPP])
def test_a_name_that_resolves_to_this_machine_at_connection_is_refused(
    app, session, raw_printer_socket, monkeypatch, kind
):
    """DNS rebinding: the check sees a private address, the connection reaches loopback;
    the connection is closed before anything is sent and the job fails on its last attempt."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    port = raw_printer_socket.server_address[1]
    printer = _printer(session, store, port, kind=kind, host="printer.store.example", allowed_hosts=[])
    document = print_room.LABEL
    job = printers.queue_print_job(session, printer, package, document, None)
    session.commit()
    app.config["PRINTER_ALLOWED_HOSTS"] = []
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]])
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        if host != "printer.store.example":
            return real_getaddrinfo(host, *args, **kwargs)
        return next(answers, real_getaddrinfo("127.0.0.1", *args, **kwargs))

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    tasks.deliver_print_job(session, job.id, final_attempt=True, timeout=2)
    session.refresh(job)
    assert job.status == "failed" and "loopback" in job.error
    assert raw_printer_socket.received.get(timeout=WAIT_SECONDS) == b""  # connected, sent nothing
    assert _label_prints(session, package) == 0
