"""The people rules in core (packing/core/users.py): passwords, handed-out passwords,
editing, deactivating and listing users, each refused with its own typed error."""

from __future__ import annotations

import pytest

from packing.core import users
from packing.core.errors import InvalidParameter
from packing.core.models import Role
from tests import factories


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short-pw1", users.PasswordTooShort),
        ("Password123", users.PasswordTooCommon),
        ("qwertyuiop", users.PasswordTooCommon),
        ("galatasaray1", users.PasswordTooCommon),
        ("Ayse.Yilmaz", users.PasswordIsUsername),
    ],
)
def test_each_password_rule_has_its_typed_error(password, error):
    """Too short, a shipped common password (any case) and the username each refuse with their own error."""
    with pytest.raises(error) as raised:
        users.check_password(password, "ayse.yilmaz")
    assert raised.value.field == "password"


def test_a_long_uncommon_password_passes():
    """Ten characters that are neither common nor the username are accepted."""
    users.check_password("kargo-masasi-7", "ayse")


def test_the_shipped_list_is_long_and_holds_only_passwords_the_length_rule_lets_through():
    """The common-password file has thousands of entries, each long enough to need the list."""
    common = users.common_passwords()
    assert len(common) > 5000
    assert min(len(word) for word in common) >= users.MIN_PASSWORD_LENGTH


def test_setting_a_password_applies_the_rules(session):
    """set_password (the CLI's and every screen's way) refuses a common password and keeps the old hash."""
    user = factories.user(session)
    old = user.password_hash
    with pytest.raises(users.PasswordTooCommon):
        users.set_password(user, "password123")
    assert user.password_hash == old


def test_an_issued_user_must_change_the_one_time_password(session):
    """issue_user returns a one-time password that signs in, and flags the change at first sign-in."""
    store = factories.location(session)
    user, password = users.issue_user(session, "new.picker", Role.PICKER, [store.id])
    assert user.must_change_password
    assert [loc.id for loc in user.stock_locations] == [store.id]
    assert users.authenticate(session, "new.picker", password).user is user
    assert users.one_time_password() != password


def test_a_picker_needs_a_stock_location(session):
    """A picker or lead without a stock location is refused; nothing is added."""
    with pytest.raises(InvalidParameter) as raised:
        users.issue_user(session, "nowhere", Role.PICKER, [])
    assert raised.value.field == "location"


def test_a_duplicate_username_is_refused(session):
    """A username is unique."""
    factories.user(session, username="taken")
    with pytest.raises(InvalidParameter):
        users.issue_user(session, "taken", Role.ADMIN, [])


def test_changing_role_or_stores_ends_the_users_sessions(session):
    """update_user changes role and stores and raises the session version; an unchanged save does not."""
    admin = factories.user(session, role=Role.ADMIN)
    picker = factories.user(session)
    other = factories.location(session)
    version = picker.session_version
    users.update_user(session, picker, admin, Role.PICKER, [loc.id for loc in picker.stock_locations])
    assert picker.session_version == version
    users.update_user(session, picker, admin, Role.LEAD, [other.id])
    assert picker.role == Role.LEAD and picker.stock_locations == [other]
    assert picker.session_version == version + 1


def test_an_admin_cannot_demote_or_deactivate_themselves(session):
    """OwnAccountChange guards an admin's own role and active flag."""
    admin = factories.user(session, role=Role.ADMIN)
    with pytest.raises(users.OwnAccountChange):
        users.update_user(session, admin, admin, Role.PICKER, [])
    with pytest.raises(users.OwnAccountChange):
        users.set_active(admin, False, acting=admin)
    assert admin.is_active and admin.role == Role.ADMIN


def test_changing_ones_own_password_checks_the_current_one(session):
    """A wrong current password is refused; the right one sets the new password and clears the flag."""
    user, password = users.issue_user(session, "ali", Role.ADMIN, [])
    with pytest.raises(users.WrongCurrentPassword):
        users.change_own_password(user, "not-it-at-all", "kargo-masasi-7")
    with pytest.raises(users.WeakPassword):
        users.change_own_password(user, password, password)
    users.change_own_password(user, password, "kargo-masasi-7")
    assert not user.must_change_password
    assert users.authenticate(session, "ali", "kargo-masasi-7").user is user


def test_listing_filters_by_search_role_store_and_active(session):
    """list_users narrows by a name fragment, role, stock location and active flag together."""
    store, elsewhere = factories.location(session), factories.location(session)
    ayse = factories.user(session, username="ayse.k", locations=[store])
    factories.user(session, username="ayse.admin", role=Role.ADMIN, locations=[store])
    factories.user(session, username="mehmet", locations=[elsewhere])
    gone = factories.user(session, username="ayse.gone", locations=[store])
    users.set_active(gone, False)
    session.flush()
    assert [u.username for u in users.list_users(session, search="AYSE")] == ["ayse.admin", "ayse.gone", "ayse.k"]
    assert users.list_users(session, search="ayse", role=Role.PICKER, location_id=store.id, active=True) == [ayse]
    assert users.list_users(session, active=False) == [gone]
    assert [u.username for u in users.list_users(session, location_id=elsewhere.id)] == ["mehmet"]
