"""The station's routes and what their templates are given."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Optional

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from packing.core import boxes, claims, scanning
from packing.core.catalogue import CommandType, PackageStatus, active_items, available_commands
from packing.core.db import transaction
from packing.core.errors import DomainError, ScanRefused
from packing.core.messages import N_
from packing.core.models import DenialReason, Package, Transition
from packing.core.parsing import is_ascii_int, optional_id, parse_id, parse_int
from packing.core.scanning import ITEMS, REASON, STATION_COMMANDS
from packing.extensions import db
from packing.i18n import catalogue_locale, current_locale, error_message
from packing.i18n import gettext as _
from packing.station import bp
from packing.web import (
    check_package_at_my_location,
    open_for_me,
    package_at_my_location,
    render,
    roles_required,
    wants_partial,
)

PACKAGE_CHANGED = "package-changed"
NOT_OFFERED = N_("That command does not apply to this package now.")

# What each answer sounds like at the station (station.js keeps a tone and a vibration per name).
OUTCOMES = {
    "ok": "counted",
    "repeated": "counted",
    "complete": "complete",
    "undone": "undone",
    scanning.WRONG_ITEM: "wrong-item",
    scanning.OVER_SCAN: "over-scan",
    scanning.CASE_TOO_BIG: "over-scan",
    scanning.UNKNOWN_CODE: "unknown-code",
    "box": "counted",
}
# The icon the result screen shows for the state a package left the picker's hands in.
RESULT_ICONS = {
    PackageStatus.PACKED.value: "done",
    PackageStatus.REQUIRES_REPLAN.value: "stop",
    PackageStatus.PACKAGING_CANCELED.value: "stop",
}


# --- What the templates are given ---------------------------------------------------------


def _offered_commands(package: Package) -> list[tuple[Transition, str]]:
    return [
        (transition, STATION_COMMANDS[transition.command])
        for transition in available_commands(db.session, package)
        if transition.command in STATION_COMMANDS
    ]


def product_label(product) -> str:
    """The product as a picker tells it apart on the shelf: its name and variant (size, colour)."""
    attributes = product.attributes or {}
    variant = [
        _("{label} {value}", label=_(label), value=attributes[key])
        for key, label in (("size", N_("Size")), ("color", N_("Color")), ("colour", N_("Color")))
        if attributes.get(key)
    ]
    return " · ".join([product.name, *variant])


def _set_aside(package: Package) -> list[tuple[object, int, object]]:
    """Items no longer counted here but still linked (marked out of stock, ...): each product
    with how many and the state they are in, so the picker sees what was marked."""
    active = {item.id for item in active_items(package)}
    grouped: dict[tuple[int, int], list] = {}
    for item in package.items:
        if item.id not in active:
            grouped.setdefault((item.order_item.product_id, item.state_id), []).append(item)
    return [(items[0].order_item.product, len(items), items[0].state) for items in grouped.values()]


def number_text(value: Decimal) -> str:
    """A weight or a dimension without trailing zeros, as the reader writes decimals ("1,25" in Turkish)."""
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if current_locale()[:2] == "tr" else text


def _boxes_context(package: Package, counting_scans: tuple, working: bool) -> dict:
    """The box strip: the store's box types, the package's boxes with their units, the
    current box, and the counted units in no box (Pack waits for them)."""
    if not working:
        return {"box_types": [], "boxes": [], "current_box": None, "unboxed": 0, "number_text": number_text}
    started = package.boxes
    return {
        "box_types": boxes.box_types(db.session, package.stock_location_id),
        "boxes": [(box, len(boxes.units_in(box, package))) for box in started],
        "current_box": started[-1] if started else None,
        "unboxed": scanning.unboxed_units(db.session, package, counting_scans) if started else 0,
        "number_text": number_text,
    }


def _context(package: Package, with_commands: bool = True, counting_scans: Optional[tuple] = None, **extra) -> dict:
    if counting_scans is None:
        counting_scans = tuple(scanning.live_scans(db.session, package))
    counts = scanning.product_counts(db.session, package, counting_scans)
    is_open = claims.is_open(package)
    may_act = claims.may_act(current_user, package)
    box_context = _boxes_context(package, counting_scans, is_open and may_act)
    context = dict(
        package=package,
        counts=counts,
        expected=sum(count.expected for count in counts),
        scanned=sum(count.scanned for count in counts),
        gate_open=scanning.pack_gate_open(counts) and not box_context["unboxed"],
        is_open=is_open,
        may_act=may_act,
        result_icon=RESULT_ICONS.get(package.state.enum_value, "info"),
        set_aside=_set_aside(package),
        product_label=product_label,
        commands=_offered_commands(package) if with_commands and is_open else [],
        client_scan_id=_new_client_scan_id(),
        locale=catalogue_locale(),
        scan_result=None,
        panel=None,
        command_error=None,
        notice=None,
        **box_context,
    )
    context.update(extra)
    return context


def _new_client_scan_id() -> str:
    """For forms posted without JavaScript; station.js makes its own per scan."""
    return uuid.uuid4().hex


def _panel(
    package: Package,
    transition: Transition,
    chosen: Optional[set[int]] = None,
    mark_unscanned: bool = False,
    chosen_reason: str = "",
) -> dict:
    """What a command's panel shows. Nothing is ticked to start with: a choice is the
    picker's ("mark all unscanned" ticks the units not scanned in one tap)."""
    kind = STATION_COMMANDS.get(transition.command)
    panel = {"transition": transition, "kind": kind, "chosen_reason": chosen_reason}
    if kind == REASON:
        panel["reasons"] = list(
            db.session.scalars(
                select(DenialReason)
                .where(DenialReason.is_active.is_(True))
                .order_by(DenialReason.priority, DenialReason.id)
            )
        )
    if kind == ITEMS:
        unscanned = {item.id for item in scanning.unscanned_items(db.session, package)}
        if chosen is None:
            chosen = set(unscanned) if mark_unscanned else set()
        panel["items"] = active_items(package)
        panel["chosen"] = chosen
        panel["unscanned"] = unscanned
        panel["offers_mark_unscanned"] = transition.command == CommandType.OUT_OF_STOCK and bool(unscanned)
    return panel


def _station_response(package: Package, status: int = 200, **extra):
    return render("station/package.html", partial="station/_station.html", status=status, **_context(package, **extra))


def _station_transition(transition_id: int) -> Transition:
    """A command the station knows; whether it may run now is the domain's call."""
    transition = db.session.get(Transition, transition_id)
    if transition is None or transition.command not in STATION_COMMANDS:
        abort(404)
    return transition


def _panel_or_error(package: Package, transition_id: int) -> dict:
    transition = _station_transition(transition_id)
    if not claims.may_act(current_user, package) or not _is_offered(package, transition):
        return {"command_error": _(NOT_OFFERED)}
    return {"panel": _panel(package, transition, mark_unscanned=request.args.get("mark") == "unscanned")}


# --- Routes -------------------------------------------------------------------------------


@bp.route("/packages/<int:package_id>")
@roles_required("picker", "lead")
def package(package_id: int):
    found = package_at_my_location(package_id)
    command = optional_id(request.args.get("command"), "command")
    return _station_response(found, **(_panel_or_error(found, command) if command is not None else {}))


@bp.route("/packages/<int:package_id>/open", methods=["POST"])
@roles_required("picker", "lead")
def open_package(package_id: int):
    return open_for_me(package_at_my_location(package_id))


@bp.route("/packages/<int:package_id>/scans", methods=["POST"])
@roles_required("picker", "lead")
def scan(package_id: int):
    check_package_at_my_location(package_id)
    code = request.form.get("barcode", "")[:200]
    return _scan_answer(
        package_id,
        lambda: scanning.record_scan(
            db.session, package_id, code, request.form.get("client_scan_id", ""), current_user
        ),
    )


@bp.route("/packages/<int:package_id>/scans/manual", methods=["POST"])
@roles_required("picker", "lead")
def manual_scan(package_id: int):
    check_package_at_my_location(package_id)
    product_id = request.form.get("product", "")
    return _scan_answer(
        package_id,
        lambda: scanning.record_manual(
            db.session,
            package_id,
            parse_id(product_id, "product"),
            request.form.get("client_scan_id", ""),
            current_user,
        ),
    )


@bp.route("/packages/<int:package_id>/scans/undo", methods=["POST"])
@roles_required("picker", "lead")
def undo_scan(package_id: int):
    check_package_at_my_location(package_id)
    return _scan_answer(package_id, lambda: scanning.undo_last_scan(db.session, package_id, current_user))


def _scan_answer(package_id: int, record):
    """Run one scan-domain call in its own transaction and answer with the scan zone.

    A counted scan is rendered before the commit, and a refused one before the rollback, from
    the objects the scan already loaded: reloading them afterwards would double the scan's
    round trips to the database. Should the commit fail, the rendered answer is dropped with
    the error."""
    refused_zone = None
    try:
        with transaction(db.session):
            try:
                outcome = record()
            except ScanRefused as refusal:
                if refusal.package is not None and wants_partial():
                    # Nothing was written, so the package as the refused scan read it is what the
                    # database holds: shown before the rollback expires it, not read again after.
                    result = _refusal(refusal)
                    refused_zone = _scan_zone(refusal.package, refusal.counting_scans, result, refusal.http_status)
                raise
            result = _success(outcome)
            response = _scan_zone(outcome.package, outcome.counting_scans, result, 200) if wants_partial() else None
            if response is not None and outcome.may_change_pack_gate:
                # Only the pack gate depends on the counts: refreshing the commands after
                # every scan would compete with the next scan for the server.
                response.headers["HX-Trigger"] = PACKAGE_CHANGED
    except DomainError as error:
        if refused_zone is not None:
            return refused_zone
        # The rollback expired everything: reloading the package first refreshes the product a
        # refusal names (when the package holds it) in the same trip, not in one of its own.
        package = scanning.load_package(db.session, package_id) if wants_partial() else None
        result = _refusal(error)
        response = _scan_zone(package, None, result, error.http_status) if package is not None else None
    if response is None:
        flash(result["message"], "info" if result["ok"] else "error")
        return redirect(url_for("station.package", package_id=package_id), code=303)
    return response


def _scan_zone(package: Package, counting_scans: Optional[tuple], result: dict, status: int):
    return render(
        "station/_scan_zone.html",
        status=status,
        **_context(package, with_commands=False, counting_scans=counting_scans, scan_result=result),
    )


def _refusal(error: DomainError) -> dict:
    """A refused scan says so in its own words; a product it names is told apart by its variant."""
    if isinstance(error, ScanRefused):
        kind = error.kind
        named = {"name": product_label(error.product)} if error.product is not None else {}
        message = _(error.template, **{**error.values, **named})
    else:
        kind = error.code
        message = _("Not counted: {reason}", reason=error_message(error))
    return {"kind": kind, "ok": False, "message": message, "outcome": OUTCOMES.get(kind, "refused")}


def _success(outcome: scanning.ScanOutcome | boxes.BoxStarted) -> dict:
    if isinstance(outcome, boxes.BoxStarted):
        return _answer("box", _box_started(outcome.box))
    if outcome.repeated:
        return _answer("repeated", _("Already counted: that scan was a repeat."))
    name = product_label(outcome.product)
    if outcome.undone:
        if outcome.units > 1:
            return _answer("undone", _("Last scan taken back: {quantity} × {name}.", quantity=outcome.units, name=name))
        return _answer("undone", _("Last scan taken back."))
    if outcome.units > 1:
        message = _("Counted {quantity} × {name}", quantity=outcome.units, name=name)
    else:
        label = N_("Counted by hand: {name}") if outcome.scan.is_manual else N_("Counted: {name}")
        message = _(label, name=name)
    if outcome.completes:
        return _answer("complete", message + " " + _("Every item is scanned: ready to pack."), outcome.product.id)
    return _answer("ok", message, outcome.product.id)


def _box_started(box) -> str:
    return _("Box {number} ({name}) started: scan its items.", number=box.number, name=box.box_type.name)


def _answer(kind: str, message: str, product_id: Optional[int] = None) -> dict:
    return {"kind": kind, "ok": True, "message": message, "outcome": OUTCOMES[kind], "product": product_id}


# --- Boxes --------------------------------------------------------------------------------


@bp.route("/packages/<int:package_id>/boxes", methods=["POST"])
@roles_required("picker", "lead")
def start_box(package_id: int):
    package_at_my_location(package_id)
    box_type = request.form.get("box_type", "")
    return _box_answer(
        package_id,
        lambda: _box_started(
            scanning.start_box(db.session, package_id, parse_id(box_type, "box_type"), current_user).box
        ),
    )


@bp.route("/packages/<int:package_id>/boxes/<int:number>/weight", methods=["POST"])
@roles_required("picker", "lead")
def box_weight(package_id: int, number: int):
    package_at_my_location(package_id)
    weight = request.form.get("weight", "")[:32]

    def weigh() -> str:
        box = scanning.set_box_weight(db.session, package_id, number, weight, current_user)
        return _("Box {number} weighs {weight} kg.", number=box.number, weight=number_text(box.weight_kg))

    return _box_answer(package_id, weigh)


@bp.route("/packages/<int:package_id>/boxes/unboxed", methods=["POST"])
@roles_required("picker", "lead")
def box_unboxed(package_id: int):
    package_at_my_location(package_id)

    def put_away() -> str:
        box = scanning.box_unboxed_units(db.session, package_id, current_user)
        return _("The units in no box are now in box {number}.", number=box.number)

    return _box_answer(package_id, put_away)


def _box_answer(package_id: int, change):
    """Run one box change in its own transaction and answer with the scan zone (which shows
    the boxes), telling the command bar that the pack gate may have moved."""
    try:
        with transaction(db.session):
            message = change()
        result = {"kind": "box", "ok": True, "message": message, "outcome": OUTCOMES["box"], "product": None}
        status = 200
    except DomainError as error:
        result = {"kind": "box_refused", "ok": False, "message": error_message(error), "outcome": "refused"}
        status = error.http_status
    if not wants_partial():
        flash(result["message"], "info" if result["ok"] else "error")
        return redirect(url_for("station.package", package_id=package_id), code=303)
    package = scanning.load_package(db.session, package_id)
    response = render(
        "station/_scan_zone.html", status=status, **_context(package, with_commands=False, scan_result=result)
    )
    if result["ok"]:
        response.headers["HX-Trigger"] = PACKAGE_CHANGED
    return response


@bp.route("/packages/<int:package_id>/commands")
@roles_required("picker", "lead")
def commands(package_id: int):
    found = package_at_my_location(package_id)
    return render("station/package.html", partial="station/_commands.html", **_context(found))


@bp.route("/packages/<int:package_id>/commands/<int:transition_id>")
@roles_required("picker", "lead")
def command_form(package_id: int, transition_id: int):
    found = package_at_my_location(package_id)
    return render(
        "station/package.html",
        partial="station/_panel.html",
        **_context(found, **_panel_or_error(found, transition_id)),
    )


@bp.route("/packages/<int:package_id>/commands/<int:transition_id>", methods=["POST"])
@roles_required("picker", "lead")
def run_command(package_id: int, transition_id: int):
    check_package_at_my_location(package_id)
    transition = _station_transition(transition_id)
    kind = STATION_COMMANDS.get(transition.command)
    parameters: dict = {}
    if kind == REASON:
        parameters["denial_reason"] = request.form.get("denial_reason", "")
    if kind == ITEMS:
        parameters["package_items"] = request.form.getlist("package_items")
    if request.form.get("keep_panel") and kind in (REASON, ITEMS):
        # Enter in a radio or checkbox submitted the form through its hidden first button:
        # not a Confirm, so the panel is shown again as it was and nothing runs.
        found = package_at_my_location(package_id)
        chosen = {int(i) for i in parameters.get("package_items", []) if is_ascii_int(str(i))}
        offered = claims.may_act(current_user, found) and _is_offered(found, transition)
        panel = (
            _panel(found, transition, chosen, chosen_reason=parameters.get("denial_reason", "")) if offered else None
        )
        return _station_response(found, panel=panel, **({} if panel else {"command_error": _(NOT_OFFERED)}))
    version = request.form.get("version", "")
    try:
        with transaction(db.session):
            result = scanning.run_station_command(
                db.session,
                package_id,
                transition,
                parameters,
                current_user,
                expected_version=parse_int(version, "version", minimum=1) if version else None,
            )
    except DomainError as error:
        db.session.expire_all()
        found = db.session.get(Package, package_id)
        chosen = {int(i) for i in parameters.get("package_items", []) if is_ascii_int(i)}
        panel = (
            _panel(found, transition, chosen) if kind in (REASON, ITEMS) and _is_offered(found, transition) else None
        )
        return _station_response(found, status=error.http_status, command_error=error_message(error), panel=panel)
    notice = _notice(transition, result)
    if not wants_partial():
        flash(notice, "info")
        return redirect(url_for("station.package", package_id=package_id), code=303)
    return _station_response(result.package, notice=notice)


def _is_offered(package: Package, transition: Transition) -> bool:
    return any(offered.id == transition.id for offered, _kind in _offered_commands(package))


def _notice(transition: Transition, result) -> str:
    label = transition.display_label(catalogue_locale())
    state = result.package.state.display_name(catalogue_locale())
    if transition.command == CommandType.SPLIT and result.response:
        return _("Split: the chosen items are now package {number}.", number=result.response["package__number"])
    return _("{command}: done. The package is now {state}.", command=label, state=state)
