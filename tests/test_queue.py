"""The queue over HTTP: my location only, its order and flags, filters, search, paging, scan to open, next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from packing.core.catalogue import PackageStatus
from packing.core.db import transaction
from packing.core.queue import PAGE_SIZE
from packing.core.scanning import run_station_command
from tests import factories
from tests.conftest import csrf_token_from
from tests.html import parse, text_of, top_level_elements

PREPARE = "package__prepare_package_command__waiting__preparing"


def _numbers(html: str) -> list[str]:
    return [text_of(link) for link in parse(html).select("#queue-list a.package-number")]


def _row(html: str, number: str):
    """The queue's table row of package ``number``."""
    [row] = [
        row
        for row in parse(html).select("#queue-list tbody tr")
        if text_of(row.select_one(".package-number")) == number
    ]
    return row


def test_the_queue_lists_only_my_locations_open_packages_by_target_date(client, session, auth):
    """Open packages of my store come first by target date; other stores' and packed ones are hidden."""
    store = factories.location(session)
    now = datetime.now(UTC)
    later = factories.package(session, at=store, target_packing_date=now + timedelta(hours=5))
    sooner = factories.package(session, at=store, target_packing_date=now + timedelta(hours=1))
    packed = factories.package(session, at=store, status=PackageStatus.PACKED)
    elsewhere = factories.package(session)
    session.commit()
    auth.login(location=store)
    page = client.get("/queue/").text
    assert _numbers(page) == [sooner.number, later.number]
    assert packed.number not in page and elsewhere.number not in page
    everything = client.get("/queue/?state=all").text
    assert _numbers(everything) == [sooner.number, later.number, packed.number]


def test_a_row_shows_overdue_click_and_collect_gift_box_city_and_item_count(client, session, auth):
    """An overdue click-and-collect gift order shows its flags, its city and its item count."""
    store = factories.location(session)
    factories.package(
        session,
        at=store,
        products=[factories.product(session)] * 3,
        target_packing_date=datetime.now(UTC) - timedelta(hours=1),
        is_click_and_collect=True,
        has_gift_box=True,
        delivery_type="click_and_collect",
    )
    session.commit()
    auth.login(location=store)
    [row] = parse(client.get("/queue/").text).select("table.queue-table tbody tr")

    def cell(label: str) -> str:
        return text_of(row.find("td", attrs={"data-label": label}))

    assert "overdue" in row["class"] and "Overdue" in cell("Pack by")
    assert [text_of(badge) for badge in row.find("td", attrs={"data-label": "Delivery"}).select(".badge")] == [
        "Click & collect",
        "Gift box",
    ]
    assert cell("City") == "İstanbul" and cell("Items") == "3"


def test_the_queue_shows_who_holds_a_package(client, session, auth):
    """A package another picker claimed shows their name in the queue."""
    store = factories.location(session)
    holder = factories.user(session, locations=[store])
    package = factories.package(session, at=store)
    session.commit()
    with transaction(session):
        run_station_command(session, package.id, PREPARE, {}, holder)
    auth.login(location=store)
    row = _row(client.get("/queue/").text, package.number)
    assert text_of(row.select_one(".state-cell .holder")) == holder.username


def test_filters_and_search_narrow_the_list(client, session, auth):
    """Delivery type, state and an order number each narrow the list."""
    store = factories.location(session)
    same_day = factories.package(session, at=store, delivery_type="same_day")
    standard = factories.package(session, at=store, delivery_type="standard")
    session.commit()
    auth.login(location=store)
    assert _numbers(client.get("/queue/?delivery=same_day").text) == [same_day.number]
    assert _numbers(client.get(f"/queue/?q={standard.order.number}").text) == [standard.number]
    assert _numbers(client.get(f"/queue/?state={PackageStatus.PACKED.value}").text) == []


def test_click_and_collect_and_a_delivery_type_with_a_search_narrow_the_list(client, session, auth):
    """Click & collect keeps the orders collected in store whatever their delivery type; a
    delivery type and a search narrow together."""
    store = factories.location(session)
    collected = factories.package(session, at=store, delivery_type="standard", is_click_and_collect=True)
    standard = factories.package(session, at=store, delivery_type="standard")
    factories.package(session, at=store, delivery_type="same_day")
    session.commit()
    auth.login(location=store)
    assert _numbers(client.get("/queue/?delivery=click_and_collect").text) == [collected.number]
    assert _numbers(client.get(f"/queue/?delivery=standard&q={standard.order.number}").text) == [standard.number]
    assert _numbers(client.get(f"/queue/?delivery=same_day&q={standard.order.number}").text) == []


def test_the_htmx_poll_gets_only_the_list(client, session, auth):
    """An htmx request answers with the list partial, which polls itself with the same filters."""
    store = factories.location(session)
    factories.package(session, at=store)
    session.commit()
    auth.login(location=store)
    response = client.get("/queue/?delivery=standard", headers={"HX-Request": "true"})
    [queue_list] = top_level_elements(response.text)
    assert queue_list["id"] == "queue-list"
    assert queue_list["hx-trigger"].startswith("every 5s") and "delivery=standard" in queue_list["hx-get"]


def test_the_queue_is_paginated(client, session, auth):
    """More packages than a page fit spread over pages with a next link."""
    store = factories.location(session)
    for _ in range(PAGE_SIZE + 2):
        factories.package(session, at=store)
    session.commit()
    auth.login(location=store)
    first = client.get("/queue/").text
    assert len(_numbers(first)) == PAGE_SIZE and "Page 1 of 2" in first
    assert len(_numbers(client.get("/queue/?page=2").text)) == 2


def test_scanning_an_order_number_opens_and_claims_its_package(client, session, auth):
    """Posting a scanned order number claims that package and redirects to its station page."""
    store = factories.location(session)
    package = factories.package(session, at=store)
    session.commit()
    user = auth.login(location=store)
    token = csrf_token_from(client.get("/queue/").text)
    response = client.post("/queue/scan", data={"code": package.order.number, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/station/packages/{package.id}")
    session.expire_all()
    assert package.holder_id == user.id


def test_scanning_another_stores_package_number_finds_nothing(client, session, auth):
    """A package number of another store is not opened; the queue says it is not here."""
    other = factories.package(session)
    session.commit()
    auth.login(location=factories.location(session))
    token = csrf_token_from(client.get("/queue/").text)
    response = client.post("/queue/scan", data={"code": other.number, "csrf_token": token}, follow_redirects=True)
    assert [text_of(flash) for flash in parse(response.text).select(".flash")] == [
        f"No package or order {other.number} at this store."
    ]
    session.expire_all()
    assert other.holder_id is None


def test_next_package_claims_the_first_free_waiting_one(client, session, auth):
    """Next package skips a package held by someone else and claims the first free one."""
    store = factories.location(session)
    now = datetime.now(UTC)
    taken = factories.package(session, at=store, target_packing_date=now)
    free = factories.package(session, at=store, target_packing_date=now + timedelta(hours=1))
    other = factories.user(session, locations=[store])
    session.commit()
    with transaction(session):
        run_station_command(session, taken.id, PREPARE, {}, other)
    user = auth.login(location=store)
    token = csrf_token_from(client.get("/queue/").text)
    response = client.post("/queue/next", data={"csrf_token": token})
    assert response.headers["Location"].endswith(f"/station/packages/{free.id}")
    session.expire_all()
    assert free.holder_id == user.id


def test_next_package_with_nothing_waiting_says_so(client, session, auth):
    """With no waiting package, next package returns to the queue with a message."""
    auth.login(location=factories.location(session))
    token = csrf_token_from(client.get("/queue/").text)
    response = client.post("/queue/next", data={"csrf_token": token}, follow_redirects=True)
    assert [text_of(flash) for flash in parse(response.text).select(".flash")] == [
        "No packages are waiting. Well done!"
    ]


def test_home_sends_a_picker_to_the_queue(client, session, auth):
    """/ redirects a signed-in picker to the queue and an anonymous visitor to sign in."""
    assert "/auth/login" in client.get("/").headers["Location"]
    auth.login()
    assert client.get("/").headers["Location"].endswith("/queue/")


def test_an_order_number_with_several_packages_opens_the_one_worth_opening(client, session, auth):
    """Of one order's packages here, a scan of the order number skips the packed one and the
    one another picker holds, opens a waiting one; scanned again, it reopens the picker's own."""
    store = factories.location(session)
    packed = factories.package(session, at=store, status=PackageStatus.PACKED)
    held_by_other = factories.sibling_package(session, packed)
    waiting = factories.sibling_package(session, packed)
    other_picker = factories.user(session, "picker", locations=[store])
    with transaction(session):
        run_station_command(session, held_by_other.id, PREPARE, {}, other_picker)
    auth.login(location=store)
    token = csrf_token_from(client.get("/queue/").text)

    def scan_order():
        response = client.post("/queue/scan", data={"code": packed.order.number, "csrf_token": token})
        assert response.status_code == 303
        return response.headers["Location"]

    assert scan_order().endswith(f"/station/packages/{waiting.id}")
    assert scan_order().endswith(f"/station/packages/{waiting.id}")
