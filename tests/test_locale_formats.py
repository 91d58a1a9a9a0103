"""Dates and times on screens are written by Babel in the user's language, on the store's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import g

from packing.web import store_datetime, store_day_and_clock, store_time_of_day

pytestmark = pytest.mark.sqlite_only

# 06:21 UTC is 09:21 in Istanbul (UTC+3 all year).
MOMENT = datetime(2026, 12, 3, 6, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("tr", ("3.12.2026 09:21", "09:21", "3/12 09:21")),
        ("en", ("12/3/26, 9:21\u202fAM", "9:21\u202fAM", "12/3 9:21\u202fAM")),
    ],
)
def test_moments_are_written_the_users_way_on_the_stores_clock(app, locale, expected):
    """A UTC moment shows in the store's zone, in the order and clock of the user's language."""
    with app.test_request_context():
        g.locale, g.store_zone = locale, ZoneInfo("Europe/Istanbul")
        assert (store_datetime(MOMENT), store_time_of_day(MOMENT), store_day_and_clock(MOMENT)) == expected


def test_a_naive_moment_from_the_database_is_read_as_utc(app):
    """Stored moments carry no zone; they are UTC, so the store's clock adds its offset."""
    with app.test_request_context():
        g.locale, g.store_zone = "tr", ZoneInfo("Europe/Istanbul")
        assert store_time_of_day(MOMENT.replace(tzinfo=None)) == "09:21"
        assert store_datetime(None) == ""
