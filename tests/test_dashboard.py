"""The dashboard's numbers, each checked against the transition log, in the store's time zone."""

from __future__ import annotations

import re
import statistics
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from packing.core import charts
from packing.core import dashboard as metrics
from packing.core.errors import InvalidParameter
from tests import factories
from tests.dashboard_support import (
    NOW,
    build_store_day,
    entered_on,
    logs_at,
    runs_from_log,
    utc,
)

TODAY = date(2026, 3, 10)


@pytest.fixture
def day(session):
    return build_store_day(session)


def test_tiles_match_the_log_and_the_packages(session, day):
    """Each tile equals what the log (for the day's moves) or the packages (for now) say."""
    numbers = metrics.tiles(session, day.store.id, day.clock)
    logs = logs_at(session, day.store)
    assert numbers.packed_today == len(entered_on(logs, "500", day.clock, TODAY)) == 4
    assert numbers.shipped_today == len(entered_on(logs, "600", day.clock, TODAY)) == 1
    assert numbers.refused_today == len(entered_on(logs, "350", day.clock, TODAY)) == 1
    assert numbers.out_of_stock_today == len(entered_on(logs, "300", day.clock, TODAY)) == 1
    packages = day.packages
    assert numbers.waiting == 2  # "waiting" and "overdue"
    assert numbers.preparing == 1 and [(h.username, h.packages) for h in numbers.holders] == [("ayşe", 1)]
    assert numbers.overdue == 2  # "overdue" (waiting) and "out_of_stock" (still open), both past target
    # Packed and never printed: the two packed today but "printed", yesterday's, last week's.
    assert numbers.labels_not_printed == 4
    assert packages["elsewhere"].id not in entered_on(logs, "500", day.clock, TODAY)


def test_today_is_the_stores_day_not_utc(session, day):
    """00:30 in Istanbul counts today though it is 21:30 UTC the day before; 23:55 does not."""
    logs = logs_at(session, day.store)
    packed_today = entered_on(logs, "500", day.clock, TODAY)
    assert day.packages["after_midnight"].id in packed_today
    assert day.packages["before_midnight"].id not in packed_today
    in_utc = metrics.StoreClock(ZoneInfo("UTC"), NOW)
    assert metrics.tiles(session, day.store.id, in_utc).packed_today == 3
    assert metrics.StoreClock(ZoneInfo("Europe/Istanbul"), NOW).start_of(TODAY) == utc(9, 21)


def test_packed_per_hour_buckets_by_store_hour(session, day):
    """Today's packs fall in their Istanbul hours; last week's API pack in its hour."""
    today = metrics.packed_per_hour(session, day.store.id, day.clock, TODAY)
    expected = [0] * 24
    for _package, _picker, _claimed, packed in runs_from_log(logs_at(session, day.store)):
        if day.clock.local(packed).date() == TODAY:
            expected[day.clock.local(packed).hour] += 1
    assert today == expected
    assert today[0] == 1 and today[11] == 1 and today[12] == 1 and today[13] == 1 and sum(today) == 4
    last_week = metrics.packed_per_hour(session, day.store.id, day.clock, TODAY - timedelta(days=7))
    assert last_week[13] == 1 and sum(last_week) == 1


def test_time_to_pack_is_median_and_p90_of_claim_to_pack(session, day):
    """Per store day: the median and nearest-rank 90th percentile of claim -> packed minutes."""
    timings = {t.day: t for t in metrics.time_to_pack(session, day.store.id, day.clock)}
    assert len(timings) == 14 and max(timings) == TODAY
    by_day: dict[date, list[float]] = {}
    for _package, _picker, claimed, packed in runs_from_log(logs_at(session, day.store)):
        if claimed is not None:
            by_day.setdefault(day.clock.local(packed).date(), []).append((packed - claimed).total_seconds() / 60)
    for when, minutes in by_day.items():
        assert timings[when].packages == len(minutes)
        assert timings[when].median_minutes == statistics.median(minutes)
    assert sorted(by_day[TODAY]) == [12, 20, 30, 40]
    assert timings[TODAY].median_minutes == 25 and timings[TODAY].p90_minutes == 40
    assert timings[date(2026, 3, 9)].median_minutes == 15
    # Last week's pack had no claim: it is not timed.
    assert timings[date(2026, 3, 3)].packages == 0 and timings[date(2026, 3, 3)].median_minutes is None


def test_picker_rates_count_packages_units_and_working_hours(session, day):
    """Packages and boxed units per picker today, over first claim to last pack."""
    rates = {rate.username: rate for rate in metrics.picker_rates(session, day.store.id, day.clock)}
    assert set(rates) == {"ayşe", "mehmet"}
    # ayşe: claimed 21:10 UTC (00:10 local), last pack 10:40 UTC -> 13.5 h, 2 packages, 2 units.
    assert (rates["ayşe"].packages, rates["ayşe"].units, rates["ayşe"].hours) == (2, 2, 13.5)
    # mehmet: 08:00 -> 09:12 UTC = 1.2 h; the two-unit package and the shipped one.
    assert (rates["mehmet"].packages, rates["mehmet"].units) == (2, 3)
    assert rates["mehmet"].hours == pytest.approx(1.2)
    assert rates["mehmet"].packages_per_hour == pytest.approx(2 / 1.2)
    runs = [r for r in runs_from_log(logs_at(session, day.store)) if day.clock.local(r[3]).date() == TODAY]
    assert sum(rate.packages for rate in rates.values()) == len(runs)


def test_reasons_count_refusals_and_out_of_stock_units(session, day):
    """The refusal's denial reason (packages) and the out-of-stock mark (units), in the asked language."""
    found = metrics.reasons(session, day.store.id, day.clock, "tr-tr")
    assert [(r.kind, r.reason, r.count) for r in found] == [
        ("refused", "Ürün hasarlı", 1),
        ("out_of_stock", metrics.OUT_OF_STOCK_DEFAULT, 1),
    ]


def test_report_lists_each_pack_with_its_picker_times_units_and_carrier(session, day):
    """Who packed what today: one row per pack log, in store time, filterable by picker."""
    report = metrics.packed_report(session, day.store.id, day.clock, TODAY, TODAY)
    expected = [r for r in runs_from_log(logs_at(session, day.store)) if day.clock.local(r[3]).date() == TODAY]
    assert report.total == len(report.rows) == len(expected) == 4
    assert [row.package_id for row in report.rows] == [r[0] for r in expected]
    first = report.rows[0]
    assert first.package_number == day.packages["after_midnight"].number
    assert first.picker == "ayşe" and first.minutes == 20 and first.units == 1 and first.boxes == 1
    assert first.packed.utcoffset() == timedelta(hours=3) and first.packed.strftime("%H:%M") == "00:30"
    assert first.carrier == "Test Cargo"
    two_units = next(row for row in report.rows if row.package_number == day.packages["two_units"].number)
    assert two_units.units == 2 and two_units.minutes == 12
    mehmets = metrics.packed_report(session, day.store.id, day.clock, TODAY, TODAY, picker_id=day.mehmet.id)
    assert {row.picker for row in mehmets.rows} == {"mehmet"} and mehmets.total == 2
    week = metrics.packed_report(session, day.store.id, day.clock, date(2026, 3, 3), TODAY, limit=2, offset=4)
    assert week.total == 6 and len(week.rows) == 2
    assert week.rows[-1].package_number == day.packages["printed"].number


def test_an_unknown_time_zone_is_refused():
    """A store's zone must be an IANA name; the default fills in when it has none."""
    assert metrics.time_zone(None, "Europe/Istanbul") == ZoneInfo("Europe/Istanbul")
    with pytest.raises(InvalidParameter):
        metrics.time_zone("Mars/Olympus", "UTC")


def test_charts_draw_the_values_they_are_given():
    """Columns are as tall as their values; bars as long; escaped labels; no style or script."""
    svg = charts.columns(["08", "09"], [charts.Series("Bugün <&>", [2, 4])])
    assert svg.count("<rect") == 2 and "Bugün &lt;&amp;&gt;" in svg
    heights = [float(found) for found in re.findall(r'<rect [^>]*height="([0-9.]+)"', svg)]
    assert heights[1] == pytest.approx(2 * heights[0])
    line = charts.lines(["a", "b", "c"], [charts.Series("m", [1, None, 3])])
    assert line.count("<circle") == 2 and "<polyline" not in line  # a gap breaks the line
    bar = charts.bars(["x", "y"], [charts.Series("n", [1, 3])])
    assert bar.count("<rect") == 2
    for drawn in (svg, line, bar):
        assert "<script" not in drawn and "style=" not in drawn and "<style" not in drawn


def test_one_read_of_recent_runs_gives_every_chart_the_same_numbers(session, day):
    """The page reads 14 days of packs once; each chart computed from them equals its own query."""
    runs = metrics.recent_runs(session, day.store.id, day.clock)
    week_ago = TODAY - timedelta(days=7)
    for when in (TODAY, week_ago):
        assert metrics.packed_per_hour(session, day.store.id, day.clock, when, runs) == metrics.packed_per_hour(
            session, day.store.id, day.clock, when
        )
    assert metrics.time_to_pack(session, day.store.id, day.clock, runs=runs) == metrics.time_to_pack(
        session, day.store.id, day.clock
    )
    assert metrics.picker_rates(session, day.store.id, day.clock, runs) == metrics.picker_rates(
        session, day.store.id, day.clock
    )


def test_an_operator_sets_a_stores_time_zone(app, session):
    """`flask locations time-zone` stores a known zone and refuses an unknown one, changing nothing."""
    store = factories.location(session, erp_code="IZM-1")
    session.commit()
    runner = app.test_cli_runner()
    done = runner.invoke(args=["locations", "time-zone", "IZM-1", "Europe/Istanbul"])
    assert done.exit_code == 0, done.output
    session.refresh(store)
    assert store.time_zone == "Europe/Istanbul"
    refused = runner.invoke(args=["locations", "time-zone", "IZM-1", "Europe/Izmir"])
    assert refused.exit_code != 0 and "not a known time zone" in refused.output
    session.refresh(store)
    assert store.time_zone == "Europe/Istanbul"
    unknown = runner.invoke(args=["locations", "time-zone", "NOPE", "UTC"])
    assert unknown.exit_code != 0 and "Unknown stock location NOPE" in unknown.output
