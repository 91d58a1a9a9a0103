"""The dashboard's pages: who may see them, which store they show, the tiles' numbers and
links, the htmx refresh, and the report with its CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from packing.core import dashboard as metrics
from packing.core.models import DenialReason, User
from tests import factories
from tests.dashboard_support import OUT_OF_STOCK, PACK, PREPARE, REFUSE, SHIP, build_store_day, run_at


def kpis(html: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-kpi="([a-z_]+)" data-value="(\d+)"', html)}


def _live_store(session):
    """A store whose day is happening now: one package packed a minute ago, one held, one
    overdue; and a second store of the lead's with one waiting package."""
    store = factories.location(session, name="Beşiktaş")
    store.time_zone = "Europe/Istanbul"
    second = factories.location(session, name="Çankaya")
    picker = factories.user(session, role="picker", locations=[store], username="zeynep")
    lead = factories.user(session, role="lead", locations=[store, second])
    now = datetime.now(UTC)
    packed = factories.package(session, at=store)
    run_at(session, packed, PREPARE, now - timedelta(minutes=9), picker)
    run_at(session, packed, PACK, now - timedelta(minutes=1), picker)
    held = factories.package(session, at=store)
    run_at(session, held, PREPARE, now - timedelta(minutes=2), picker)
    factories.package(session, at=store, target_packing_date=now - timedelta(hours=1))
    factories.package(session, at=second)
    session.commit()
    return store, second, lead, packed


def test_a_lead_sees_the_stores_tiles_with_their_numbers(client, auth, session):
    """Every tile is there with the number the core counts for the store's day."""
    store, _second, lead, _packed = _live_store(session)
    auth.login(lead)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    clock = metrics.StoreClock(metrics.time_zone("Europe/Istanbul", "UTC"), datetime.now(UTC))
    numbers = metrics.tiles(session, store.id, clock)
    shown = kpis(response.text)
    assert shown == {
        "waiting": 1,
        "overdue": 1,
        "preparing": 1,
        "packed_today": 1,
        "labels_not_printed": 1,
        "shipped_today": 0,
        "refused_today": 0,
        "out_of_stock_today": 0,
    }
    assert shown["packed_today"] == numbers.packed_today and shown["waiting"] == numbers.waiting
    assert "zeynep (1)" in response.text  # who holds the package in preparation
    assert "Europe/Istanbul" in response.text
    assert response.text.count("<svg") >= 3 and '<div class="visually-hidden">' in response.text
    assert "<script>" not in response.text and " style=" not in response.text


def test_htmx_refresh_gets_the_live_part_only(client, auth, session):
    """The 30 s poll and the Refresh link get the tiles and charts, not the whole page."""
    _store, _second, lead, _packed = _live_store(session)
    auth.login(lead)
    page = client.get("/dashboard/")
    assert 'hx-trigger="every 30s' in page.text and 'href="/dashboard/" hx-get="/dashboard/"' in page.text
    partial = client.get("/dashboard/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert 'id="dashboard-live"' in partial.text and kpis(partial.text)["packed_today"] == 1
    assert "HX-Request" in partial.headers["Vary"]


def test_the_store_is_the_switchers_and_another_store_is_404(client, auth, session):
    """?location= shows another of the lead's stores; a store that isn't theirs is 404."""
    store, second, lead, _packed = _live_store(session)
    stranger = factories.location(session)
    session.commit()
    auth.login(lead)
    other = client.get(f"/dashboard/?location={second.id}").text
    assert kpis(other)["waiting"] == 1 and kpis(other)["packed_today"] == 0
    # The queue shows the switcher's store, so another store's tiles link nowhere.
    assert 'href="/queue/?' not in other and other.count('<div class="tile') == 8
    assert "switch to this store there" in other
    assert 'href="/queue/?' in client.get(f"/dashboard/?location={store.id}").text
    for path in ("/dashboard/", "/dashboard/report", "/dashboard/report.csv"):
        assert client.get(f"{path}?location={stranger.id}").status_code == 404
        assert client.get(f"{path}?location=abc").status_code == 404


@pytest.mark.parametrize("role, status", [("picker", 403)])
def test_pickers_may_not_open_the_dashboard(client, auth, role, status):
    """The dashboard and report are for leads and admins."""
    auth.login(role=role)
    for path in ("/dashboard/", "/dashboard/report", "/dashboard/report.csv"):
        assert client.get(path).status_code == status


def test_an_admin_sees_the_dashboard_and_anonymous_is_sent_to_sign_in(client, auth, session):
    """Admins may do everything; nobody unsigned sees a number."""
    anonymous = client.get("/dashboard/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/auth/login")
    auth.login(role="admin")
    assert client.get("/dashboard/").status_code == 200


def test_tiles_link_to_the_queue_narrowed_to_them(client, auth, session):
    """Overdue and packed-today tiles open the queue showing exactly those packages."""
    _store, _second, lead, packed = _live_store(session)
    auth.login(lead)
    html = client.get("/dashboard/").text
    links = {
        name: href.replace("&amp;", "&") for href, name in re.findall(r'href="([^"]+)"\s+data-kpi="([a-z_]+)"', html)
    }
    assert len(links) == 8
    assert links["labels_not_printed"] == "/documents/print-room"
    overdue = client.get(links["overdue"])
    assert (
        overdue.status_code == 200
        and ">1 package<" in overdue.text
        and "Showing overdue packages only." in overdue.text
    )
    packed_today = client.get(links["packed_today"])
    assert packed.number in packed_today.text and ">1 package<" in packed_today.text


def test_every_tile_opens_a_list_as_long_as_its_number(client, auth, session):
    """Each of the eight tiles, followed, lists as many packages as the tile counts: the queue
    narrowed to that state or to today's moves, the print room's packages without a label."""
    store, _second, lead, _packed = _live_store(session)
    picker = session.scalar(select(User).where(User.username == "zeynep"))
    now = datetime.now(UTC)
    shipped = factories.package(session, at=store)
    run_at(session, shipped, PREPARE, now - timedelta(minutes=8), picker)
    run_at(session, shipped, PACK, now - timedelta(minutes=7), picker)
    run_at(session, shipped, SHIP, now - timedelta(minutes=6), lead)
    refused = factories.package(session, at=store)
    run_at(session, refused, PREPARE, now - timedelta(minutes=5), picker)
    damaged = session.scalar(select(DenialReason).where(DenialReason.remote_id == "damaged"))
    run_at(session, refused, REFUSE, now - timedelta(minutes=4), picker, denial_reason=damaged.id)
    short = factories.package(session, at=store, products=[factories.product(session), factories.product(session)])
    run_at(session, short, PREPARE, now - timedelta(minutes=3), picker)
    run_at(session, short, OUT_OF_STOCK, now - timedelta(minutes=2), picker, package_items=[short.items[0].id])
    session.commit()
    auth.login(lead)
    html = client.get("/dashboard/").text
    shown = kpis(html)
    links = {
        name: href.replace("&amp;", "&") for href, name in re.findall(r'href="([^"]+)"\s+data-kpi="([a-z_]+)"', html)
    }
    assert set(links) == set(shown) and len(links) == 8
    assert all(shown[name] >= 1 for name in ("shipped_today", "refused_today", "out_of_stock_today", "preparing"))
    for name, href in links.items():
        page = client.get(href)
        assert page.status_code == 200, name
        if href.startswith("/queue/"):
            count = re.search(r">(\d+) packages?<", page.text)
            assert count and int(count.group(1)) == shown[name], (name, href)
        else:
            assert href == "/documents/print-room"
            assert f"Packed, label not printed yet ({shown[name]})" in page.text


def test_turkish_lead_reads_the_dashboard_in_turkish(client, auth, session):
    """Titles, tiles and chart legends come from the Turkish catalogue."""
    _store, _second, lead, _packed = _live_store(session)
    lead.locale = "tr"
    session.commit()
    auth.login(lead)
    html = client.get("/dashboard/").text
    for text in ("Pano", "Bugün paketlenen", "Etiketi basılmamış", "Saatte paket", "Medyan"):
        assert text in html


def _report_day(session):
    day = build_store_day(session)
    session.commit()
    return day


def test_report_and_csv_rows_match(client, auth, session):
    """The CSV parses as UTF-8 text/csv, and its rows are the report's rows, in store time."""
    day = _report_day(session)
    auth.login(day.lead)
    query = "from=2026-03-03&to=2026-03-10"
    page = client.get(f"/dashboard/report?{query}")
    assert page.status_code == 200 and "6 packages packed" in page.text
    response = client.get(f"/dashboard/report.csv?{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert rows[0] == ["Package", "Order", "Picker", "Claimed", "Packed", "Minutes", "Units", "Boxes", "Carrier"]
    clock = metrics.StoreClock(metrics.time_zone("Europe/Istanbul", "UTC"), datetime.now(UTC))
    report = metrics.packed_report(session, day.store.id, clock, date(2026, 3, 3), date(2026, 3, 10))
    assert [r[0] for r in rows[1:]] == [row.package_number for row in report.rows]
    for line in rows[1:]:
        assert line[0] in page.text  # every CSV row is on the page
    after_midnight = next(line for line in rows if line[0] == day.packages["after_midnight"].number)
    assert after_midnight[2:] == ["ayşe", "2026-03-10 00:10", "2026-03-10 00:30", "20", "1", "1", "Test Cargo"]
    api_pack = next(line for line in rows if line[0] == day.packages["last_week"].number)
    assert api_pack[2:6] == ["", "", "2026-03-03 13:15", ""]


def test_report_filters_by_picker_and_refuses_bad_input(client, auth, session):
    """A picker narrows the report; a bad date or picker is a form error that shows today."""
    day = _report_day(session)
    auth.login(day.lead)
    mehmets = client.get(f"/dashboard/report?from=2026-03-10&to=2026-03-10&picker={day.mehmet.id}")
    assert "2 packages packed" in mehmets.text and day.packages["two_units"].number in mehmets.text
    assert day.packages["after_midnight"].number not in mehmets.text
    bad = client.get("/dashboard/report?from=2026-13-40&to=2026-03-10")
    assert bad.status_code == 400 and "Enter a date as YYYY-MM-DD." in bad.text
    backwards = client.get("/dashboard/report?from=2026-03-10&to=2026-03-01")
    assert backwards.status_code == 400 and "The last day comes before the first." in backwards.text
    nobody = session.scalar(select(User.id).order_by(User.id.desc())) + 100
    assert client.get(f"/dashboard/report?picker={nobody}").status_code == 400
    # Unicode digits pass str.isdigit() but not int(): a form error, never a 500.
    assert client.get("/dashboard/report?picker=²").status_code == 400
    assert client.get("/dashboard/report?page=²").status_code == 200
    refused_csv = client.get("/dashboard/report.csv?from=yesterday")
    assert refused_csv.status_code == 400 and "from: Enter a date as YYYY-MM-DD." in refused_csv.text


def test_report_csv_in_turkish_has_turkish_headers(client, auth, session):
    """The CSV speaks the lead's language in its header."""
    day = _report_day(session)
    day.lead.locale = "tr"
    session.commit()
    auth.login(day.lead)
    rows = list(
        csv.reader(io.StringIO(client.get("/dashboard/report.csv?from=2026-03-10&to=2026-03-10").data.decode()))
    )
    assert rows[0][:3] == ["Paket", "Sipariş", "Toplayıcı"] and len(rows) == 5


def test_the_queue_shows_pack_by_on_the_stores_clock(client, auth, session):
    """A target of 21:30 UTC reads 00:30 the next day at an Istanbul store, UTC elsewhere."""
    istanbul = factories.location(session)
    istanbul.time_zone = "Europe/Istanbul"
    utc_store = factories.location(session)
    target = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)
    factories.package(session, at=istanbul, target_packing_date=target)
    factories.package(session, at=utc_store, target_packing_date=target)
    session.commit()
    auth.login(role="picker", location=istanbul)
    assert "11.03 00:30" in client.get("/queue/?state=all").text
    auth.logout()
    auth.login(role="picker", location=utc_store)
    assert "10.03 21:30" in client.get("/queue/?state=all").text
