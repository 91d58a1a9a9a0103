"""Shipments on pack: the default cargo company, tracking numbers from the carrier adapter,
the label rendered after commit, and "update shipment info" relabelling."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from packing.core import events, shipping
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.errors import CommandNotAllowed, InvalidParameter
from packing.core.models import CargoCompany, Package, Shipment, ShippingLabel, TransitionLog, WebhookEvent
from packing.extensions import db
from tests import factories
from tests.test_documents import decoded_codes

PACK_WITHOUT_SHIPMENT = "package__complete_packaging_without_shipment__waiting__packed-all-items"
CHANNEL_PACK = "package__channel_based_complete_packaging__waiting__packed-all-items"


def test_pack_creates_shipment_with_location_default_carrier_and_checked_number(session):
    """Packing gives the package a shipment with its store's default cargo company, a
    tracking number whose Luhn check digit holds, the tracking URL and a shipment date."""
    store = factories.location(session)
    package = factories.package(session, at=store)
    with transaction(session):
        result = execute_command(session, package, factories.PACK)
    shipment = package.shipment
    assert shipment.cargo_company_id == store.default_cargo_company_id
    assert shipping.is_valid_builtin_tracking_number(shipment.awb_number)
    assert package.tracking_number == shipment.awb_number
    assert shipment.tracking_url == f"https://track.test/{shipment.awb_number}"
    assert package.shipment_date is not None
    assert result.log.attributes["tracking_number"] == shipment.awb_number


def test_channel_based_pack_creates_a_shipment_and_pack_without_shipment_does_not(session):
    """Channel-based packing creates a shipment; "pack without shipment" creates none."""
    with_shipment = factories.package(session)
    without = factories.package(session)
    with transaction(session):
        execute_command(session, with_shipment, CHANNEL_PACK)
        execute_command(session, without, PACK_WITHOUT_SHIPMENT)
    assert with_shipment.shipment is not None
    assert without.shipment is None and without.tracking_number is None
    assert session.scalar(select(ShippingLabel).where(ShippingLabel.package_id == without.id)) is None


def test_tracking_numbers_are_sequential_and_unique(session):
    """Consecutive packs draw consecutive numbers, each with its own check digit."""
    packages = [factories.packed_package(session) for _ in range(3)]
    bodies = [int(p.tracking_number[:-1]) for p in packages]
    assert bodies == [bodies[0], bodies[0] + 1, bodies[0] + 2]
    assert shipping.luhn_check_digit("7992739871") == "3"


def test_concurrent_draws_never_share_a_tracking_number(app, session, backend):
    """Eight transactions drawing numbers at once each get a different one."""
    factories.location(session)
    session.commit()
    engine = db.engine
    barrier = threading.Barrier(8)
    numbers: list[str] = []
    errors: list[Exception] = []

    def draw() -> None:
        with Session(engine) as own:
            company = own.scalar(select(CargoCompany))
            barrier.wait()
            try:
                with transaction(own):
                    numbers.append(shipping.BuiltinCarrier().issue_tracking_number(own, company, None))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, (backend, errors)
    assert len(set(numbers)) == 8


def test_a_store_without_its_own_cargo_company_ships_with_the_builtin_carrier(session):
    """A store with no default cargo company (as imported from the OMS) packs with the built-in carrier."""
    store = factories.location(session)
    store.default_cargo_company = None
    package = factories.package(session, at=store)
    with transaction(session):
        execute_command(session, package, factories.PACK)
    assert package.shipment.cargo_company.erp_code == "builtin"
    assert shipping.is_valid_builtin_tracking_number(package.shipment.awb_number)


def test_location_without_any_active_cargo_company_cannot_pack_with_shipment(session):
    """With no default and the built-in carrier switched off, packing is refused naming the field and nothing changes."""
    store = factories.location(session)
    store.default_cargo_company = None
    session.scalar(select(CargoCompany).where(CargoCompany.erp_code == "builtin")).is_active = False
    package = factories.package(session, at=store)
    session.commit()
    with pytest.raises(InvalidParameter) as refused, transaction(session):
        execute_command(session, package, factories.PACK)
    assert refused.value.field == "cargo_company"
    session.refresh(package)
    assert package.state.enum_value == "100"
    assert session.scalar(select(Shipment).where(Shipment.package_id == package.id)) is None
    assert session.scalar(select(TransitionLog).where(TransitionLog.object_id == package.id)) is None


def test_label_is_rendered_after_commit_and_announced(session):
    """The label is stored once the pack commits, with a label-ready event; a rolled-back
    pack leaves no label and nothing queued."""
    factories.webhook(session, events.LABEL_READY)
    kept = factories.package(session)
    dropped = factories.package(session)
    session.commit()
    with transaction(session):
        execute_command(session, kept, factories.PACK)
    with pytest.raises(RuntimeError), transaction(session):
        execute_command(session, dropped, factories.PACK)
        raise RuntimeError("the request failed after packing")
    assert session.info.get(shipping.LABELS_TO_RENDER) is None
    labels = session.scalars(select(ShippingLabel.package_id)).all()
    assert labels == [kept.id]
    announced = session.scalars(
        select(WebhookEvent.object_id).where(WebhookEvent.event_type == events.LABEL_READY)
    ).all()
    assert announced == [kept.id]


def test_update_shipment_info_relabels_with_the_new_number(session):
    """Changing the tracking number and carrier re-renders the stored label with them."""
    other = CargoCompany(
        name="Other Cargo", erp_code="other", tracking_url_template="https://other.test/{tracking_number}"
    )
    session.add(other)
    package = factories.packed_package(session)
    session.commit()
    old_label = session.scalar(select(ShippingLabel.pdf).where(ShippingLabel.package_id == package.id))

    with transaction(session):
        shipping.update_shipment_info(session, package, tracking_number="OC123456789", shipping_company="other")
    session.expire_all()
    package = session.get(Package, package.id)
    assert package.tracking_number == "OC123456789"
    assert package.shipment.cargo_company.name == "Other Cargo"
    assert package.shipment.tracking_url == "https://other.test/OC123456789"
    new_label = session.scalar(select(ShippingLabel.pdf).where(ShippingLabel.package_id == package.id))
    assert new_label != old_label
    codes = decoded_codes(new_label)
    assert "OC123456789" in codes["Code128"]
    assert codes["QRCode"] == ["https://other.test/OC123456789"]


def test_update_shipment_info_refuses_bad_input_and_changes_nothing(session):
    """A tracking number already used, an unknown carrier or a package not yet packed is refused."""
    first = factories.packed_package(session)
    second = factories.packed_package(session)
    waiting = factories.package(session)
    session.commit()
    with pytest.raises(InvalidParameter) as taken, transaction(session):
        shipping.update_shipment_info(session, second, tracking_number=first.tracking_number)
    assert taken.value.field == "tracking_number"
    with pytest.raises(InvalidParameter) as unknown, transaction(session):
        shipping.update_shipment_info(session, second, shipping_company="no-such-carrier")
    assert unknown.value.field == "shipping_company"
    with pytest.raises(CommandNotAllowed), transaction(session):
        shipping.update_shipment_info(session, waiting, tracking_number="X1")
    session.expire_all()
    assert session.get(Package, second.id).tracking_number != first.tracking_number


class FakeCarrier:
    def issue_tracking_number(self, session, cargo_company, package):
        return f"FAKE-{package.number}"

    def tracking_url(self, cargo_company, tracking_number):
        return f"https://fake.test/t/{tracking_number}"


def test_a_plugged_in_carrier_issues_the_numbers_for_its_cargo_companies(session):
    """A cargo company whose shipping_company names a registered adapter gets its numbers from it."""
    shipping.register_carrier("fake", FakeCarrier())
    store = factories.location(session)
    store.default_cargo_company = CargoCompany(name="Fake Cargo", erp_code="fake", shipping_company="fake")
    package = factories.packed_package(session, at=store)
    assert package.tracking_number == f"FAKE-{package.number}"
    assert package.shipment.tracking_url == f"https://fake.test/t/FAKE-{package.number}"


def test_a_shipment_change_during_a_label_render_is_not_lost(app, session, monkeypatch):
    """If the shipment changes while a label renders, the label stored is the new one."""
    from packing.core import labels

    package = factories.packed_package(session)
    shipping.take_labels_to_render(session)
    session.commit()
    engine = db.engine
    render = labels.render_label_pdf

    def render_while_a_lead_changes_the_shipment(target, printed_at=None):
        monkeypatch.setattr(labels, "render_label_pdf", render)
        pdf = render(target, printed_at)
        with Session(engine) as lead_session, transaction(lead_session):
            shipping.update_shipment_info(lead_session, target.id, tracking_number="CHANGED-1")
            shipping.take_labels_to_render(lead_session)  # its own render is not the point here
        return pdf

    monkeypatch.setattr(labels, "render_label_pdf", render_while_a_lead_changes_the_shipment)
    pdf = labels.label_pdf(session, package)
    session.commit()
    assert "CHANGED-1" in decoded_codes(pdf)["Code128"]
    stored = session.scalar(select(ShippingLabel.pdf).where(ShippingLabel.package_id == package.id))
    assert stored == pdf
