"""GS1 codes: the parser's three shapes, and a GTIN or SSCC at the station and the queue."""

from __future__ import annotations

import pytest

from packing.core import gs1, scanning
from packing.core.db import transaction
from packing.core.errors import ScanRefused
from tests import factories
from tests.conftest import csrf_token_from

GTIN = "09506000134352"
SSCC = "106141411234567897"


@pytest.mark.parametrize(
    "code",
    [
        f"(01){GTIN}(17)261231(10)AB12",
        f"]C101{GTIN}1726123110AB12",
        f"]d201{GTIN}10AB12\x1d21X1",
        f"\x1d01{GTIN}10AB12",
        f"01{GTIN}1726123110AB12",
    ],
)
def test_every_shape_of_a_gs1_code_yields_its_gtin(code):
    """Printed, with a symbology identifier, with a leading FNC1, or bare: (01) is read out."""
    assert gs1.parse(code).gtin == GTIN


def test_variable_fields_end_at_a_group_separator():
    """A batch (10) ends at GS, so the serial (21) after it is its own field."""
    assert gs1.parse(f"]d201{GTIN}10AB12\x1d21X1").elements == (("01", GTIN), ("10", "AB12"), ("21", "X1"))


@pytest.mark.parametrize(
    "code", ["8690000000001", "0000000000000", "TSH-RED-M", "0112345", f"01{GTIN[:-1]}3", "(nope)"]
)
def test_codes_that_are_not_gs1_are_left_alone(code):
    """A store's EAN, a SKU, a bare code with a broken GTIN check digit: not GS1 at all."""
    assert gs1.parse(code) is None


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (f"]d201{GTIN}89XYZ", gs1.UNKNOWN_AI),
        (f"(01){GTIN}(89)XYZ", gs1.UNKNOWN_AI),
        (f"01{GTIN}89XYZ", gs1.UNKNOWN_AI),
        (f"(01){GTIN[:-1]}3", gs1.MALFORMED),
        ("]C117261", gs1.MALFORMED),
    ],
)
def test_unknown_identifiers_and_damaged_fields_are_refused(code, kind):
    """A GS1 code with an AI we do not read, or a field of the wrong length or check digit, is refused."""
    with pytest.raises(ScanRefused) as refused:
        gs1.parse(code)
    assert refused.value.kind == kind


def test_gtin_forms_drop_only_leading_zeros():
    """A GTIN-14 is also looked up as the EAN-13, UPC-A and EAN-8 it pads."""
    assert gs1.gtin_forms("00000012345670") == ["00000012345670", "0000012345670", "000012345670", "12345670"]
    assert gs1.gtin_forms(GTIN) == [GTIN, GTIN[1:]]


def test_a_gs1_datamatrix_counts_the_product_its_gtin_names(session):
    """A product stored by its EAN-13 is counted by a DataMatrix carrying its GTIN-14, once per scan id."""
    picker = factories.user(session)
    pills = factories.product(session, barcode=GTIN[1:])
    package = factories.claimed_package(session, picker, [pills, pills])
    code = f"01{GTIN}17261231\x1d10AB12"
    for scan_id in ("a", "a", "b"):
        with transaction(session):
            outcome = scanning.record_scan(session, package.id, code, scan_id, picker)
    assert outcome.product == pills
    assert scanning.pack_gate_open(scanning.product_counts(session, package))


def test_a_gtin_of_another_product_is_a_wrong_item(session):
    """A GS1 code of a known product not in the package is refused as a wrong item, naming it."""
    picker = factories.user(session)
    other = factories.product(session, barcode=GTIN[1:])
    package = factories.claimed_package(session, picker, [factories.product(session)])
    with pytest.raises(ScanRefused) as refused, transaction(session):
        scanning.record_scan(session, package.id, f"(01){GTIN}", "a", picker)
    assert refused.value.kind == scanning.WRONG_ITEM and refused.value.product == other


def test_an_sscc_at_the_station_counts_nothing(session):
    """An SSCC labels a package, not an item: the station refuses it and says so."""
    picker = factories.user(session)
    package = factories.claimed_package(session, picker, [factories.product(session)])
    with pytest.raises(ScanRefused) as refused, transaction(session):
        scanning.record_scan(session, package.id, f"00{SSCC}", "a", picker)
    assert refused.value.kind == scanning.PACKAGE_LABEL and not scanning.live_scans(session, package)


def test_an_sscc_scanned_on_the_queue_opens_the_package_it_labels(client, session, auth):
    """A GS1-128 (00) on the queue opens and claims the package whose number is that SSCC."""
    store = factories.location(session)
    package = factories.package(session, at=store)
    package.number = SSCC
    session.commit()
    user = auth.login(location=store)
    token = csrf_token_from(client.get("/queue/").text)
    response = client.post("/queue/scan", data={"code": f"]C100{SSCC}", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/station/packages/{package.id}")
    session.expire_all()
    assert package.holder_id == user.id


def test_an_unknown_identifier_on_the_queue_is_refused_by_name(client, session, auth):
    """The queue says which application identifier it does not read, and opens nothing."""
    store = factories.location(session)
    session.commit()
    auth.login(location=store)
    token = csrf_token_from(client.get("/queue/").text)
    response = client.post("/queue/scan", data={"code": f"(01){GTIN}(89)X", "csrf_token": token}, follow_redirects=True)
    assert "application identifier we do not read (89)" in response.text
