"""Imports uploaded in the browser: run by the worker all or nothing, progress reported as it
goes, refusals listed with their field paths, the outcome kept; a lead imports only into
their own stores and sees only their own runs. And the CLI's progress bar."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from packing.admin import imports
from packing.core.importer import import_packages
from packing.core.models import ImportRun, Package, Role
from tests import factories
from tests.conftest import csrf_token_from
from tests.import_support import as_upload, export


def _upload(client, document_bytes: bytes, filename: str = "export.json"):
    token = csrf_token_from(client.get("/imports/").text)
    return client.post(
        "/imports/",
        data={"csrf_token": token, "document": (io.BytesIO(document_bytes), filename)},
        content_type="multipart/form-data",
    )


def _packages(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Package))


def test_progress_is_reported_after_each_package(session):
    """import_packages calls progress with packages read, the total and the counts so far."""
    factories.location(session, erp_code="1")
    seen = []
    import_packages(
        session, export(3), progress=lambda read, total, result: seen.append((read, total, len(result.created)))
    )
    assert seen == [(1, 3, 1), (2, 3, 2), (3, 3, 3)]


def test_the_worker_reports_progress_every_few_packages(session, monkeypatch):
    """The worker writes counts to the shared store every PROGRESS_EVERY packages and at the end."""
    factories.location(session, erp_code="1")
    written = []
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(imports.huey, "put", lambda key, value: written.append(value))
    import_packages(session, export(5), progress=lambda read, total, result: imports._report(1, read, total, result))
    assert [value.count('"read"') for value in written] == [1, 1, 1]
    assert '"read": 5' in written[-1] and '"created": 5' in written[-1]


def test_an_admin_uploads_an_export_and_it_lands(client, auth, session):
    """The run is queued, imported by the worker and kept: counts, file name, who; the page shows the bar full."""
    factories.location(session, erp_code="1")
    session.commit()
    auth.login(role="admin")
    response = _upload(client, as_upload(export(40)), "monday.json")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Packages read: 40 of 40" in page.text and 'value="40"' in page.text
    run = session.scalars(select(ImportRun)).one()
    assert (run.status, run.total, run.created, run.filename) == ("done", 40, 40, "monday.json")
    assert run.document == ""
    assert _packages(session) == 40
    assert "monday.json" in client.get("/imports/").text


def test_one_refused_package_and_none_lands(client, auth, session):
    """A broken last package refuses the whole upload; the refusal names its field path."""
    factories.location(session, erp_code="1")
    session.commit()
    auth.login(role="admin")
    document = export(30)
    document["results"][29]["packageitem_set"][0]["order_item"]["product"]["sku"] = ""
    response = _upload(client, as_upload(document))
    page = client.get(response.headers["Location"])
    run = session.scalars(select(ImportRun)).one()
    assert run.status == "failed"
    assert run.refusals[0]["path"].startswith("results[29].packageitem_set[0]")
    assert "results[29]" in page.text and "Refused, nothing imported" in page.text
    assert _packages(session) == 0


def test_a_file_that_is_not_json_is_a_form_error(client, auth, session):
    """An unreadable file is refused on the form and no run is queued."""
    auth.login(role="admin")
    response = _upload(client, b"{not json")
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_an_export_larger_than_other_requests_is_taken(app, client, auth, session):
    """The upload may exceed MAX_CONTENT_LENGTH (up to IMPORT_MAX_BYTES); other forms may not."""
    factories.location(session, erp_code="1")
    session.commit()
    auth.login(role="admin")
    document = as_upload(export(20))
    app.config["MAX_CONTENT_LENGTH"] = len(document) // 2
    assert _upload(client, document).status_code == 303
    assert session.scalars(select(ImportRun)).one().created == 20
    token = csrf_token_from(client.get("/auth/account").text)
    assert (
        client.post("/auth/locale", data={"csrf_token": token, "locale": "en", "pad": "x" * len(document)}).status_code
        == 413
    )


def test_the_upload_needs_the_csrf_token(client, auth, session):
    """The upload is checked for the form's token like every other form."""
    auth.login(role="admin")
    response = client.post(
        "/imports/",
        data={"document": (io.BytesIO(as_upload(export(1))), "x.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_a_lead_imports_only_into_their_stores_and_sees_only_their_runs(app, client, auth, session):
    """A package for another store refuses the lead's upload; another user's run is a 404 to them."""
    mine = factories.location(session, erp_code="MINE-1")
    factories.location(session, erp_code="1")
    session.commit()
    lead = auth.login(role=Role.LEAD, location=mine)
    response = _upload(client, as_upload(export(2, erp_code="1")))
    run = session.scalars(select(ImportRun)).one()
    assert run.status == "failed" and run.refusals[0]["path"] == "results[0].stock_location.erp_code"
    assert run.allowed_locations == ["MINE-1"]
    assert client.get(response.headers["Location"]).status_code == 200
    other = ImportRun(username="someone", status="done", document="")
    session.add(other)
    session.commit()
    assert client.get(f"/imports/{other.id}").status_code == 404
    assert "someone" not in client.get("/imports/").text
    assert lead.username in client.get("/imports/").text


@pytest.mark.parametrize("role", ["picker"])
def test_pickers_cannot_import(client, auth, role):
    """A picker gets 403 on the imports screen."""
    auth.login(role=role)
    assert client.get("/imports/").status_code == 403


def test_the_cli_import_shows_a_bar_and_still_reports(app, session, tmp_path):
    """flask packages import draws its bar on stderr and prints the same summary."""
    factories.location(session, erp_code="1")
    session.commit()
    path = tmp_path / "export.json"
    path.write_bytes(as_upload(export(3)))
    result = app.test_cli_runner().invoke(args=["packages", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Importing" in result.output
    assert "Imported 3 packages: 3 created" in result.output


def test_a_run_is_read_in_the_language_of_whoever_opens_it(client, auth, session):
    """A refusal and a package left as it is are kept as templates with their values, so a
    lead who reads Turkish reads them in Turkish, with the field path and numbers unchanged."""
    factories.location(session, erp_code="1")
    session.commit()
    auth.login(role="admin")
    token = csrf_token_from(client.get("/auth/account").text)
    client.post("/auth/locale", data={"csrf_token": token, "locale": "tr"})
    _upload(client, as_upload(export(1)))
    package = session.scalars(select(Package)).one()
    package.version += 1
    session.commit()
    kept = client.get(_upload(client, as_upload(export(1))).headers["Location"]).text
    assert f"{package.number}</code>: son içe aktarmadan bu yana değişti: şimdi" in kept
    broken = export(2)
    broken["results"][1]["packageitem_set"][0]["order_item"]["product"]["sku"] = ""
    refused = client.get(_upload(client, as_upload(broken)).headers["Location"]).text
    assert "results[1].packageitem_set[0].order_item.product.sku: bu alan boş bırakılamaz." in refused
