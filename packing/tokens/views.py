"""The API tokens screen's routes."""

from __future__ import annotations

from flask import abort, redirect, url_for

from packing.core.api_tokens import all_locations, create_token, list_tokens, revoke_token
from packing.core.db import transaction
from packing.core.errors import DomainError, NotFound
from packing.core.models import Role, User
from packing.extensions import db
from packing.i18n import error_message
from packing.tokens import bp
from packing.tokens.forms import RevokeForm, TokenForm, token_form
from packing.web import render, roles_required, wants_partial


def _page(form: TokenForm, status: int = 200, issued=None, partial: str | None = None):
    response = render(
        "tokens/index.html",
        partial=partial,
        status=status,
        form=form,
        revoke_form=RevokeForm(),
        tokens=list_tokens(db.session),
        issued=issued,
    )
    if issued is not None:
        response.headers["Cache-Control"] = "no-store"  # the key must not outlive this page
    return response


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    return _page(token_form())


@bp.post("/")
@roles_required(Role.ADMIN)
def create():
    form = token_form()
    if not form.validate_on_submit():
        return _page(form, status=400)
    chosen = set(form.locations.data or [])
    codes = [location.erp_code for location in all_locations(db.session) if location.id in chosen]
    try:
        with transaction(db.session):
            user = db.session.get(User, form.user.data)
            issued = create_token(db.session, user, codes, form.name.data or "")
            shown = {"key": issued.key, "username": user.username}
    except DomainError as error:
        target = form.locations if error.field == "location" else form.name if error.field == "name" else form.user
        target.errors = [*target.errors, error_message(error)]
        return _page(form, status=400)
    # Rendered, not redirected: the key exists only in this response and is never stored.
    return _page(token_form(), status=201, issued=shown)


@bp.post("/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def revoke(token_id: int):
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with transaction(db.session):
            revoke_token(db.session, token_id)
    except NotFound:
        abort(404)
    if wants_partial():
        return _page(token_form(), partial="tokens/_list.html")
    return redirect(url_for("tokens.index"), 303)
