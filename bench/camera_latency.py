"""How long the station's camera takes from a code coming into view to the count on screen.

Chromium's fake camera films a looping video (tests/e2e/camera_video.py): code A, nothing,
code B, nothing, 1.2 s each, so every code comes into view afresh, well past the blanking
period. Frames that show a code carry a black corner; a script in the page watches the
video's frames for it (the moment the code is in view) and the station's answers (the
count): each read's latency is the answer's time less its code's arrival.

    python -m bench.camera_latency [--reads 20]

The app runs in-process (werkzeug, SQLite in a temporary directory); in Chromium the
reader is the vendored ZXing WebAssembly ponyfill (Linux Chromium has no BarcodeDetector).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from bench.station_latency import summary
from packing.app import create_app
from packing.core.catalogue import seed_catalogue
from packing.extensions import db
from tests import factories
from tests.e2e.camera_video import MARKER, camera_browser, code_image, write_y4m

CHROMIUM = "/usr/bin/chromium"
SCENE_SECONDS = 1.2

# Times, in the page's clock, when a code came into view (its marker appeared in a frame the
# video presented), when the camera read one, and when the station answered a scan.
WATCH = """
({ marker }) => {
  window.__inView = []; window.__reads = []; window.__answers = [];
  const video = document.querySelector("[data-camera] video");
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let shown = false;
  const look = (now) => {
    context.drawImage(video, 0, 0, marker / 2, marker / 2, 0, 0, 1, 1);
    const dark = context.getImageData(0, 0, 1, 1).data[0] < 128;
    if (dark && !shown) window.__inView.push(now);
    shown = dark;
    video.requestVideoFrameCallback(look);
  };
  video.requestVideoFrameCallback(look);
  document.addEventListener("packing:camera-read", (event) => window.__reads.push(event.detail.at));
  new MutationObserver(() => window.__answers.push(performance.now())).observe(document.documentElement, {
    attributes: true, attributeFilter: ["data-feedback-count"],
  });
}
"""


def build(app, reads: int):
    with app.app_context():
        db.create_all()
        seed_catalogue(db.session)
        store = factories.location(db.session)
        first = factories.product(db.session, barcode="BENCH-CAM-A")
        second = factories.product(db.session, barcode="BENCH-CAM-B")
        units = (reads + 2) // 2 + 1
        package = factories.package(db.session, at=store, products=[first, second] * units)
        picker = factories.user(db.session, locations=[store])
        db.session.commit()
        return package.id, package.number, picker.username


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=20)
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="camera-bench-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.db'}"})
    _package_id, number, username = build(app, options.reads)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    video = write_y4m(
        work / "codes.y4m",
        [
            (code_image("BENCH-CAM-A"), SCENE_SECONDS),
            (None, SCENE_SECONDS),
            (code_image("BENCH-CAM-B"), SCENE_SECONDS),
            (None, SCENE_SECONDS),
        ],
    )
    launch = {"executable_path": CHROMIUM, "headless": True, "args": ["--no-sandbox", "--disable-gpu"]}
    with sync_playwright() as playwright:
        browser = camera_browser(playwright, launch, video)
        context = browser.new_context(viewport={"width": 768, "height": 1024})
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.goto(f"{base}/auth/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        page.locator("#queue-scan").fill(number)
        page.keyboard.press("Enter")
        page.wait_for_selector("#scan-field")
        page.get_by_role("button", name="Camera").click()
        page.wait_for_selector("[data-camera].camera-live")
        page.evaluate(WATCH, {"marker": MARKER})
        # One more answer than reads: the first code may have been in view before the watch began.
        page.wait_for_function(
            f"() => window.__answers.length > {options.reads}", timeout=(options.reads + 5) * 4 * SCENE_SECONDS * 1000
        )
        in_view, reads, answers = page.evaluate("() => [window.__inView, window.__reads, window.__answers]")
        browser.close()
    server.shutdown()
    to_count, to_read = [], []
    for answer in answers:
        arrivals = [moment for moment in in_view if moment <= answer]
        read = [moment for moment in reads if moment <= answer]
        if not arrivals or not read or read[-1] < arrivals[-1]:
            continue  # the code was in view before the watch began
        to_count.append(answer - arrivals[-1])
        to_read.append(read[-1] - arrivals[-1])
    to_count, to_read = to_count[: options.reads], to_read[: options.reads]
    print(summary("code in view -> read by the camera", to_read))
    print(summary("code in view -> count on screen", to_count))


if __name__ == "__main__":
    main()
