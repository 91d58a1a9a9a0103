"""Commands are configuration: ``flask commands add`` creates a transition the API lists and
runs like a built-in one (issue 13, point 9)."""

from __future__ import annotations

from sqlalchemy import select

from packing.core.catalogue import PackageStatus
from packing.core.models import Package, Transition, TransitionLog
from tests import factories

GUIDE_SLUG = "package__complete_packaging__hazırlanıyor__paketlendi"
OMS = "/api/v1/oms/packages/"


def _add(app, *arguments: str):
    return app.test_cli_runner().invoke(args=["commands", "add", *arguments])


def test_an_added_command_runs_through_the_api_like_a_built_in_one(app, integrator, session):
    """The guide's Turkish slug, added with the CLI from Hazırlanıyor to Paketlendi, is offered on a
    preparing package (Turkish label under Accept-Language: tr) and packs it, logged with that slug."""
    added = _add(
        app,
        GUIDE_SLUG,
        "--type",
        "complete_packaging",
        "--from",
        "Hazırlanıyor",
        "--to",
        "500",
        "--label",
        "Pack (configured)",
        "--translation",
        "tr-tr=Paketle (tanımlı)",
    )
    assert added.exit_code == 0, added.output
    assert GUIDE_SLUG in added.output and "200 -> 500" in added.output
    package = factories.package(session, at=integrator.location, status=PackageStatus.PREPARING)
    session.commit()

    offered = integrator.get(f"{OMS}{package.id}/", headers={"Accept-Language": "tr"}).json["commands"]
    assert {"slug": GUIDE_SLUG, "label": "Paketle (tanımlı)"} in [
        {"slug": command["slug"], "label": command["label"]} for command in offered
    ]
    ran = integrator.post(f"{OMS}{package.id}/command/", json={"slug": GUIDE_SLUG})
    assert ran.status_code == 204, ran.json
    session.expire_all()
    log = session.scalar(select(TransitionLog).where(TransitionLog.object_id == package.id))
    assert log.transition.slug == GUIDE_SLUG and log.new_state.enum_value == "500"
    assert {item.state.enum_value for item in session.get(Package, package.id).items} == {"500"}


def test_the_cli_refuses_what_it_cannot_run(app, session):
    """An unknown type, state or a duplicate slug is refused with the reason; nothing is added."""
    before = len(session.scalars(select(Transition)).all())
    unknown_type = _add(app, "package__x", "--type", "TELEPORT", "--from", "100", "--to", "500", "--label", "X")
    assert unknown_type.exit_code != 0 and "TELEPORT is not supported" in unknown_type.output
    unknown_state = _add(
        app, "package__x", "--type", "SHIP_PACKAGE", "--from", "Nowhere", "--to", "600", "--label", "X"
    )
    assert unknown_state.exit_code != 0 and "Nowhere" in unknown_state.output
    duplicate = _add(
        app,
        "package__ready_to_ship__packed-all-items__ready-to-ship",
        "--type",
        "READY_TO_SHIP",
        "--from",
        "500",
        "--to",
        "550",
        "--label",
        "Again",
    )
    assert duplicate.exit_code != 0 and "already" in duplicate.output
    bad_translation = _add(
        app,
        "package__y",
        "--type",
        "SHIP_PACKAGE",
        "--from",
        "500",
        "--to",
        "600",
        "--label",
        "Y",
        "--translation",
        "tr-tr",
    )
    assert bad_translation.exit_code != 0
    session.expire_all()
    assert len(session.scalars(select(Transition)).all()) == before


def test_deactivating_a_command_stops_the_api_running_it(app, integrator, session):
    """flask commands deactivate removes a command from the offer and the API refuses its slug."""
    slug = "package__ready_to_ship__packed-all-items__ready-to-ship"
    assert app.test_cli_runner().invoke(args=["commands", "deactivate", slug]).exit_code == 0
    listing = app.test_cli_runner().invoke(args=["commands", "list"])
    assert f"{slug} [READY_TO_SHIP] 500 -> 550 (inactive)" in listing.output
    package = factories.package(session, at=integrator.location, status=PackageStatus.PACKED)
    session.commit()
    assert slug not in [command["slug"] for command in integrator.get(f"{OMS}{package.id}/").json["commands"]]
    assert integrator.post(f"{OMS}{package.id}/command/", json={"slug": slug}).status_code == 400
