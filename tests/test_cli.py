"""The command line: user creation and package import, as an operator runs them (seed-demo's
own test is in test_dashboard_demo.py)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from packing.core.models import Package, User
from tests import factories

REFERENCE = Path(__file__).parent / "data" / "reference_package_list.json"


def test_users_create_hashes_the_password_and_binds_the_location(app, session):
    """users create stores a hash, never the password, and binds the user to the location."""
    store = factories.location(session, erp_code="IST-1")
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "create", "ayse", "--role", "picker", "--location", "IST-1", "--password", "s3cret-pass"]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "ayse"))
    assert user.password_hash != "s3cret-pass"
    assert check_password_hash(user.password_hash, "s3cret-pass")
    assert [loc.id for loc in user.stock_locations] == [store.id]


def test_users_create_prompts_for_a_missing_password(app, session):
    """Without --password the command asks twice, hidden, and uses the answer."""
    factories.location(session, erp_code="IST-2")
    session.commit()
    result = app.test_cli_runner().invoke(
        args=["users", "create", "mehmet", "--role", "lead", "--location", "IST-2"],
        input="long-enough-1\nlong-enough-1\n",
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "mehmet"))
    assert check_password_hash(user.password_hash, "long-enough-1")


def test_users_create_refuses_an_unknown_location(app, session):
    """An unknown ERP code is a clear error and creates no user."""
    result = app.test_cli_runner().invoke(
        args=["users", "create", "nobody", "--role", "picker", "--location", "NOPE", "--password", "long-enough-1"]
    )
    assert result.exit_code != 0
    assert "Unknown stock location NOPE" in result.output
    assert session.scalar(select(User).where(User.username == "nobody")) is None


def test_packages_import_reads_a_file_and_stdin(app, session):
    """packages import loads a file, and the same document from stdin updates it."""
    runner = app.test_cli_runner()
    from_file = runner.invoke(args=["packages", "import", "--create-locations", str(REFERENCE)])
    assert from_file.exit_code == 0, from_file.output
    assert "2 created" in from_file.output
    from_stdin = runner.invoke(args=["packages", "import", "-"], input=REFERENCE.read_text())
    assert from_stdin.exit_code == 0, from_stdin.output
    assert "2 updated" in from_stdin.output
    assert session.scalar(select(func.count(Package.id))) == 2


def test_packages_import_reports_bad_json_and_writes_nothing(app, session, tmp_path):
    """Broken JSON is reported as such, and nothing is written."""
    broken = tmp_path / "broken.json"
    broken.write_text('{"results": [')
    result = app.test_cli_runner().invoke(args=["packages", "import", str(broken)])
    assert result.exit_code != 0
    assert "Not valid JSON" in result.output
    assert session.scalar(select(func.count(Package.id))) == 0
