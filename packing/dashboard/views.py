"""The lead's dashboard: today's tiles and charts, the packing report and its CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Optional

from flask import Response, abort, request, url_for
from flask_login import current_user
from markupsafe import Markup

from packing.core import charts
from packing.core import dashboard as metrics
from packing.core import queue as queue_filters
from packing.core.catalogue import PackageStatus
from packing.core.errors import InvalidParameter
from packing.core.messages import N_
from packing.core.models import Role, StockLocation
from packing.core.parsing import is_ascii_int
from packing.dashboard import bp
from packing.extensions import db
from packing.i18n import catalogue_locale, ngettext, pgettext
from packing.i18n import gettext as _
from packing.web import render, require_location, roles_required, store_clock, wants_partial

REFRESH_SECONDS = 30
REPORT_PAGE_SIZE = 50
REPORT_MAX_DAYS = 366
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))
MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)
# The hours a chart always shows, so a quiet morning still reads as a working day.
WORKING_HOURS = (8, 20)


def _location() -> StockLocation:
    """The switcher's store, or ``?location=<id>`` when it is one of the user's (404 if not)."""
    wanted = request.args.get("location", "")
    if not wanted:
        return require_location()
    for location in current_user.stock_locations:
        if str(location.id) == wanted:
            return location
    abort(404)


def _scope() -> dict:
    """The query arguments that keep a link on the same store."""
    return {"location": request.args["location"]} if request.args.get("location") else {}


def _day_label(day: date) -> str:
    return f"{day.day} {_(MONTHS[day.month - 1])}"


# --- Tiles ----------------------------------------------------------------------------


class Tile:
    def __init__(self, name: str, label: str, value: int, href: Optional[str], tone: str = "", detail: str = ""):
        self.name, self.label, self.value, self.href, self.tone, self.detail = name, label, value, href, tone, detail


def _tiles(numbers: metrics.Tiles, linked: bool) -> list[Tile]:
    """The day's tiles; ``linked`` when the queue and print room (which show the switcher's
    store) are about this store too."""

    def queue(**args) -> Optional[str]:
        return url_for("queue.index", **args) if linked else None

    holders = ", ".join(f"{holder.username} ({holder.packages})" for holder in numbers.holders)
    return [
        Tile("waiting", _("Waiting"), numbers.waiting, queue(state=PackageStatus.WAITING.value)),
        Tile("overdue", _("Overdue"), numbers.overdue, queue(overdue=1), tone="bad" if numbers.overdue else ""),
        Tile(
            "preparing",
            _("In preparation"),
            numbers.preparing,
            queue(state=PackageStatus.PREPARING.value),
            detail=holders,
        ),
        Tile(
            "packed_today",
            _("Packed today"),
            numbers.packed_today,
            queue(state=queue_filters.ALL, today=PackageStatus.PACKED.value),
            tone="ok",
        ),
        Tile(
            "labels_not_printed",
            _("Labels not printed"),
            numbers.labels_not_printed,
            url_for("documents.print_room") if linked else None,
            tone="warn" if numbers.labels_not_printed else "",
        ),
        Tile(
            "shipped_today",
            _("Shipped today"),
            numbers.shipped_today,
            queue(state=queue_filters.ALL, today=PackageStatus.SHIPPED.value),
        ),
        Tile(
            "refused_today",
            _("Refused today"),
            numbers.refused_today,
            queue(state=queue_filters.ALL, today=PackageStatus.REQUIRES_REPLAN.value),
        ),
        Tile(
            "out_of_stock_today",
            _("Out of stock today"),
            numbers.out_of_stock_today,
            queue(state=queue_filters.ALL, today=PackageStatus.CONTAINS_OUT_OF_STOCK.value),
        ),
    ]


# --- Charts ---------------------------------------------------------------------------


class Chart:
    """An SVG picture and the same numbers as a table (header row, then rows)."""

    def __init__(self, key: str, title: str, svg: Optional[str], header: list[str], rows: list[list], note: str = ""):
        self.key, self.title, self.header, self.rows, self.note = key, title, header, rows, note
        self.svg = Markup(svg) if svg else None


def _per_hour_chart(location: StockLocation, clock: metrics.StoreClock, runs: list) -> Chart:
    today = metrics.packed_per_hour(db.session, location.id, clock, clock.today, runs)
    week_ago = clock.today - timedelta(days=7)
    last_week = metrics.packed_per_hour(db.session, location.id, clock, week_ago, runs)
    busy = [hour for hour in range(24) if today[hour] or last_week[hour]]
    first = min([WORKING_HOURS[0], *busy])
    last = max([WORKING_HOURS[1], *busy])
    hours = list(range(first, last + 1))
    today_name, last_week_name = _("Today"), _("Last {weekday}", weekday=_(WEEKDAYS[clock.today.weekday()]))
    svg = (
        charts.columns(
            [f"{hour:02d}" for hour in hours],
            [
                charts.Series(today_name, [today[h] for h in hours], charts.COLOURS[0]),
                charts.Series(last_week_name, [last_week[h] for h in hours], charts.LAST_WEEK),
            ],
        )
        if busy
        else None
    )
    return Chart(
        "per-hour",
        _("Packed per hour, today and the same day last week"),
        svg,
        [_("Hour"), today_name, last_week_name],
        [[f"{hour:02d}:00", today[hour], last_week[hour]] for hour in hours if today[hour] or last_week[hour]],
    )


def _time_to_pack_chart(location: StockLocation, clock: metrics.StoreClock, runs: list) -> Chart:
    timings = metrics.time_to_pack(db.session, location.id, clock, runs=runs)
    median_name, p90_name = _("Median"), _("90th percentile")
    timed = any(day.packages for day in timings)
    svg = (
        charts.lines(
            [_day_label(day.day) for day in timings],
            [
                charts.Series(median_name, [day.median_minutes for day in timings], charts.COLOURS[0]),
                charts.Series(p90_name, [day.p90_minutes for day in timings], charts.COLOURS[1]),
            ],
        )
        if timed
        else None
    )
    return Chart(
        "time-to-pack",
        _("Minutes from claim to packed, last {days} days", days=len(timings)),
        svg,
        [_("Day"), _("Packages"), median_name, p90_name],
        [
            [
                _day_label(day.day),
                day.packages,
                charts.number(round(day.median_minutes, 1)),
                charts.number(round(day.p90_minutes, 1)),
            ]
            for day in timings
            if day.packages
        ],
    )


def _pickers_chart(location: StockLocation, clock: metrics.StoreClock, runs: list) -> Chart:
    rates = metrics.picker_rates(db.session, location.id, clock, runs)
    packages_name, units_name = _("Packages per hour"), _("Units per hour")
    svg = (
        charts.bars(
            [rate.username for rate in rates],
            [
                charts.Series(packages_name, [rate.packages_per_hour for rate in rates], charts.COLOURS[0]),
                charts.Series(units_name, [rate.units_per_hour for rate in rates], charts.COLOURS[2]),
            ],
        )
        if rates
        else None
    )
    return Chart(
        "pickers",
        _("Per picker today"),
        svg,
        [_("Picker"), _("Packages"), _("Units"), _("Hours"), packages_name, units_name],
        [
            [
                rate.username,
                rate.packages,
                rate.units,
                charts.number(round(rate.hours, 1)),
                charts.number(round(rate.packages_per_hour, 1)),
                charts.number(round(rate.units_per_hour, 1)),
            ]
            for rate in rates
        ],
        note=_("Hours run from a picker's first claim to their last pack today."),
    )


def _reason_label(reason: metrics.ReasonCount) -> str:
    if reason.kind == "refused":
        return _("Refused: {reason}", reason=reason.reason)
    if reason.reason == metrics.OUT_OF_STOCK_DEFAULT:
        return _("Out of stock")
    return _("Out of stock: {reason}", reason=reason.reason)


def _reasons_chart(location: StockLocation, clock: metrics.StoreClock) -> Chart:
    found = metrics.reasons(db.session, location.id, clock, catalogue_locale())
    svg = (
        charts.bars(
            [_reason_label(reason) for reason in found],
            [charts.Series(pgettext("how many", "Count"), [reason.count for reason in found], charts.COLOURS[1])],
        )
        if found
        else None
    )
    return Chart(
        "reasons",
        _("Refusals and out-of-stock marks, last {days} days", days=metrics.HISTORY_DAYS),
        svg,
        [_("Reason"), pgettext("how many", "Count")],
        [
            [
                _reason_label(reason),
                ngettext("{count} package", "{count} packages", reason.count)
                if reason.kind == "refused"
                else ngettext("{count} unit", "{count} units", reason.count),
            ]
            for reason in found
        ],
        note=_("Refusals count packages; out-of-stock marks count units."),
    )


# --- Views ----------------------------------------------------------------------------


@bp.get("/")
@roles_required(Role.LEAD)
def index():
    location = _location()
    clock = store_clock(location)
    runs = metrics.recent_runs(db.session, location.id, clock)  # 14 days: last week's weekday included
    chart_list = [
        _per_hour_chart(location, clock, runs),
        _time_to_pack_chart(location, clock, runs),
        _pickers_chart(location, clock, runs),
        _reasons_chart(location, clock),
    ]
    return render(
        "dashboard/index.html",
        partial="dashboard/_live.html",
        location=location,
        tiles=_tiles(metrics.tiles(db.session, location.id, clock), linked=location.id == require_location().id),
        charts=chart_list,
        updated=clock.local(clock.now),
        zone=str(clock.zone),
        refresh_seconds=REFRESH_SECONDS,
        scope=_scope(),
        is_partial=wants_partial(),
    )


class ReportQuery:
    """The report's filter as asked for, with a message for each part that was not valid."""

    def __init__(self, clock: metrics.StoreClock, pickers: dict[int, str]):
        self.errors: dict[str, str] = {}
        today = clock.today
        self.first = self._day("from", today)
        self.last = self._day("to", today)
        if not self.errors and self.first > self.last:
            self.errors["to"] = _("The last day comes before the first.")
        elif not self.errors and (self.last - self.first).days >= REPORT_MAX_DAYS:
            self.errors["to"] = _("Choose at most {days} days.", days=REPORT_MAX_DAYS)
        if self.errors:
            self.first = self.last = today
        raw_picker = request.args.get("picker", "")
        self.picker_id: Optional[int] = None
        if raw_picker:
            if is_ascii_int(raw_picker) and int(raw_picker) in pickers:
                self.picker_id = int(raw_picker)
            else:
                self.errors["picker"] = _("Choose a picker from the list.")
        page = request.args.get("page", "1")
        self.page = max(1, int(page)) if is_ascii_int(page) and len(page) < 7 else 1

    def _day(self, name: str, default: date) -> date:
        raw = request.args.get(name, "")
        if not raw:
            return default
        try:
            if len(raw) != 10:  # fromisoformat also takes "20261203" and week dates
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.errors[name] = _("Enter a date as YYYY-MM-DD.")
            return default

    def args(self, **changes) -> dict:
        found = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.picker_id is not None:
            found["picker"] = self.picker_id
        return {**_scope(), **found, **changes}


def _report_inputs():
    location = _location()
    clock = store_clock(location)
    people = metrics.location_people(db.session, location.id)
    wanted = ReportQuery(clock, {person.id: person.username for person in people})
    return location, clock, people, wanted


@bp.get("/report")
@roles_required(Role.LEAD)
def report():
    location, clock, people, wanted = _report_inputs()
    found = metrics.packed_report(
        db.session,
        location.id,
        clock,
        wanted.first,
        wanted.last,
        wanted.picker_id,
        limit=REPORT_PAGE_SIZE,
        offset=(wanted.page - 1) * REPORT_PAGE_SIZE,
    )
    return render(
        "dashboard/report.html",
        location=location,
        report=found,
        people=people,
        wanted=wanted,
        pages=max(1, -(-found.total // REPORT_PAGE_SIZE)),
        zone=str(clock.zone),
        scope=_scope(),
        status=400 if wanted.errors else 200,
    )


CSV_HEADER = ("Package", "Order", "Picker", "Claimed", "Packed", "Minutes", "Units", "Boxes", "Carrier")


def _when(moment: Optional[datetime]) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.get("/report.csv")
@roles_required(Role.LEAD)
def report_csv():
    location, clock, _people, wanted = _report_inputs()
    if wanted.errors:  # a download has no form to show the error beside: the error page names it
        field, problem = next(iter(wanted.errors.items()))
        raise InvalidParameter("{name}: {problem}", field, name=field, problem=problem)
    found = metrics.packed_report(db.session, location.id, clock, wanted.first, wanted.last, wanted.picker_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_(name) for name in CSV_HEADER])
    for row in found.rows:
        writer.writerow(
            [
                row.package_number,
                row.order_number,
                row.picker or "",
                _when(row.claimed),
                _when(row.packed),
                "" if row.minutes is None else row.minutes,
                row.units,
                row.boxes,
                row.carrier or "",
            ]
        )
    response = Response(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    filename = f"packed-{location.erp_code}-{wanted.first.isoformat()}-{wanted.last.isoformat()}.csv"
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in filename)
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
