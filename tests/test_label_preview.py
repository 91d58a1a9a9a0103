"""Seeing a label before printing: a small picture of the stored label, cached by version."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from packing.core import label_preview
from packing.core.shipping import update_shipment_info
from tests import factories


@pytest.fixture
def preview_dir(app, tmp_path):
    app.config["LABEL_PREVIEW_DIR"] = str(tmp_path / "previews")
    return tmp_path / "previews"


def _image(response) -> Image.Image:
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data))


def test_label_picture_is_the_labels_first_page_and_is_cached_by_version(
    client, session, auth, preview_dir, monkeypatch
):
    """label.png is a 240 px wide picture of the 4x6 label with ink on it, kept on disk;
    asked again it comes from the disk without rasterising; a relabel gets a new picture."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    session.commit()
    auth.login(role="lead", location=store)

    image = _image(client.get(f"/documents/packages/{package.id}/label.png"))
    assert image.size == (240, 360)
    assert image.convert("L").getextrema()[0] < 64  # bars and text, not a blank page
    [cached] = list(preview_dir.glob("*.png"))

    def no_rasterising(*_args, **_kwargs):
        raise AssertionError("rasterised again")

    monkeypatch.setattr(label_preview, "render_png", no_rasterising)
    again = client.get(f"/documents/packages/{package.id}/label.png")
    assert again.data == cached.read_bytes()
    assert (
        client.get(
            f"/documents/packages/{package.id}/label.png", headers={"If-None-Match": again.headers["ETag"]}
        ).status_code
        == 304
    )

    monkeypatch.undo()
    update_shipment_info(session, package.id, tracking_number="RELABEL-2")
    session.commit()
    _image(client.get(f"/documents/packages/{package.id}/label.png"))
    assert len(list(preview_dir.glob("*.png"))) == 2


def test_print_room_and_documents_page_show_the_label_pictures(client, session, auth, preview_dir):
    """The print room's rows and the package's documents page show the label's picture; a
    package of another store has none to show (404), nor does one without a shipment."""
    store = factories.location(session)
    package = factories.packed_package(session, at=store)
    waiting = factories.package(session, at=store)
    elsewhere = factories.packed_package(session, at=factories.location(session))
    session.commit()
    auth.login(role="lead", location=store)

    picture = f'src="/documents/packages/{package.id}/label.png"'
    assert picture in client.get("/documents/print-room").text
    assert picture in client.get(f"/documents/packages/{package.id}").text
    assert client.get(f"/documents/packages/{elsewhere.id}/label.png").status_code == 404
    assert client.get(f"/documents/packages/{waiting.id}/label.png").status_code == 404
