"""The admin screens' routes, the own-password page, and the two hooks every request passes:
a handed-out password is changed before anything else, and refused sign-ins are logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from packing.admin import bp, imports
from packing.admin.forms import (
    ActionForm,
    CarrierForm,
    CaseBarcodeForm,
    EditUserForm,
    ImportForm,
    LocationForm,
    PasswordForm,
    UserForm,
)
from packing.admin.throttling import unlock_sign_in
from packing.core import audit, case_barcodes, stores, users
from packing.core.db import transaction
from packing.core.errors import DomainError
from packing.core.importer import package_nodes, read_document
from packing.core.models import ImportRun, Role, State, Transition, User
from packing.core.parsing import optional_id
from packing.core.scanning import MAX_CODE_LENGTH, STATION_COMMANDS
from packing.core.shipping import PARCEL_TRACKING_CHOICES
from packing.extensions import db
from packing.i18n import catalogue_locale, error_message
from packing.i18n import gettext as _
from packing.web import client_ip, render, roles_required

AUDIT_PER_PAGE = 50
IMPORTS_LISTED = 50
# How far back refused sign-ins are looked up to find the addresses a name is paused at.
UNLOCK_LOOKBACK = timedelta(days=1)
# A throttled address is written to the audit log once this often, however fast it keeps
# trying: its 429s cost it nothing, and each would otherwise be a row. Refused (401) sign-ins
# are bounded by the throttle itself and are all written.
THROTTLED_AUDIT_INTERVAL = timedelta(minutes=1)
# Where a user who must change their password may still go.
OPEN_DURING_PASSWORD_CHANGE = {"static", "admin.change_password", "auth.logout", "auth.login", "auth.choose_language"}


# --- Hooks ---------------------------------------------------------------------------------


@bp.before_app_request
def _password_change_first():
    if request.endpoint in OPEN_DURING_PASSWORD_CHANGE or request.path.startswith("/api/"):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("admin.change_password"), code=303)
    return None


@bp.after_app_request
def _log_refused_sign_ins(response):
    """401 is a wrong name or password, 429 Flask-Limiter's pause (packing/auth)."""
    if request.endpoint != "auth.login" or request.method != "POST" or response.status_code not in (401, 429):
        return response
    throttled = response.status_code == 429
    if throttled and audit.throttled_since(db.session, client_ip(), datetime.now(UTC) - THROTTLED_AUDIT_INTERVAL):
        return response
    username = request.form.get("username", "").strip()[:64]
    user_id = db.session.scalar(select(User.id).where(User.username == username)) if username else None
    action = audit.SIGN_IN_LOCKED if throttled else audit.SIGN_IN_FAILED
    with transaction(db.session):
        audit.record(
            db.session,
            None,
            action,
            target_type="user",
            target_id=user_id,
            target_label=username,
            remote_addr=client_ip(),
            actor_name=username,
        )
    return response


# --- Own password --------------------------------------------------------------------------


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if form.password.data != form.confirm.data:
            form.confirm.errors.append(_("The two new passwords differ."))
        else:
            try:
                with transaction(db.session):
                    users.change_own_password(current_user, form.current_password.data, form.password.data)
                    audit.record(
                        db.session,
                        current_user,
                        "user.password_changed",
                        target_type="user",
                        target_id=current_user.id,
                        target_label=current_user.username,
                        remote_addr=client_ip(),
                    )
            except DomainError as error:
                form.show_error(error)
            else:
                # The new password ended every session, this one too: sign in with it.
                flash(_("Password changed. Sign in with your new password."), "info")
                return redirect(url_for("auth.login"), code=303)
    status = 400 if form.errors or form.form_errors else 200
    return render("admin/password.html", form=form, status=status)


# --- Users ---------------------------------------------------------------------------------


def _location_choices() -> list[tuple[int, str]]:
    return [(loc.id, f"{loc.name} ({loc.erp_code})") for loc in stores.list_locations(db.session)]


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _record_user(action: str, user: User, before: dict | None = None, after: dict | None = None) -> None:
    before, after = audit.changes(before or {}, after or {})
    audit.record(
        db.session,
        current_user,
        action,
        target_type="user",
        target_id=user.id,
        target_label=user.username,
        before=before,
        after=after,
        remote_addr=client_ip(),
    )


@bp.route("/admin/users", methods=["GET"])
@roles_required(Role.ADMIN)
def users_index():
    args = request.args
    active = {"yes": True, "no": False}.get(args.get("active", ""))
    role = args.get("role") if args.get("role") in Role.ALL else None
    location_id = optional_id(args.get("location"), "location")
    search = args.get("q", "")[:64]
    found = users.list_users(db.session, search, role, location_id, active)
    filters = {"q": search, "role": role or "", "location": location_id, "active": args.get("active", "")}
    return render(
        "admin/users.html",
        partial="admin/_users_table.html",
        users=found,
        filters=filters,
        locations=_location_choices(),
        action_form=ActionForm(),
    )


def _issued_page(user: User, password: str):
    response = render("admin/issued.html", user=user, password=password)
    response.headers["Cache-Control"] = "no-store"  # the password must not outlive this page
    return response


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_create():
    form = UserForm()
    form.locations.choices = _location_choices()
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                user, password = users.issue_user(
                    db.session, form.username.data, form.role.data, form.locations.data or []
                )
                _record_user("user.created", user, {}, users.snapshot(user))
        except DomainError as error:
            form.show_error(error)
        else:
            return _issued_page(user, password)
    return render("admin/user_form.html", form=form, user=None, status=400 if request.method == "POST" else 200)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_edit(user_id: int):
    user = _user_or_404(user_id)
    form = EditUserForm(obj=None if request.method == "POST" else user)
    form.locations.choices = _location_choices()
    if request.method == "GET":
        form.locations.data = [loc.id for loc in user.stock_locations]
    elif form.validate_on_submit():
        before = users.snapshot(user)
        try:
            with transaction(db.session):
                users.update_user(db.session, user, current_user, form.role.data, form.locations.data or [])
                _record_user("user.updated", user, before, users.snapshot(user))
        except DomainError as error:
            form.show_error(error)
        else:
            flash(_("User {username} saved.", username=user.username), "info")
            return redirect(url_for("admin.users_index"), code=303)
    status = 400 if request.method == "POST" else 200
    return render("admin/user_form.html", form=form, user=user, action_form=ActionForm(), status=status)


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def user_set_active(user_id: int):
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    before = users.snapshot(user)
    try:
        with transaction(db.session):
            users.set_active(user, active, acting=current_user)
            _record_user("user.reactivated" if active else "user.deactivated", user, before, users.snapshot(user))
    except DomainError as error:
        flash(error_message(error), "error")
    else:
        if active:
            flash(_("User {username} reactivated.", username=user.username), "info")
        else:
            flash(_("User {username} deactivated; their sessions ended.", username=user.username), "info")
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def user_reset_password(user_id: int):
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    with transaction(db.session):
        password = users.reset_password(user)
        _record_user("user.password_reset", user)
    return _issued_page(user, password)


@bp.route("/admin/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(Role.ADMIN)
def user_unlock(user_id: int):
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    since = datetime.now(UTC) - UNLOCK_LOOKBACK
    addresses = audit.sign_in_addresses(db.session, user.username, since)
    unlock_sign_in(user.username, addresses)
    with transaction(db.session):
        _record_user("user.unlocked", user, {}, {"addresses": addresses})
    flash(_("Sign-in for {username} unlocked.", username=user.username), "info")
    return redirect(url_for("admin.user_edit", user_id=user.id), code=303)


# --- Stock locations -----------------------------------------------------------------------


def _carrier_choices(include_id: int | None = None) -> list[tuple[str, str]]:
    carriers = [
        carrier for carrier in stores.list_carriers(db.session) if carrier.is_active or carrier.id == include_id
    ]
    return [("", _("None"))] + [(str(carrier.id), f"{carrier.name} ({carrier.erp_code})") for carrier in carriers]


def _location_or_404(location_id: int):
    try:
        return stores.get_location(db.session, location_id)
    except DomainError:
        abort(404)


def _record(action: str, kind: str, target, label: str, before: dict, after: dict) -> None:
    before, after = audit.changes(before, after)
    audit.record(
        db.session,
        current_user,
        action,
        target_type=kind,
        target_id=target.id,
        target_label=label,
        before=before,
        after=after,
        remote_addr=client_ip(),
    )


@bp.route("/admin/locations", methods=["GET"])
@roles_required(Role.ADMIN)
def locations_index():
    return render("admin/locations.html", locations=stores.list_locations(db.session), action_form=ActionForm())


def _location_fields(form: LocationForm) -> stores.LocationFields:
    carrier = form.default_cargo_company_id.data
    return stores.LocationFields(
        name=form.name.data or "",
        erp_code=form.erp_code.data or "",
        stock_location_type=form.stock_location_type.data,
        address_line=form.address_line.data or "",
        postcode=form.postcode.data or "",
        daytime_phone=form.daytime_phone.data or "",
        email=form.email.data or "",
        time_zone=form.time_zone.data or "",
        default_cargo_company_id=int(carrier) if carrier else None,
        priority=form.priority.data if form.priority.data is not None else 10,
        use_as_shipper_location=bool(form.use_as_shipper_location.data),
    )


def _fill_location_form(form: LocationForm, location) -> None:
    form.name.data, form.erp_code.data = location.name, location.erp_code
    form.stock_location_type.data = location.stock_location_type
    form.address_line.data = location.address.line if location.address else ""
    form.postcode.data = (location.address.postcode or "") if location.address else ""
    form.daytime_phone.data, form.email.data = location.daytime_phone, location.email
    form.time_zone.data = location.time_zone or ""
    form.default_cargo_company_id.data = str(location.default_cargo_company_id or "")
    form.priority.data = location.priority
    form.use_as_shipper_location.data = location.use_as_shipper_location


@bp.route("/admin/locations/new", methods=["GET", "POST"])
@bp.route("/admin/locations/<int:location_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def location_form(location_id: int | None = None):
    location = _location_or_404(location_id) if location_id is not None else None
    form = LocationForm()
    form.default_cargo_company_id.choices = _carrier_choices(location.default_cargo_company_id if location else None)
    if request.method == "GET":
        if location is not None:
            _fill_location_form(form, location)
        else:
            form.priority.data, form.use_as_shipper_location.data = 10, True
        return render("admin/location_form.html", form=form, location=location)
    if form.validate_on_submit():
        before = stores.location_snapshot(location) if location else {}
        try:
            with transaction(db.session):
                saved = stores.save_location(db.session, _location_fields(form), location)
                action = "location.updated" if location else "location.created"
                _record(action, "location", saved, saved.erp_code, before, stores.location_snapshot(saved))
        except DomainError as error:
            form.show_error(error)
        else:
            flash(_("Stock location {name} saved.", name=saved.name), "info")
            return redirect(url_for("admin.locations_index"), code=303)
    return render("admin/location_form.html", form=form, location=location, status=400)


@bp.route("/admin/locations/<int:location_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def location_set_active(location_id: int):
    return _set_active(_location_or_404(location_id), "location", stores.location_snapshot, "admin.locations_index")


# --- Carriers ------------------------------------------------------------------------------


def _carrier_or_404(carrier_id: int):
    try:
        return stores.get_carrier(db.session, carrier_id)
    except DomainError:
        abort(404)


@bp.route("/admin/carriers", methods=["GET"])
@roles_required(Role.ADMIN)
def carriers_index():
    return render("admin/carriers.html", carriers=stores.list_carriers(db.session), action_form=ActionForm())


@bp.route("/admin/carriers/new", methods=["GET", "POST"])
@bp.route("/admin/carriers/<int:carrier_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def carrier_form(carrier_id: int | None = None):
    carrier = _carrier_or_404(carrier_id) if carrier_id is not None else None
    form = CarrierForm(obj=carrier if request.method == "GET" else None)
    form.parcel_tracking.choices = [(mode, _(label)) for mode, label in PARCEL_TRACKING_CHOICES]
    if request.method == "GET":
        if carrier is not None:
            form.uuid.data = carrier.uuid or ""
        return render("admin/carrier_form.html", form=form, carrier=carrier)
    if form.validate_on_submit():
        before = stores.carrier_snapshot(carrier) if carrier else {}
        fields = stores.CarrierFields(
            name=form.name.data or "",
            erp_code=form.erp_code.data or "",
            uuid=form.uuid.data or "",
            tracking_url_template=form.tracking_url_template.data or "",
            label_format=form.label_format.data,
            label_size=form.label_size.data,
            label_dpi=form.label_dpi.data,
            parcel_tracking=form.parcel_tracking.data,
            uses_sscc=bool(form.uses_sscc.data),
        )
        try:
            with transaction(db.session):
                saved = stores.save_carrier(db.session, fields, carrier)
                action = "carrier.updated" if carrier else "carrier.created"
                _record(action, "carrier", saved, saved.erp_code, before, stores.carrier_snapshot(saved))
        except DomainError as error:
            form.show_error(error)
        else:
            flash(_("Carrier {name} saved.", name=saved.name), "info")
            return redirect(url_for("admin.carriers_index"), code=303)
    return render("admin/carrier_form.html", form=form, carrier=carrier, status=400)


@bp.route("/admin/carriers/<int:carrier_id>/active", methods=["POST"])
@roles_required(Role.ADMIN)
def carrier_set_active(carrier_id: int):
    return _set_active(_carrier_or_404(carrier_id), "carrier", stores.carrier_snapshot, "admin.carriers_index")


def _set_active(record, kind: str, snapshot, index_endpoint: str):
    """Deactivate or reactivate a stock location or carrier, with its audit entry."""
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    before = snapshot(record)
    with transaction(db.session):
        record.is_active = active
        action = f"{kind}.reactivated" if active else f"{kind}.deactivated"
        _record(action, kind, record, record.erp_code, before, snapshot(record))
    return redirect(url_for(index_endpoint), code=303)


# --- Case barcodes ------------------------------------------------------------------------


def _product_or_404(product_id: int):
    try:
        return case_barcodes.get_product(db.session, product_id)
    except DomainError:
        abort(404)


@bp.route("/admin/products", methods=["GET"])
@roles_required(Role.ADMIN)
def products_index():
    search = request.args.get("q", "")[:MAX_CODE_LENGTH]
    found = case_barcodes.find_products(db.session, search)
    return render(
        "admin/products.html",
        search=search,
        products=found,
        counts=case_barcodes.case_counts(db.session, [product.id for product in found]),
        listed=case_barcodes.PRODUCTS_LISTED,
    )


def _cases_page(product, form: CaseBarcodeForm, status: int = 200):
    return render(
        "admin/product_cases.html",
        product=product,
        cases=case_barcodes.product_cases(db.session, product),
        imported=case_barcodes.imported_barcodes(product),
        form=form,
        action_form=ActionForm(),
        status=status,
    )


@bp.route("/admin/products/<int:product_id>/cases", methods=["GET"])
@roles_required(Role.ADMIN)
def product_cases(product_id: int):
    return _cases_page(_product_or_404(product_id), CaseBarcodeForm())


@bp.route("/admin/products/<int:product_id>/cases", methods=["POST"])
@roles_required(Role.ADMIN)
def product_case_add(product_id: int):
    product = _product_or_404(product_id)
    form = CaseBarcodeForm()
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                added = case_barcodes.add_case(db.session, product, form.barcode.data or "", form.quantity.data)
                _record("product.case_added", "product", product, product.sku, {}, case_barcodes.case_snapshot(added))
        except DomainError as error:
            form.show_error(error)
        else:
            flash(
                _(
                    "Case barcode {barcode} added: one scan counts {units} units.",
                    barcode=added.barcode,
                    units=added.quantity,
                ),
                "info",
            )
            return redirect(url_for("admin.product_cases", product_id=product.id), code=303)
    return _cases_page(product, form, status=400)


@bp.route("/admin/products/<int:product_id>/cases/<int:case_id>/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def product_case_remove(product_id: int, case_id: int):
    product = _product_or_404(product_id)
    try:
        removed = case_barcodes.get_case(db.session, product, case_id)
    except DomainError:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    before = case_barcodes.case_snapshot(removed)
    with transaction(db.session):
        case_barcodes.remove_case(db.session, removed)
        _record("product.case_removed", "product", product, product.sku, before, {})
    flash(_("Case barcode {barcode} removed.", barcode=before["case_barcode"]), "info")
    return redirect(url_for("admin.product_cases", product_id=product.id), code=303)


# --- Commands (read-only) ------------------------------------------------------------------


@bp.route("/admin/commands", methods=["GET"])
@roles_required(Role.ADMIN)
def commands_index():
    transitions = db.session.scalars(
        select(Transition)
        .options(selectinload(Transition.source_state), selectinload(Transition.destination_state))
        .order_by(Transition.position, Transition.id)
    ).all()
    states = db.session.scalars(select(State).order_by(State.enum_class, State.enum_value)).all()
    return render(
        "admin/commands.html",
        transitions=transitions,
        states=states,
        # The station's own list of the command kinds it offers a button for.
        station_commands=set(STATION_COMMANDS),
        locale=catalogue_locale(),
    )


# --- Audit log -----------------------------------------------------------------------------


@bp.route("/admin/audit", methods=["GET"])
@roles_required(Role.ADMIN)
def audit_index():
    args = request.args
    action = args.get("action", "")
    families = sorted({name.split(".")[0] for name in audit.ACTIONS})
    if action not in audit.ACTIONS and action not in families:
        action = ""
    filters = audit.AuditFilter(
        action=action or None,
        actor=args.get("actor", "")[:64],
        target=args.get("target", "")[:200],
        before_id=optional_id(args.get("before"), "before"),
    )
    rows = audit.entries(db.session, filters, limit=AUDIT_PER_PAGE)
    older = rows[-1].id if len(rows) == AUDIT_PER_PAGE else None
    return render(
        "admin/audit.html",
        partial="admin/_audit_table.html",
        rows=rows,
        filters=filters,
        older=older,
        actions=audit.ACTIONS,
        families=families,
    )


# --- Imports -------------------------------------------------------------------------------


def _runs_visible():
    query = select(ImportRun).order_by(ImportRun.id.desc()).limit(IMPORTS_LISTED)
    if current_user.role != Role.ADMIN:
        query = query.where(ImportRun.user_id == current_user.id)
    return db.session.scalars(query).all()


def _run_or_404(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    if run is None or (current_user.role != Role.ADMIN and run.user_id != current_user.id):
        abort(404)
    return run


def _imports_page(form: ImportForm, status: int = 200):
    return render("admin/imports.html", form=form, runs=_runs_visible(), status=status)


@bp.route("/imports/", methods=["GET"])
@roles_required(Role.LEAD)
def imports_index():
    return _imports_page(ImportForm())


@bp.url_value_preprocessor
def _larger_body_for_uploads(endpoint, values) -> None:
    """An export may be larger than MAX_CONTENT_LENGTH. This runs before every before_request
    hook, the first of which (the NUL check, CSRF) reads the form and would refuse it."""
    if endpoint == "admin.imports_upload":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]


@bp.route("/imports/", methods=["POST"])
@roles_required(Role.LEAD)
def imports_upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _imports_page(form, status=400)
    upload = form.document.data
    text = upload.read()
    try:
        total = len(package_nodes(read_document(text)))
    except DomainError as error:
        form.document.errors.append(error.reason)
        return _imports_page(form, status=400)
    allowed = None
    if current_user.role != Role.ADMIN:
        allowed = [location.erp_code for location in current_user.stock_locations]
    with transaction(db.session):
        run = ImportRun(
            user_id=current_user.id,
            username=current_user.username,
            filename=(upload.filename or "")[:255],
            document=text.decode("utf-8"),
            allowed_locations=allowed,
            total=total,
        )
        db.session.add(run)
    imports.run_import(run.id)
    return redirect(url_for("admin.import_run", run_id=run.id), code=303)


@bp.route("/imports/<int:run_id>", methods=["GET"])
@roles_required(Role.LEAD)
def import_run(run_id: int):
    run = _run_or_404(run_id)
    return render("admin/import_run.html", partial="admin/_import_status.html", run=run, counts=imports.progress(run))
