"""Stock locations, carriers and commands on the admin screens, and their rules in core
(packing/core/stores.py): codes unique and well-formed, time zones and tracking links
checked, deactivation keeping packages but refusing imports, every change audited."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from packing.core import stores
from packing.core.db import transaction
from packing.core.errors import ImportFailed, InvalidParameter
from packing.core.importer import import_packages
from packing.core.models import AuditEntry, CargoCompany, Package, StockLocation
from tests import factories
from tests.conftest import csrf_token_from
from tests.html import parse

REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_package_list.json").read_text())


def _location_form(**changes) -> dict:
    form = {
        "name": "Kadıköy",
        "erp_code": "KDK-1",
        "stock_location_type": "store",
        "address_line": "Moda Cd. 1",
        "postcode": "34710",
        "daytime_phone": "+90 216 000 00 00",
        "email": "kadikoy@example.com",
        "time_zone": "Europe/Istanbul",
        "default_cargo_company_id": "",
        "priority": "5",
        "use_as_shipper_location": "y",
    }
    form.update(changes)
    return form


def _carrier_form(**changes) -> dict:
    form = {
        "name": "Yurtiçi",
        "erp_code": "yurtici",
        "uuid": "",
        "tracking_url_template": "https://track.example.com/{tracking_number}",
        "label_format": "zpl",
        "label_size": "100x150mm",
        "label_dpi": "300",
    }
    form.update(changes)
    return form


# --- Core rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"erp_code": "has space"}, "erp_code"),
        ({"name": "  "}, "name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"stock_location_type": "moon"}, "stock_location_type"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_a_bad_location_is_refused_naming_its_field(session, changes, field):
    """Each malformed field refuses the save with an error naming that field."""
    fields = stores.LocationFields(**{"name": "A", "erp_code": "A-1", **changes})
    with pytest.raises(InvalidParameter) as raised:
        stores.save_location(session, fields)
    assert raised.value.field == field


def test_location_and_carrier_codes_are_unique(session):
    """A second location or carrier with a taken ERP code is refused with DuplicateCode."""
    stores.save_location(session, stores.LocationFields(name="A", erp_code="A-1"))
    with pytest.raises(stores.DuplicateCode):
        stores.save_location(session, stores.LocationFields(name="B", erp_code="A-1"))
    stores.save_carrier(session, stores.CarrierFields(name="C", erp_code="c-1"))
    with pytest.raises(stores.DuplicateCode):
        stores.save_carrier(session, stores.CarrierFields(name="D", erp_code="c-1"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tracking_url_template": "https://track.example.com/"}, "tracking_url_template"),
        ({"tracking_url_template": "javascript:{tracking_number}"}, "tracking_url_template"),
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"label_format": "png"}, "label_format"),
        ({"label_size": "huge"}, "label_size"),
        ({"label_dpi": 600}, "label_dpi"),
    ],
)
def test_a_bad_carrier_is_refused_naming_its_field(session, changes, field):
    """A tracking link without the placeholder or off the web, a bad UUID, label format, size or dpi are refused."""
    with pytest.raises(InvalidParameter) as raised:
        stores.save_carrier(session, stores.CarrierFields(**{"name": "C", "erp_code": "c-1", **changes}))
    assert raised.value.field == field


def test_an_inactive_carrier_cannot_become_a_default(session):
    """A deactivated carrier is not offered as a new default; a location already using it may keep it."""
    carrier = stores.save_carrier(session, stores.CarrierFields(name="Old", erp_code="old"))
    location = stores.save_location(
        session, stores.LocationFields(name="A", erp_code="A-1", default_cargo_company_id=carrier.id)
    )
    carrier.is_active = False
    stores.save_location(
        session, stores.LocationFields(name="A2", erp_code="A-1", default_cargo_company_id=carrier.id), location
    )
    with pytest.raises(InvalidParameter):
        stores.save_location(
            session, stores.LocationFields(name="B", erp_code="B-1", default_cargo_company_id=carrier.id)
        )


def test_a_deactivated_location_keeps_its_packages_but_takes_no_imports(session):
    """Packages already there stay; an import into it is refused at the location's field path."""
    with transaction(session):
        import_packages(session, REFERENCE, create_locations=True)
    location = session.scalars(select(StockLocation)).one()
    kept = session.scalar(select(Package.id).where(Package.stock_location_id == location.id))
    location.is_active = False
    session.commit()
    changed = copy.deepcopy(REFERENCE)
    with pytest.raises(ImportFailed) as raised, transaction(session):
        import_packages(session, changed)
    assert raised.value.path == "results[0].stock_location.erp_code"
    assert session.get(Package, kept) is not None


# --- Screens ---------------------------------------------------------------------------------


def test_admin_creates_edits_and_deactivates_a_location(client, auth, session):
    """Create, then a bad time zone shown on the form, then deactivate; each change is audited."""
    auth.login(role="admin")
    carrier = factories.cargo_company(session)
    session.commit()
    page = client.get("/admin/locations/new")
    token = csrf_token_from(page.text)
    created = client.post(
        "/admin/locations/new", data={**_location_form(default_cargo_company_id=str(carrier.id)), "csrf_token": token}
    )
    assert created.status_code == 303
    location = session.scalars(select(StockLocation).where(StockLocation.erp_code == "KDK-1")).one()
    assert location.time_zone == "Europe/Istanbul" and location.default_cargo_company_id == carrier.id
    assert location.address.line == "Moda Cd. 1"

    bad = client.post(
        f"/admin/locations/{location.id}/edit", data={**_location_form(time_zone="Nowhere/Here"), "csrf_token": token}
    )
    assert bad.status_code == 400 and "Nowhere/Here" in bad.text
    kept = {"default_cargo_company_id": str(carrier.id)}
    client.post(
        f"/admin/locations/{location.id}/edit", data={**_location_form(name="Moda", **kept), "csrf_token": token}
    )
    client.post(f"/admin/locations/{location.id}/active", data={"active": "0", "csrf_token": token})
    session.expire_all()
    assert not session.get(StockLocation, location.id).is_active
    entries = session.scalars(select(AuditEntry).where(AuditEntry.target_type == "location").order_by(AuditEntry.id))
    summary = [(entry.action, entry.before, entry.after) for entry in entries]
    assert [action for action, _before, _after in summary] == [
        "location.created",
        "location.updated",
        "location.deactivated",
    ]
    assert summary[1][1:] == ({"name": "Kadıköy"}, {"name": "Moda"})
    assert summary[2][1:] == ({"is_active": True}, {"is_active": False})


def test_admin_creates_and_deactivates_a_carrier(client, auth, session):
    """A carrier's label format and size are kept; a bad link is a form error; deactivation hides it as a new default."""
    auth.login(role="admin")
    token = csrf_token_from(client.get("/admin/carriers/new").text)
    assert client.post("/admin/carriers/new", data={**_carrier_form(), "csrf_token": token}).status_code == 303
    carrier = session.scalars(select(CargoCompany).where(CargoCompany.erp_code == "yurtici")).one()
    assert (carrier.label_format, carrier.label_size) == ("zpl", "100x150mm")
    bad = client.post(
        f"/admin/carriers/{carrier.id}/edit",
        data={**_carrier_form(tracking_url_template="https://x.example/"), "csrf_token": token},
    )
    assert bad.status_code == 400 and "{tracking_number}" in bad.text
    client.post(f"/admin/carriers/{carrier.id}/active", data={"active": "0", "csrf_token": token})
    assert "Yurtiçi (yurtici)" not in client.get("/admin/locations/new").text
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "carrier")).all()
    assert actions == ["carrier.created", "carrier.deactivated"]


def test_the_carrier_form_edits_the_zpl_resolution(client, auth, session):
    """The form offers 203 and 300 dpi and saves the one chosen (audited); any other is a form error."""
    auth.login(role="admin")
    page = client.get("/admin/carriers/new")
    offered = [option["value"] for option in parse(page.text).select("#label_dpi option")]
    assert offered == ["203", "300"]
    token = csrf_token_from(page.text)
    client.post("/admin/carriers/new", data={**_carrier_form(label_dpi="203"), "csrf_token": token})
    carrier = session.scalars(select(CargoCompany).where(CargoCompany.erp_code == "yurtici")).one()
    edited = client.post(f"/admin/carriers/{carrier.id}/edit", data={**_carrier_form(), "csrf_token": token})
    assert edited.status_code == 303
    session.expire_all()
    assert session.get(CargoCompany, carrier.id).label_dpi == 300
    change = session.scalars(select(AuditEntry).where(AuditEntry.action == "carrier.updated")).one()
    assert (change.before, change.after) == ({"label_dpi": 203}, {"label_dpi": 300})
    for dpi in ("600", "abc", ""):
        refused = client.post(
            f"/admin/carriers/{carrier.id}/edit", data={**_carrier_form(label_dpi=dpi), "csrf_token": token}
        )
        assert refused.status_code == 400 and parse(refused.text).select_one("#label_dpi-error") is not None, dpi
    session.expire_all()
    assert session.get(CargoCompany, carrier.id).label_dpi == 300


def test_the_commands_page_lists_the_catalogue_read_only(client, auth):
    """Every configured command appears with its slug and states, and the page has no form that changes them."""
    auth.login(role="admin")
    page = client.get("/admin/commands")
    assert page.status_code == 200
    assert "<code>" in page.text and "→" in page.text
    assert 'method="post"' not in page.text.split("<main", 1)[1]


def test_unknown_locations_and_carriers_are_404(client, auth):
    """Editing or deactivating an id that does not exist is a 404."""
    auth.login(role="admin")
    assert client.get("/admin/locations/999/edit").status_code == 404
    assert client.get("/admin/carriers/999/edit").status_code == 404
