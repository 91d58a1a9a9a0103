"""The queue's routes: reading the filter from the request, opening the package asked for."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from packing.core import gs1
from packing.core.claims import take_package
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.parsing import parse_int
from packing.core.queue import (
    ALL,
    CLICK_AND_COLLECT,
    OPEN,
    QueueFilter,
    delivery_types,
    find_by_code,
    next_in_queue,
    queue_page,
)
from packing.core.scanning import is_product_code
from packing.extensions import db
from packing.i18n import error_message
from packing.i18n import gettext as _
from packing.queue import bp
from packing.web import (
    home_endpoint,
    id_url,
    open_for_me,
    render,
    require_location,
    roles_required,
    safe_next,
    store_clock,
    wants_partial,
)

# How often the open queue asks for changes; short enough that a claimed package shows
# its holder before a second picker walks to it.
POLL_SECONDS = 5
# A claim can lose a race with another picker's; try the next package this many times.
CLAIM_ATTEMPTS = 5


@bp.record_once
def _home_route(state) -> None:
    """``/`` sends a signed-in user to their home screen, anyone else to sign in."""

    def home():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
        return redirect(url_for(home_endpoint(current_user)))

    state.app.add_url_rule("/", "home", home)


def _filter_from_request(location) -> QueueFilter:
    page = request.args.get("page") or "1"
    # A dashboard tile's narrowing: overdue now, or entered a state during the store's day.
    overdue = request.args.get("overdue") == "1"
    entered = request.args.get("today", "")[:16]
    clock = store_clock(location) if overdue or entered else None
    return QueueFilter(
        state=request.args.get("state", OPEN)[:16],
        delivery=request.args.get("delivery", "")[:32],
        search=request.args.get("q", "")[:64],
        page=parse_int(page, "page", minimum=1, maximum=1_000_000),
        overdue_at=clock.now if clock and overdue else None,
        entered=entered,
        entered_between=clock.days(clock.today, clock.today) if clock and entered else None,
    )


@bp.route("/")
@roles_required("picker", "lead")
def index():
    location = require_location()
    wanted = _filter_from_request(location)
    return render(
        "queue/index.html",
        partial="queue/_list.html",
        listing=queue_page(db.session, location.id, wanted),
        wanted=wanted,
        deliveries=[] if wants_partial() else delivery_types(db.session, location.id),
        open_filter=OPEN,
        all_filter=ALL,
        click_and_collect=CLICK_AND_COLLECT,
        poll_seconds=POLL_SECONDS,
        package_url=id_url("station.package", "package_id"),
        open_url=id_url("station.open_package", "package_id"),
    )


@bp.route("/scan", methods=["POST"])
@roles_required("picker", "lead")
def scan():
    """A scanned package or order number: open that package here (claiming it if waiting)."""
    location = require_location()
    code = request.form.get("code", "")[:64]
    back = safe_next(request.form.get("back"), url_for("queue.index"))
    try:
        label = gs1.parse(code.strip())
    except DomainError as error:
        flash(error_message(error), "error")
        return redirect(back, code=303)
    # A GS1 code opens the package its SSCC labels; its GTIN names an item.
    package = find_by_code(db.session, location.id, label.sscc if label and label.sscc else code, current_user)
    if package is None:
        # Said where the scan was made (a result screen sends ``back``), and loudly: not counted.
        if is_product_code(db.session, code.strip()) or (label and label.gtin):
            flash(
                _(
                    "{code} is an item, not a package: not counted. Open a package to scan its items.",
                    code=code.strip(),
                ),
                "error",
            )
        else:
            flash(_("No package or order {code} at this store.", code=code.strip()), "error")
        return redirect(back, code=303)
    return open_for_me(package)


@bp.route("/next", methods=["POST"])
@roles_required("picker", "lead")
def open_next():
    """Claim the next package in the queue and open it."""
    location = require_location()
    tried: tuple[int, ...] = ()
    for _attempt in range(CLAIM_ATTEMPTS):
        package = next_in_queue(db.session, location.id, current_user, skip=tried)
        if package is None:
            break
        try:
            with transaction(db.session):
                take_package(db.session, package.id, current_user)
        except DomainError:
            tried += (package.id,)
            continue
        return redirect(url_for("station.package", package_id=package.id), code=303)
    flash(_("No packages are waiting. Well done!"), "info")
    return redirect(url_for("queue.index"), code=303)
