"""The issue's round trip: import a package, find it as waiting, pack it by slug, and see
the log and the new state in both the full and the short formats."""

from __future__ import annotations

import json
from pathlib import Path

from packing.core.api_tokens import create_token
from packing.core.db import transaction
from packing.core.importer import import_packages
from packing.core.models import Role
from tests import factories

REFERENCE = json.loads((Path(__file__).parent.parent / "data" / "reference_package_list.json").read_text())
PACK = "package__complete_packaging__waiting__packed-all-items"


def test_import_list_pack_by_slug_and_read_back(client, session):
    """An imported waiting package is listed by state__enum_value=100, packed by slug (204),
    then its transition log and state 500 show in the full and short detail and lists."""
    with transaction(session):
        import_packages(session, REFERENCE, create_locations=True)
        location = factories.location(session, erp_code="1")
        user = factories.user(session, role=Role.LEAD, locations=[location])
        key = create_token(session, user, ["1"], name="OMS").key
    headers = {"Authorization": f"Token {key}"}

    waiting = client.get("/api/v1/oms/packages/?state__enum_value=100", headers=headers)
    assert waiting.status_code == 200
    assert [p["number"] for p in waiting.json["results"]] == ["2236635981212192P1"]
    package = waiting.json["results"][0]
    assert PACK in [command["slug"] for command in package["commands"]]

    ran = client.post(
        f"/api/v1/oms/packages/{package['id']}/command/", json={"slug": PACK, "input_parameters": {}}, headers=headers
    )
    assert ran.status_code == 204, ran.text

    logs = client.get(f"/api/v1/oms/packages/{package['id']}/transition_logs/", headers=headers).json
    assert logs["count"] == 1
    log = logs["results"][0]
    assert (log["old_state"]["enum_value"], log["new_state"]["enum_value"]) == ("100", "500")
    assert log["transition"]["slug"] == PACK and log["user"]["username"] == user.username
    short_log = client.get(
        f"/api/v1/oms/packages/{package['id']}/transition_logs/short/{log['id']}/", headers=headers
    ).json
    assert short_log["new_state"]["enum_value"] == "500" and "object_id" not in short_log

    full = client.get(f"/api/v1/oms/packages/{package['id']}/", headers=headers).json
    short = client.get(f"/api/v1/oms/packages/{package['id']}/short/", headers=headers).json
    assert full["state"]["enum_value"] == short["state"]["enum_value"] == "500"
    assert {item["state"]["enum_value"] for item in full["packageitem_set"]} == {"500"}
    assert PACK not in [command["slug"] for command in full["commands"]]
    short_list = client.get("/api/v1/oms/packages/short/?state__enum_value=500", headers=headers).json
    assert {p["number"] for p in short_list["results"]} == {"2236635981212192P1"}
    assert client.get("/api/v1/oms/packages/?state__enum_value=100", headers=headers).json["count"] == 0
