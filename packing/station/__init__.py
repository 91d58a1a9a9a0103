"""The package screen: scan-to-verify, item counts and the package's commands.

Every route answers htmx with the partial it changed and plain requests with the page
(POST then 303), so the station works without JavaScript, only slower.
"""

from __future__ import annotations

import uuid
from typing import Optional

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from packing.core import scanning
from packing.core.catalogue import OPEN_PACKAGE_STATES, CommandType, active_items, available_commands
from packing.core.db import transaction
from packing.core.errors import DomainError, ScanRefused
from packing.core.messages import N_
from packing.core.models import DenialReason, Package, Role, Transition
from packing.core.parsing import is_ascii_int, optional_id, parse_id, parse_int
from packing.extensions import db
from packing.i18n import catalogue_locale, error_message
from packing.i18n import gettext as _
from packing.web import package_at_my_location, render, roles_required, wants_partial

bp = Blueprint("station", __name__, url_prefix="/station")

# What each command the station offers needs from the picker before it runs.
PLAIN, PACK, REASON, ITEMS = "plain", "pack", "reason", "items"
STATION_COMMANDS = {
    CommandType.PREPARE: PLAIN,
    CommandType.COMPLETE_PACKAGING: PACK,
    CommandType.OUT_OF_STOCK: ITEMS,
    CommandType.SPLIT: ITEMS,
    CommandType.REFUSE: REASON,
    CommandType.RELEASE: PLAIN,
}
PACKAGE_CHANGED = "package-changed"
NOT_OFFERED = N_("That command does not apply to this package now.")

# Every refusal says the scan was not counted, and names the product when it is known.
REFUSALS = {
    scanning.WRONG_ITEM: N_("Wrong item, not counted: {code} is not in this package."),
    scanning.UNKNOWN_CODE: N_("Unknown code, not counted: {code} is not a barcode we know."),
    scanning.NOT_OPEN: N_("Not counted: this package is finished and takes no more scans."),
    scanning.HELD_BY_OTHER: N_("Not counted: another picker is packing this package."),
    scanning.NOT_HELD: N_("Not counted: nobody holds this package now (it is back in the queue). Open it to scan."),
    scanning.NOTHING_TO_UNDO: "There is no scan to undo.",
}
# What each answer sounds like at the station (station.js keeps a tone and a vibration per name).
OUTCOMES = {
    "ok": "counted",
    "repeated": "counted",
    "complete": "complete",
    "undone": "undone",
    scanning.WRONG_ITEM: "wrong-item",
    scanning.OVER_SCAN: "over-scan",
    scanning.UNKNOWN_CODE: "unknown-code",
}
REFUSALS_NAMING_THE_PRODUCT = {
    scanning.WRONG_ITEM: N_("Wrong item, not counted: {name} is not in this package."),
    scanning.OVER_SCAN: N_("Too many, not counted: every {name} is already scanned."),
}


# --- Shared with the queue --------------------------------------------------------------


def claim(package: Package) -> None:
    """Take the package for the signed-in picker: prepare a waiting one, take an open one
    nobody holds. Only the holder scans and runs commands (a lead may step in)."""
    scanning.take_package(db.session, package.id, current_user)


def open_for_me(package: Package):
    """Open a package to work on it: it is claimed, whatever link led here; a refused claim
    is shown, not hidden."""
    try:
        with transaction(db.session):
            claim(package)
    except DomainError as error:
        flash(error_message(error), "error")
    return redirect(url_for("station.package", package_id=package.id), code=303)


# --- What the templates are given ---------------------------------------------------------


def _offered_commands(package: Package) -> list[tuple[Transition, str]]:
    return [
        (transition, STATION_COMMANDS[transition.command])
        for transition in available_commands(db.session, package)
        if transition.command in STATION_COMMANDS
    ]


def _may_act(package: Package) -> bool:
    """The holder acts; a lead or admin may step in for a holder. Nobody acts on a package
    nobody holds: it is opened (claimed) first."""
    if package.holder_id is None:
        return False
    return package.holder_id == current_user.id or current_user.role in (Role.LEAD, Role.ADMIN)


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


def _context(package: Package, with_commands: bool = True, counting_scans: Optional[tuple] = None, **extra) -> dict:
    counts = scanning.product_counts(db.session, package, counting_scans)
    expected = sum(count.expected for count in counts)
    scanned = sum(count.scanned for count in counts)
    is_open = package.state.enum_value in {status.value for status in OPEN_PACKAGE_STATES}
    context = dict(
        package=package,
        counts=counts,
        expected=expected,
        scanned=scanned,
        gate_open=expected > 0 and scanned == expected,
        is_open=is_open,
        may_act=_may_act(package),
        set_aside=_set_aside(package),
        product_label=product_label,
        commands=_offered_commands(package) if with_commands and is_open else [],
        client_scan_id=_new_client_scan_id(),
        locale=catalogue_locale(),
        scan_result=None,
        panel=None,
        command_error=None,
        notice=None,
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
    if not _may_act(package) or not _is_offered(package, transition):
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
    package_at_my_location(package_id)
    code = request.form.get("barcode", "")[:200]
    return _scan_answer(
        package_id,
        code,
        lambda: scanning.record_scan(
            db.session, package_id, code, request.form.get("client_scan_id", ""), current_user
        ),
    )


@bp.route("/packages/<int:package_id>/scans/manual", methods=["POST"])
@roles_required("picker", "lead")
def manual_scan(package_id: int):
    package_at_my_location(package_id)
    product_id = request.form.get("product", "")
    return _scan_answer(
        package_id,
        "",
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
    package_at_my_location(package_id)
    return _scan_answer(package_id, "", lambda: scanning.undo_last_scan(db.session, package_id, current_user))


def _scan_answer(package_id: int, code: str, record):
    """Run one scan-domain call in its own transaction and answer with the scan zone.

    A counted scan is rendered before the commit, from the objects the scan already
    loaded: reloading them after the commit would double the scan's round trips to the
    database. Should the commit fail, the rendered answer is dropped with the error."""
    try:
        with transaction(db.session):
            outcome = record()
            result = _success(outcome)
            response = _scan_zone(package_id, outcome, result, 200) if wants_partial() else None
            if response is not None and outcome.may_change_pack_gate:
                # Only the pack gate depends on the counts: refreshing the commands after
                # every scan would compete with the next scan for the server.
                response.headers["HX-Trigger"] = PACKAGE_CHANGED
    except DomainError as error:
        result = _refusal(error, code)
        response = _scan_zone(package_id, None, result, error.http_status) if wants_partial() else None
    if response is None:
        flash(result["message"], "info" if result["ok"] else "error")
        return redirect(url_for("station.package", package_id=package_id), code=303)
    return response


def _scan_zone(package_id: int, outcome: Optional[scanning.ScanOutcome], result: dict, status: int):
    if outcome is None:
        package, counting_scans = scanning.load_package(db.session, package_id), None
    else:
        package, counting_scans = outcome.package, outcome.counting_scans
    return render(
        "station/_scan_zone.html",
        status=status,
        **_context(package, with_commands=False, counting_scans=counting_scans, scan_result=result),
    )


def _refusal(error: DomainError, code: str) -> dict:
    kind = error.kind if isinstance(error, ScanRefused) else error.code
    product = getattr(error, "product", None)
    if product is not None and kind in REFUSALS_NAMING_THE_PRODUCT:
        message = _(REFUSALS_NAMING_THE_PRODUCT[kind], name=product_label(product))
    elif kind in REFUSALS and (code.strip() or "{code}" not in REFUSALS[kind]):
        message = _(REFUSALS[kind], code=code.strip())
    else:
        message = _("Not counted: {reason}", reason=error_message(error))
    return {"kind": kind, "ok": False, "message": message, "outcome": OUTCOMES.get(kind, "refused")}


def _success(outcome: scanning.ScanOutcome) -> dict:
    if outcome.repeated:
        return _answer("repeated", _("Already counted: that scan was a repeat."))
    if outcome.undone:
        return _answer("undone", _("Last scan taken back."))
    label = N_("Counted by hand: {name}") if outcome.scan.is_manual else N_("Counted: {name}")
    message = _(label, name=product_label(outcome.product))
    if outcome.completes:
        return _answer("complete", message + " " + _("Every item is scanned: ready to pack."), outcome.product.id)
    return _answer("ok", message, outcome.product.id)


def _answer(kind: str, message: str, product_id: Optional[int] = None) -> dict:
    return {"kind": kind, "ok": True, "message": message, "outcome": OUTCOMES[kind], "product": product_id}


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
    package_at_my_location(package_id)
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
        offered = _may_act(found) and _is_offered(found, transition)
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
