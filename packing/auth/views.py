"""Signing in and out, and the account page's switches."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from packing.auth import bp
from packing.auth.forms import LocaleForm, LocationForm, LoginForm
from packing.core.db import transaction
from packing.core.users import authenticate, end_sessions
from packing.extensions import db, limiter
from packing.i18n import LOCALES, error_message
from packing.i18n import gettext as _
from packing.web import LOCATION_KEY, client_ip, home_endpoint, render, safe_next

logger = logging.getLogger("packing.auth")


def _failed(response) -> bool:
    """Only refused sign-ins count: a picker signing in all day is never throttled."""
    return response.status_code == 401


def _username_at_address() -> str:
    username = request.form.get("username", "").strip()[:64]
    return f"{username}@{client_ip()}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=client_ip, methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"],
    key_func=_username_at_address,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        with transaction(db.session):
            outcome = authenticate(db.session, username, form.password.data)
        if outcome.refusal is not None:
            logger.warning("Sign-in refused for %r from %s", username, client_ip())
            form.password.errors.append(error_message(outcome.refusal))
            return render("auth/login.html", form=form, status=outcome.refusal.http_status)
        user = outcome.user
        session.clear()  # a fresh session on sign-in: no fixation
        login_user(user)
        session.permanent = True  # lives SESSION_IDLE_MINUTES past its last request
        session[LOCATION_KEY] = user.stock_locations[0].id if user.stock_locations else None
        logger.info("Signed in: %s from %s", user.username, client_ip())
        return redirect(safe_next(request.args.get("next"), url_for(home_endpoint(user))), code=303)
    return render("auth/login.html", form=form, status=400 if form.errors else 200)


@bp.route("/language/<chosen>", methods=["GET"])
def choose_language(chosen: str):
    """The sign-in page's language for this browser, until someone signs in (then theirs).
    A link, not a form: it changes only how the page reads, and the sign-in form stays the
    page's one form."""
    if chosen not in LOCALES:
        abort(404)
    session["locale"] = chosen
    return redirect(url_for("auth.login", next=request.args.get("next")), code=303)


@bp.errorhandler(RateLimitExceeded)
def too_many_sign_ins(error: RateLimitExceeded):
    """The form again with the reason; Flask-Limiter adds Retry-After to the answer."""
    logger.warning(
        "Sign-in throttled (%s) for %r from %s", error.limit.limit, request.form.get("username", "")[:64], client_ip()
    )
    form = LoginForm()
    form.password.errors = [_("Too many failed sign-ins. Wait a few minutes and try again.")]
    return render("auth/login.html", form=form, status=429)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    with transaction(db.session):
        end_sessions(current_user)  # a copy of this session's cookie opens nothing now
    logout_user()
    session.clear()
    flash(_("Signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return render("auth/account.html", location_form=_location_form(), locale_form=_locale_form())


def _location_form() -> LocationForm:
    form = LocationForm(location=session.get(LOCATION_KEY))
    form.location.choices = [(loc.id, f"{loc.name} ({loc.erp_code})") for loc in current_user.stock_locations]
    return form


def _locale_form() -> LocaleForm:
    return LocaleForm(locale=current_user.locale)


@bp.route("/location", methods=["POST"])
@login_required
def switch_location():
    form = _location_form()
    if form.validate_on_submit():
        session[LOCATION_KEY] = form.location.data
        return redirect(url_for(home_endpoint(current_user)), code=303)
    return render("auth/account.html", location_form=form, locale_form=_locale_form(), status=400)


@bp.route("/locale", methods=["POST"])
@login_required
def switch_locale():
    form = _locale_form()
    if form.validate_on_submit():
        with transaction(db.session):
            current_user.locale = form.locale.data
        return redirect(safe_next(request.form.get("next"), url_for("auth.account")), code=303)
    return render("auth/account.html", location_form=_location_form(), locale_form=form, status=400)
