"""Times written as each reference writes them, and the guide's ``count=`` page size on
list-simple (issue 13, point 8)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from packing.core.models import Package
from tests import factories

OMS = "/api/v1/oms/packages/"
OMS_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
SELLER_CENTER_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
INTEGRATION_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _ranged(session, integrator):
    package = factories.package(
        session,
        at=integrator.location,
        delivery_range_lower=datetime(2021, 10, 26, 6, tzinfo=UTC),
        delivery_range_upper=datetime(2021, 10, 26, 15, tzinfo=UTC),
    )
    session.commit()
    return package


def test_delivery_ranges_are_written_with_a_plus_0000_offset(integrator, session):
    """delivery-ranges/ and a package's delivery_range write 2021-10-26T06:00:00+0000, as the guide."""
    package = _ranged(session, integrator)
    ranges = integrator.get(f"{OMS}delivery-ranges/").json["results"]
    assert ranges == [{"lower": "2021-10-26T06:00:00+0000", "upper": "2021-10-26T15:00:00+0000", "bounds": "[)"}]
    detail = integrator.get(f"{OMS}{package.id}/").json
    assert detail["delivery_range"]["lower"] == "2021-10-26T06:00:00+0000"


def test_a_listed_bound_filters_even_pasted_unencoded(integrator, session):
    """The bound as listed, with its + encoded or pasted raw into the URL, finds the package."""
    package = _ranged(session, integrator)
    encoded = integrator.get(OMS, query_string={"delivery_range_lower": "2021-10-26T06:00:00+0000"}).json
    raw = integrator.get(f"{OMS}?delivery_range_lower=2021-10-26T06:00:00+0000").json
    assert [p["id"] for p in encoded["results"]] == [p["id"] for p in raw["results"]] == [package.id]


def test_each_surface_writes_times_to_its_reference_precision(integrator, session):
    """OMS to the microsecond, Seller Center to the millisecond, i1 to the second, always in UTC with Z."""
    package = factories.package(session, at=integrator.location)
    session.execute(
        update(Package)
        .where(Package.id == package.id)
        .values(created_date=datetime(2023, 3, 15, 12, 20, 30, tzinfo=UTC))
    )
    session.commit()
    detail = integrator.get(f"{OMS}{package.id}/").json
    assert detail["created_date"] == "2023-03-15T12:20:30.000000Z" and OMS_TIME.match(detail["modified_date"])
    seller = integrator.get("/api/i2/packages/").json["results"][0]
    assert seller["created_at"] == "2023-03-15T12:20:30.000Z" and SELLER_CENTER_TIME.match(seller["updated_at"])
    i1 = integrator.get("/api/i1/packages/", headers={"Content-Type": "application/json"}).json["results"][0]
    assert i1["created_at"] == "2023-03-15T12:20:30Z" and INTEGRATION_TIME.match(i1["updated_at"])


def test_a_listed_time_finds_its_package_again_at_the_written_precision(integrator, session):
    """updated_at=<the value listed> matches though the stored time has more digits; __gt leaves it out."""
    package = factories.package(session, at=integrator.location)
    stored = datetime(2023, 3, 15, 12, 20, 30, 123456, tzinfo=UTC)
    session.execute(update(Package).where(Package.id == package.id).values(modified_date=stored))
    session.commit()
    listed = integrator.get("/api/i2/packages/").json["results"][0]["updated_at"]
    assert listed == "2023-03-15T12:20:30.123Z"
    assert integrator.get("/api/i2/packages/", query_string={"updated_at": listed}).json["count"] == 1
    assert integrator.get("/api/i2/packages/", query_string={"updated_at__gt": listed}).json["count"] == 0
    assert integrator.get("/api/i2/packages/", query_string={"updated_at__lte": listed}).json["count"] == 1
    assert integrator.get("/api/i2/packages/", query_string={"updated_at__lt": listed}).json["count"] == 0
    later = (stored + timedelta(milliseconds=1)).isoformat()
    assert integrator.get("/api/i2/packages/", query_string={"updated_at__gte": later}).json["count"] == 0
    i1 = {"Content-Type": "application/json"}
    assert integrator.get("/api/i1/packages/?updated_at=2023-03-15T12:20:30Z", headers=i1).json["count"] == 1


def test_list_simple_takes_count_as_page_size_and_links_with_it(integrator, session):
    """count=2 gives two rows and links that write count=2, as the guide's example; limit still works."""
    for _ in range(5):
        factories.package(session, at=integrator.location)
    session.commit()
    page = integrator.get(f"{OMS}list-simple/?count=2&page=2").json
    assert len(page["results"]) == 2 and page["count"] == 5
    assert "count=2" in page["next"] and "page=3" in page["next"] and "limit" not in page["next"]
    assert "count=2" in page["previous"] and "limit" not in page["previous"]
    limited = integrator.get(f"{OMS}list-simple/?limit=3").json
    assert len(limited["results"]) == 3 and "limit=3" in limited["next"]
    assert integrator.get(f"{OMS}list-simple/?count=0").status_code == 400
