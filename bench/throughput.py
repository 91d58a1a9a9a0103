"""Throughput of the app under gunicorn against a bare Flask app under the same gunicorn:
requests per second, p50 and p99 latency and the ratio, for three requests a store makes
all day long:

- a scan POST from the station (htmx), answered with the over-scan refusal (the package's
  units are all scanned, so every request does the full scan work and changes nothing);
- the queue page GET of a picker at a store with 2,000 waiting packages;
- the integration API's full package list, limit 20, over all 100k packages.

    python -m bench.throughput --url sqlite:////tmp/bench-throughput.db
    python -m bench.throughput --url postgresql://postgres@127.0.0.1:5432/bench

The database is built with bench/dataset.py (100k packages) unless it already holds them.
Both servers run ``gunicorn --workers 2`` (sync workers); the runs alternate app / bare,
case by case, and each figure is the median over the rounds. Beside the wall-clock figures,
which on a shared machine mostly measure the wait for a core, it reports the CPU time each
request cost the gunicorn workers (and the PostgreSQL backends), read from /proc: the
figure to size servers by (requests per second per core = 1000 / CPU ms per request). The load generator is ours
(no wrk here): processes of threads, each thread one HTTP/1.1 connection sending its next
request as soon as the answer arrives; the bare app's numbers are its ceiling on this
machine (it shares the cores with the servers).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, text

from bench.api_package_list import _keys
from bench.dataset import PICKER, PICKER_LOCATION, PICKER_PASSWORD, build, migrate
from packing.app import create_app
from packing.config import database_url
from packing.core.catalogue import PackageStatus
from packing.core.models import Package, PackageItem, State, StockLocation

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|name="csrf-token" content="([^"]+)"')


@dataclass
class Case:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""
    expected_status: int = 200


@dataclass
class Run:
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)


# --- Servers ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, target: str, env: dict[str, str], workers: int):
        self.port = _free_port()
        help_text = subprocess.run(
            [sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True, check=False
        ).stdout
        flags = ["--no-control-socket"] if "--no-control-socket" in help_text else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}", *flags]
            + [target],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [self.process.pid, *map(int, children)]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used (Linux /proc): on a shared machine
    the time a request costs, where its wall time is mostly waiting for a core."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def database_server_pids(url: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (on this host), whose CPU
    time is the database's share of a request; none for SQLite, which runs in the worker."""
    if not url.startswith("postgres"):
        return []
    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        pids = list(
            connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            )
        )
    engine.dispose()
    return pids


# --- Load generator -------------------------------------------------------------------------


def _connection_loop(port: int, case: Case, until: float, run: Run, lock: threading.Lock, check: bool) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, requests, errors = [], 0, 0
    n = 0
    while time.monotonic() < until:
        n += 1
        body = case.body.replace("{n}", f"{os.getpid()}-{threading.get_ident()}-{n}")
        started = time.perf_counter()
        try:
            connection.request(case.method, case.path, body=body or None, headers=case.headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        requests += 1
        if check and response.status != case.expected_status:
            errors += 1
        if response.getheader("Connection", "").lower() == "close":
            # gunicorn's sync workers answer one request per connection.
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.close()
    with lock:
        run.requests += requests
        run.errors += errors
        run.latencies_ms.extend(latencies)


def _load_process(port: int, case: Case, seconds: float, connections: int, check: bool, results) -> None:
    run, lock = Run(), threading.Lock()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_connection_loop, args=(port, case, until, run, lock, check))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((run.requests, run.errors, run.latencies_ms))


def load(port: int, case: Case, seconds: float, processes: int, connections: int, check: bool = True) -> dict:
    """``processes`` x ``connections`` clients for ``seconds``: req/s, p50, p99, and errors
    (broken connections, and answers other than the case's when ``check``)."""
    results = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_load_process, args=(port, case, seconds, connections, check, results))
        for _ in range(processes)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    parts = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    latencies = sorted(latency for part in parts for latency in part[2])
    requests = sum(part[0] for part in parts)
    return {
        "rps": requests / elapsed,
        "p50": latencies[len(latencies) // 2] if latencies else float("nan"),
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan"),
        "errors": sum(part[1] for part in parts),
    }


# --- The app's requests -------------------------------------------------------------------


def ensure_dataset(url: str, packages: int) -> None:
    engine = create_engine(database_url(url))
    try:
        if inspect(engine).has_table("package"):
            with engine.connect() as connection:
                if connection.scalar(select(func.count()).select_from(Package)) >= packages:
                    print(f"Reusing the {packages:,} packages in {url}")
                    return
    finally:
        engine.dispose()
    migrate(url)
    print("Built", build(url, packages, 2000))


class Browser:
    """Plain http.client requests that keep the cookies the app sets, as a browser would."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None, headers=None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Cookie": self.cookie, **(headers or {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, cookie_value = value.split(";", 1)[0].partition("=")
                self.cookies[cookie_name] = cookie_value
        connection.close()
        return response.status, text


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) or match.group(2)


def prepare_cases(url: str, port: int) -> list[Case]:
    """Sign the bench picker in, claim a waiting package and scan all its units (so the scan
    case is an over-scan), and make an API token."""
    browser = Browser(port)
    _, page = browser.request("GET", "/auth/login")
    status, _ = browser.request(
        "POST", "/auth/login", {"username": PICKER, "password": PICKER_PASSWORD, "csrf_token": _csrf(page)}
    )
    assert status == 303, status

    engine = create_engine(database_url(url))
    with engine.connect() as connection:
        waiting = connection.scalar(
            select(Package.id)
            .join(State, Package.state_id == State.id)
            .join(StockLocation, Package.stock_location_id == StockLocation.id)
            .where(StockLocation.erp_code == PICKER_LOCATION, State.enum_value == str(PackageStatus.WAITING.value))
            .order_by(Package.id.desc())
            .limit(1)
        )
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(url)})
        with app.app_context():
            from packing.extensions import db

            package = db.session.get(Package, waiting)
            barcodes = [item.order_item.product.barcode for item in package.items]
            items = db.session.scalar(select(func.count(PackageItem.id)).where(PackageItem.package_id == waiting))
            db.session.remove()
    engine.dispose()

    _, queue_page = browser.request("GET", "/queue/")
    status, _ = browser.request("POST", f"/station/packages/{waiting}/open", {"csrf_token": _csrf(queue_page)})
    assert status in (200, 303), status
    _, station_page = browser.request("GET", f"/station/packages/{waiting}")
    token = _csrf(station_page)
    for n, barcode in enumerate(barcodes):
        form = {"csrf_token": token, "barcode": barcode, "client_scan_id": f"bench-unit-{n}"}
        status, _ = browser.request("POST", f"/station/packages/{waiting}/scans", form, {"HX-Request": "true"})
        assert status == 200, status
    cookie = browser.cookie
    api_key = _keys(app)["admin"]
    print(f"Scan case: package {waiting}, {items} units all scanned; over-scan of {barcodes[0]}")

    scan_body = urllib.parse.urlencode({"csrf_token": token, "barcode": barcodes[0], "client_scan_id": "X"})
    return [
        Case(
            "scan POST (htmx, over-scan)",
            "POST",
            f"/station/packages/{waiting}/scans",
            {"Cookie": cookie, "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"},
            scan_body.replace("client_scan_id=X", "client_scan_id=over-{n}"),
            expected_status=422,
        ),
        Case("queue page GET", "GET", "/queue/", {"Cookie": cookie}),
        Case(
            "API list, limit 20 (full)",
            "GET",
            "/api/v1/oms/packages/?limit=20",
            {"Authorization": f"Token {api_key}", "Accept": "application/json"},
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (built with bench/dataset.py when empty)")
    parser.add_argument("--packages", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=5, help="length of one run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2, help="load generator processes")
    parser.add_argument("--connections", type=int, default=4, help="connections per generator process")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    args = parser.parse_args()

    ensure_dataset(args.url, args.packages)
    print(f"load average at the start: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")
    app_env = {
        "PACKING_ENV": "development",
        "DATABASE_URL": args.url,
        "API_RATE_LIMIT": "1000000 per second",
        "SERVER_TIMING": "0",
    }
    app_server = Gunicorn("app:app", app_env, args.workers)
    bare_server = Gunicorn("bench.bare_app:app", {}, args.workers)
    try:
        cases = prepare_cases(args.url, app_server.port)
        results = {case.name: {"app": [], "bare": []} for case in cases}
        for round_number in range(args.rounds):
            for case in cases:
                order = [("app", app_server), ("bare", bare_server)]
                if round_number % 2:
                    order.reverse()
                for kind, server in order:
                    database_pids = database_server_pids(args.url) if kind == "app" else []
                    app_cpu, database_cpu = cpu_seconds(server.pids()), cpu_seconds(database_pids)
                    outcome = load(server.port, case, args.seconds, args.processes, args.connections, kind == "app")
                    requests_made = max(1, round(outcome["rps"] * args.seconds))
                    outcome["cpu_ms"] = (cpu_seconds(server.pids()) - app_cpu) * 1000 / requests_made
                    outcome["db_cpu_ms"] = (cpu_seconds(database_pids) - database_cpu) * 1000 / requests_made
                    results[case.name][kind].append(outcome)
                    print(
                        f"round {round_number + 1} {case.name:<28} {kind:<4} {outcome['rps']:8.1f} req/s"
                        f"  p50 {outcome['p50']:7.1f} ms  p99 {outcome['p99']:7.1f} ms  errors {outcome['errors']}"
                        f"  CPU/request {outcome['cpu_ms']:.1f} ms + database {outcome['db_cpu_ms']:.1f} ms",
                        flush=True,
                    )
    finally:
        app_server.stop()
        bare_server.stop()

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    print(f"\nload average at the end: {' '.join(f'{value:.1f}' for value in os.getloadavg())}")
    print(
        f"{args.workers} sync workers, {args.processes}x{args.connections} connections,"
        f" {args.rounds} rounds of {args.seconds:g} s, medians; {args.url.split('://')[0]}"
    )
    print(
        "| request | app req/s | app p50 / p99 ms | bare req/s | bare p50 / p99 ms | app / bare"
        " | app CPU ms/req (+ database) | bare CPU ms/req |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, kinds in results.items():
        app_rps, bare_rps = median(kinds["app"], "rps"), median(kinds["bare"], "rps")
        print(
            f"| {name} | {app_rps:.0f} | {median(kinds['app'], 'p50'):.1f} / {median(kinds['app'], 'p99'):.1f}"
            f" | {bare_rps:.0f} | {median(kinds['bare'], 'p50'):.1f} / {median(kinds['bare'], 'p99'):.1f}"
            f" | {app_rps / bare_rps:.2f} | {median(kinds['app'], 'cpu_ms'):.1f}"
            f" (+ {median(kinds['app'], 'db_cpu_ms'):.1f}) | {median(kinds['bare'], 'cpu_ms'):.1f} |"
        )
    errors = sum(run["errors"] for kinds in results.values() for runs in kinds.values() for run in runs)
    print(f"unexpected answers or broken connections: {errors}")


if __name__ == "__main__":
    main()
