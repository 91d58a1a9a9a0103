"""ZPL II labels for thermal printers: what the printer would draw, read back from the text."""

from __future__ import annotations

import re

import pytest

from packing.core import labels, print_room, zpl
from packing.core.errors import InvalidParameter
from packing.core.label_content import label_content
from tests import factories
from tests.conftest import csrf_token_from

COMMAND = re.compile(r"[\^~]([A-Z@][A-Z0-9@]?)([^\^~]*)")
FIELD_HEX = re.compile(r"_([0-9A-Fa-f]{2})")


def parse_zpl(text: str) -> list[dict]:
    """Each ^XA...^XZ format of ``text`` as a dict: its barcodes as (command, params, data)
    for every ^FD that follows a ^BC or ^BQ, its text fields, and its ^PW/^LL in dots.

    ^FH data is decoded (``_5E`` is ``^``); ``\\&`` line breaks of a ^FB block become newlines."""
    formats: list[dict] = []
    current: dict | None = None
    pending_barcode: tuple[str, str] | None = None
    hex_next = False
    for command, params in COMMAND.findall(text):
        if command == "XA":
            current = {"barcodes": [], "texts": [], "PW": None, "LL": None}
            pending_barcode, hex_next = None, False
        elif command == "XZ":
            assert current is not None, "^XZ without ^XA"
            formats.append(current)
            current = None
        elif current is None:
            raise AssertionError(f"^{command} outside a format")
        elif command in ("PW", "LL"):
            current[command] = int(params)
        elif command in ("BC", "BQ"):
            pending_barcode = (command, params)
        elif command == "FH":
            hex_next = True
        elif command == "FD":
            data = params.replace("\\&", "\n")
            if hex_next:
                data = FIELD_HEX.sub(lambda m: chr(int(m.group(1), 16)), data)
            if pending_barcode:
                current["barcodes"].append((*pending_barcode, data))
            else:
                current["texts"].append(data)
        elif command == "FS":
            pending_barcode, hex_next = None, False
    assert current is None, "format left open"
    return formats


def _codes(fmt: dict, command: str) -> list[str]:
    return [data for name, _, data in fmt["barcodes"] if name == command]


def test_label_zpl_barcode_fields_hold_tracking_and_package_numbers_and_qr_url(session):
    """One ZPL label is one format whose ^BC fields are the tracking and package numbers and
    whose ^BQ field is the tracking URL (after the QR's "MA," mode prefix)."""
    package = factories.packed_package(session)
    [label] = parse_zpl(zpl.package_zpl(package))

    assert _codes(label, "BC") == [package.tracking_number, package.number]
    assert _codes(label, "BQ") == ["MA," + package.shipment.tracking_url]
    text = "\n".join(label["texts"])
    assert package.order.number in text and "Test Cargo" in text and "Ayşe Yılmaz" in text


@pytest.mark.parametrize(("dpi", "width", "length"), [(203, 812, 1218), (300, 1200, 1800)])
def test_label_zpl_page_is_four_by_six_inches_in_the_printers_dots(session, dpi, width, length):
    """The label's print width and length are 4x6 in in dots at 203 and at 300 dpi."""
    package = factories.packed_package(session)
    [label] = parse_zpl(zpl.package_zpl(package, dpi))
    assert (label["PW"], label["LL"]) == (width, length)


def test_label_zpl_escapes_command_characters_in_field_data(session):
    """A ^, ~ or _ in a name reaches the printer hex-escaped and reads back as itself, so it
    can neither end the field nor start a command."""
    package = factories.packed_package(session)
    package.order.shipping_address.first_name = "A^B~C_D\\E"
    raw = zpl.package_zpl(package)
    [label] = parse_zpl(raw)
    assert any("A^B~C_D\\E" in text for text in label["texts"])
    assert "A^B" not in raw and "B~C" not in raw


def test_label_zpl_and_pdf_label_share_their_content(session):
    """The ZPL and PDF labels are drawn from one LabelContent: the PDF's text carries the
    same numbers the ZPL's barcodes do."""
    package = factories.packed_package(session)
    content = label_content(package)
    [label] = parse_zpl(zpl.label_zpl(content))
    html = labels.render_label_html(package)
    for number in _codes(label, "BC"):
        assert number in html
    assert content.tracking_number == package.tracking_number


def test_label_zpl_refuses_an_unknown_resolution(session):
    """Only 203 and 300 dpi are offered; another resolution is a typed error, not a guess."""
    package = factories.packed_package(session)
    with pytest.raises(InvalidParameter):
        zpl.package_zpl(package, 600)


def test_label_zpl_download_is_one_format_for_a_picker_at_the_store(client, session, auth):
    """GET label.zpl gives the package's label as an attachment; ?dpi=300 scales it; another
    store's package is a 404 and an unknown dpi too."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    elsewhere = factories.packed_package(session, at=factories.location(session))
    session.commit()
    auth.login(role="picker", location=store)

    response = client.get(f"/documents/packages/{package.id}/label.zpl")
    assert response.status_code == 200
    assert response.mimetype == "application/zpl"
    assert "attachment" in response.headers["Content-Disposition"]
    [label] = parse_zpl(response.get_data(as_text=True))
    assert _codes(label, "BC") == [package.tracking_number, package.number]
    [at_300] = parse_zpl(client.get(f"/documents/packages/{package.id}/label.zpl?dpi=300").get_data(as_text=True))
    assert at_300["PW"] == 1200
    assert client.get(f"/documents/packages/{package.id}/label.zpl?dpi=600").status_code == 404
    assert client.get(f"/documents/packages/{elsewhere.id}/label.zpl").status_code == 404


def test_batch_zpl_download_holds_each_label_in_the_chosen_order(client, session, auth):
    """A label batch downloads as one .zpl file with one format per package, in the order chosen."""
    store = factories.location(session)
    packages = [factories.packed_package(session, at=store) for _ in range(3)]
    session.commit()
    auth.login(role="lead", location=store)
    token = csrf_token_from(client.get("/documents/print-room").text)
    chosen = [packages[1].id, packages[2].id, packages[0].id]
    response = client.post(
        "/documents/print-room/batches",
        data={"csrf_token": token, "document_type": "label", "scope": "selected", "package_ids": chosen},
    )
    batch_url = response.headers["Location"]
    assert "batch.zpl" in client.get(batch_url).text

    download = client.get(batch_url + "/batch.zpl")
    assert download.status_code == 200
    formats = parse_zpl(download.get_data(as_text=True))
    by_id = {p.id: p for p in packages}
    assert [_codes(f, "BC") for f in formats] == [[by_id[i].tracking_number, by_id[i].number] for i in chosen]


def test_a_zpl_carriers_printed_label_is_the_zpl_file(app, client, session, auth):
    """Once a carrier is set to ZPL (flask printers carrier-label), the lead's Print records the
    print and hands over the ZPL label at the carrier's resolution instead of the PDF."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["printers", "carrier-label", "test-cargo", "--format", "zpl", "--dpi", "300"]
    )
    assert result.exit_code == 0, result.output
    auth.login(role="lead", location=store)
    token = csrf_token_from(client.get(f"/documents/packages/{package.id}").text)

    response = client.post(f"/documents/packages/{package.id}/print/label", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/documents/packages/{package.id}/label.zpl")
    [label] = parse_zpl(client.get(response.headers["Location"]).get_data(as_text=True))
    assert label["PW"] == 1200
    assert print_room.print_counts(session, [package.id], print_room.LABEL) == {package.id: 1}
