"""How fast the packing station answers, against gunicorn with 2 workers on a 100k-package
database (2,000 waiting at the picker's store):

* server: the time of a scan (htmx POST) and of the queue page (full and htmx poll), both
  as the app reports it in its ``Server-Timing`` header and as a localhost round trip from
  a Python client (an upper bound: it adds HTTP, gunicorn and the client's own time);
* browser: from the Enter key of a wedge scan to the updated count on screen, in Chromium,
  with the server's share of each scan taken from its ``Server-Timing``.

    python -m bench.station_latency --url postgresql://postgres@127.0.0.1:5432/test_issue3 --fresh

``--fresh`` empties the database first (its schema is dropped!) and builds the dataset with
``bench.dataset``; without it an already built database is reused.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import uuid

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from bench.dataset import PICKER, PICKER_LOCATION, PICKER_PASSWORD, ROOT, build, fresh_schema
from packing.config import database_url
from packing.core.catalogue import PackageStatus
from packing.core.models import OrderItem, Package, PackageItem, Product, State, StockLocation

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
CHROMIUM = "/usr/bin/chromium"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(name: str, millis: list[float]) -> str:
    return (
        f"{name:<44} n={len(millis):>4}  median {statistics.median(millis):6.1f} ms"
        f"  p95 {percentile(millis, 0.95):6.1f} ms  max {max(millis):6.1f} ms"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": uuid.uuid4().hex, "PACKING_ENV": "development"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            requests.get(f"http://127.0.0.1:{port}/auth/login", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def sign_in(base: str) -> requests.Session:
    client = requests.Session()
    token = CSRF.search(client.get(f"{base}/auth/login").text).group(1)
    response = client.post(
        f"{base}/auth/login",
        data={"username": PICKER, "password": PICKER_PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 303, response.text
    # Signing in starts a fresh session, and with it a fresh CSRF secret.
    client.headers["X-CSRFToken"] = CSRF.search(client.get(f"{base}/queue/").text).group(1)
    return client


def waiting_packages(url: str, count: int) -> list[tuple[int, list[str]]]:
    """Waiting packages at the picker's store with the barcodes of their units."""
    engine = create_engine(database_url(url))
    with Session(engine) as session:
        waiting = session.scalar(
            select(State.id).where(State.enum_class == "PackageStatus", State.enum_value == PackageStatus.WAITING.value)
        )
        store = session.scalar(select(StockLocation.id).where(StockLocation.erp_code == PICKER_LOCATION))
        ids = list(
            session.scalars(
                select(Package.id)
                .where(Package.stock_location_id == store, Package.state_id == waiting)
                .order_by(Package.target_packing_date, Package.id)
                .limit(count)
            )
        )
        rows = session.execute(
            select(PackageItem.package_id, Product.barcode)
            .join(OrderItem, PackageItem.order_item_id == OrderItem.id)
            .join(Product, OrderItem.product_id == Product.id)
            .where(PackageItem.package_id.in_(ids))
            .order_by(PackageItem.id)
        ).all()
    engine.dispose()
    codes: dict[int, list[str]] = {package_id: [] for package_id in ids}
    for package_id, barcode in rows:
        codes[package_id].append(barcode)
    return [(package_id, codes[package_id]) for package_id in ids]


SERVER_TIMING = re.compile(r"app;dur=([\d.]+)")


class Timings:
    """Round trips as the client saw them, and the app's own time from ``Server-Timing``."""

    def __init__(self) -> None:
        self.round_trips: list[float] = []
        self.app: list[float] = []

    def time(self, call) -> None:
        started = time.perf_counter()
        response = call()
        self.round_trips.append((time.perf_counter() - started) * 1000)
        assert response.status_code < 400, (response.status_code, response.text[:300])
        self.app.append(float(SERVER_TIMING.search(response.headers["Server-Timing"]).group(1)))

    def summaries(self, name: str) -> list[str]:
        return [summary(f"{name}, app", self.app), summary(f"{name}, round trip", self.round_trips)]


def bench_server(base: str, packages: list[tuple[int, list[str]]], scans: int, queue_loads: int) -> list[str]:
    client = sign_in(base)
    for _ in range(20):  # warm both workers' connection pools and template caches
        client.get(f"{base}/queue/")
    scan_times = Timings()
    for package_id, codes in packages:
        client.post(f"{base}/station/packages/{package_id}/open", allow_redirects=False)
        for code in codes:
            if len(scan_times.app) == scans:
                break
            scan_times.time(
                lambda package_id=package_id, code=code: client.post(
                    f"{base}/station/packages/{package_id}/scans",
                    data={"barcode": code, "client_scan_id": uuid.uuid4().hex},
                    headers={"HX-Request": "true"},
                )
            )
        if len(scan_times.app) == scans:
            break
    queue_full, queue_poll, queue_search = Timings(), Timings(), Timings()
    for _ in range(queue_loads):
        queue_full.time(lambda: client.get(f"{base}/queue/"))
    for _ in range(queue_loads):
        queue_poll.time(lambda: client.get(f"{base}/queue/", headers={"HX-Request": "true"}))
    for _ in range(queue_loads):
        queue_search.time(
            lambda: client.get(f"{base}/queue/?state=all&delivery=standard&page=3", headers={"HX-Request": "true"})
        )
    return [
        *scan_times.summaries("scan (htmx POST)"),
        *queue_full.summaries("queue page (full)"),
        *queue_poll.summaries("queue list (htmx poll)"),
        *queue_search.summaries("queue list (filtered, page 3)"),
    ]


# Installed in the page: the time from the Enter keydown to the scan progress changing.
# ``__counted(n)`` resolves once n scans are measured, from the observer itself: polling
# (Playwright's wait_for_function polls on every animation frame) would keep Chromium
# drawing frames at 60 Hz and take CPU from the server it is measuring on the same cores.
MEASURE = """
() => {
  window.__latencies = [];
  let waiting = null;
  window.__counted = (n) => window.__latencies.length >= n ? true : new Promise((resolve) => { waiting = { n, resolve }; });
  document.addEventListener("keydown", (e) => { if (e.key === "Enter") window.__enterAt = performance.now(); }, true);
  let last = null;
  new MutationObserver(() => {
    const progress = document.getElementById("scan-progress");
    const now = progress && progress.textContent;
    if (now && now !== last && window.__enterAt) {
      window.__latencies.push(performance.now() - window.__enterAt);
      window.__enterAt = null;
      if (waiting && window.__latencies.length >= waiting.n) waiting.resolve(true);
    }
    last = now;
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}
"""


# The app's time of the page's last ``count`` scans, from their Server-Timing headers.
SCAN_SERVER_TIMES = """
(count) => performance.getEntriesByType("resource")
  .filter((entry) => entry.name.endsWith("/scans"))
  .slice(-count)
  .map((entry) => entry.serverTiming.find((timing) => timing.name === "app").duration)
"""


def bench_browser(base: str, packages: list[tuple[int, list[str]]], scans: int) -> list[str]:
    from playwright.sync_api import sync_playwright

    latencies: list[float] = []
    server_shares: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 768, "height": 1024}, has_touch=True)
        page.goto(f"{base}/auth/login")
        page.get_by_label("Username").fill(PICKER)
        page.get_by_label("Password").fill(PICKER_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/auth/login" not in url)
        for package_id, codes in packages:
            page.goto(f"{base}/station/packages/{package_id}")
            page.get_by_role("button", name="Open this package", exact=True).click()
            page.get_by_text("State: Preparing").wait_for()
            page.evaluate(MEASURE)
            for n, code in enumerate(codes, start=1):
                page.keyboard.type(code)
                page.keyboard.press("Enter")
                page.evaluate("n => window.__counted(n)", n)
            latencies.extend(page.evaluate("window.__latencies"))
            server_shares.extend(page.evaluate(SCAN_SERVER_TIMES, len(codes)))
            if len(latencies) >= scans:
                break
        browser.close()
    return [
        summary("browser: Enter to updated count", latencies[:scans]),
        summary("browser: the scans' app time", server_shares[:scans]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--fresh", action="store_true", help="drop everything and build the 100k dataset")
    parser.add_argument("--packages", type=int, default=100_000)
    parser.add_argument("--at-location", type=int, default=2_000)
    parser.add_argument("--scans", type=int, default=200)
    parser.add_argument("--queue-loads", type=int, default=200)
    args = parser.parse_args()
    if args.fresh:
        fresh_schema(args.url)
        print("dataset:", build(args.url, args.packages, args.at_location))
    port = free_port()
    server = start_gunicorn(args.url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        # Two disjoint sets of packages: the HTTP scans claim theirs, the browser opens its own.
        packages = waiting_packages(args.url, 400)
        lines = bench_server(base, packages[:200], args.scans, args.queue_loads)
        lines += bench_browser(base, packages[200:], args.scans)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"gunicorn -w 2 on {create_engine(database_url(args.url)).dialect.name}")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
