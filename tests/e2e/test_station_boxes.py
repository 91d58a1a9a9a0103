"""Packing into two boxes in a real browser at 768x1024: a tapped box type and a scanned
shelf barcode start the boxes, a USB scale (keys + Enter) types each weight into the weight
field, a barcode typed there by mistake is still a scan, and the scan field keeps the focus."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from packing.core.catalogue import PackageStatus
from packing.core.models import Package
from tests import factories
from tests.e2e.floor import assert_floor
from tests.e2e.test_station import _start, _wedge

pytestmark = pytest.mark.e2e
TOUCH_PX = 44


def test_a_picker_packs_into_two_boxes_weighed_by_a_scale(page, live_server, sign_in, session):
    """Tap "New box: M", scan two items, weigh it on the scale; scan the S shelf barcode,
    scan the third item (once while the weight field has focus), weigh it; Pack. Two boxes
    are stored with their units and weights; the screen passes axe, nothing scrolls sideways,
    targets are 44 px."""
    store = factories.location(session)
    factories.box_type(session, store, "S", code="BOX-S", size=("25", "20", "10"))
    factories.box_type(session, store, "M", code="BOX-M")
    mug, lamp, rug = (factories.product(session, name=name) for name in ("Mug", "Lamp", "Rug"))
    package = factories.package(session, at=store, products=[mug, lamp, rug])
    session.commit()
    scan = _start(page, sign_in, store, package)
    weight = page.get_by_role("textbox", name="Weight of box 1 (kg)")
    expect(page.get_by_text("Everything goes in one box when you pack.")).to_be_visible()

    page.get_by_role("button", name="New box: M").click()
    expect(page.locator("[data-current-box]")).to_contain_text("Box 1 of 1 · M · 40 × 30 × 20 cm")
    expect(scan).to_be_focused()
    _wedge(page, mug.barcode)
    _wedge(page, lamp.barcode)
    expect(page.get_by_text("Scanned 2 of 3")).to_be_visible()
    weight.click()
    _wedge(page, "0002.450")  # the scale types its reading and Enter into the focused field
    expect(page.get_by_role("status").filter(has_text="Box 1 weighs 2.45 kg.")).to_be_visible()
    expect(scan).to_be_focused()

    _wedge(page, "BOX-S")
    expect(page.locator("[data-current-box]")).to_contain_text("Box 2 of 2 · S · 25 × 20 × 10 cm")
    page.get_by_role("textbox", name="Weight of box 2 (kg)").click()
    _wedge(page, rug.barcode)  # scanned while the weight field had focus: still a scan
    expect(page.get_by_text("Scanned 3 of 3")).to_be_visible()
    expect(page.locator('[data-box="2"]')).to_contain_text("1 unit")
    page.get_by_role("textbox", name="Weight of box 2 (kg)").click()
    _wedge(page, "0,8")
    expect(page.get_by_role("status").filter(has_text="Box 2 weighs 0.8 kg.")).to_be_visible()

    assert_floor(page)  # axe-core, no sideways scroll, every control at least 44 px
    for target in (
        page.get_by_role("button", name="New box: S"),
        page.get_by_role("button", name="Save weight"),
        page.get_by_role("textbox", name="Weight of box 2 (kg)"),
    ):
        box = target.bounding_box()
        assert box["height"] >= TOUCH_PX and box["width"] >= TOUCH_PX

    pack = page.get_by_role("button", name="Pack", exact=True)
    expect(pack).to_be_enabled()
    pack.click()
    expect(page.get_by_text("This package is Packed.")).to_be_visible()
    session.expire_all()
    packed = session.get(Package, package.id)
    assert packed.state.enum_value == PackageStatus.PACKED.value
    assert [(box.number, box.box_type.name, box.weight_kg) for box in packed.boxes] == [
        (1, "M", Decimal("2.450")),
        (2, "S", Decimal("0.800")),
    ]
    units = {item.order_item.product.name: item.box_id for item in packed.items}
    assert units == {"Mug": packed.boxes[0].id, "Lamp": packed.boxes[0].id, "Rug": packed.boxes[1].id}
