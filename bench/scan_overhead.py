"""What the security layer costs a scan: the time of a station scan (htmx POST, measured
in-process with Flask's test client on SQLite), for two source trees run in alternation,
so that a shared, noisy machine slows both alike. Both the wall-clock time and the
process's CPU time are taken: on a machine shared with other work the CPU time is the
steadier figure (it does not count time spent waiting for a core).

    git archive <commit> | tar -x -C /tmp/before
    python -m bench.scan_overhead --before /tmp/before --rounds 5 --scans 300

Each round runs each tree once in a fresh process and prints the median of its scans; the
summary is the median of the rounds' medians. The limiter, the headers, the session's
renewal and the session-version check all run on this path; no rate limit applies to it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside each tree (its own packing/ and tests/): prints one median in milliseconds.
LOOP = r"""
import re, statistics, sys, tempfile, time, uuid
from pathlib import Path
from packing.app import create_app
from packing.core import users
from packing.core.catalogue import seed_catalogue
from packing.extensions import db
from tests import factories

users.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
scans, units = int(sys.argv[1]), 20
path = Path(tempfile.mkdtemp()) / "bench.db"
app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                  "HUEY_IMMEDIATE": True})
with app.app_context():
    db.create_all()
    seed_catalogue(db.session)
    store = factories.location(db.session)
    picker = factories.user(db.session, locations=[store])
    product = factories.product(db.session)
    packages = [factories.package(db.session, at=store, products=[product] * units).id
                for _ in range(scans // units + 2)]
    username, barcode = picker.username, product.barcode
    db.session.commit()
client = app.test_client()
page = client.get("/auth/login").text
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
assert client.post("/auth/login", data={"username": username, "password": factories.PASSWORD,
                                        "csrf_token": token}).status_code in (302, 303)
csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/queue/").text).group(1)
headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
timings, cpu = [], []
for package_id in packages:
    client.post(f"/station/packages/{package_id}/open", headers={"X-CSRFToken": csrf})
    for _ in range(units):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/station/packages/{package_id}/scans",
                               data={"barcode": barcode, "client_scan_id": uuid.uuid4().hex}, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (response.status_code, response.text[:200])
    if len(timings) >= scans + units:
        break
print(f"{statistics.median(timings[units:]):.3f} {statistics.median(cpu[units:]):.3f}")
"""


def run(tree: Path, scans: int) -> tuple[float, float]:
    result = subprocess.run(
        [sys.executable, "-c", LOOP, str(scans)], cwd=tree, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise SystemExit(f"{tree}: {result.stderr[-2000:]}")
    wall, cpu = result.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the tree to compare with (e.g. before a change)")
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scans", type=int, default=300)
    args = parser.parse_args()
    medians: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    for round_number in range(1, args.rounds + 1):
        for name, tree in (("before", args.before), ("after", args.after)):
            medians[name].append(run(tree, args.scans))
        (wall_b, cpu_b), (wall_a, cpu_a) = medians["before"][-1], medians["after"][-1]
        print(
            f"round {round_number}: wall before {wall_b:.2f} ms after {wall_a:.2f} ms;"
            f" cpu before {cpu_b:.2f} ms after {cpu_a:.2f} ms",
            flush=True,
        )
    for index, what in ((0, "wall clock"), (1, "CPU time")):
        before = statistics.median(m[index] for m in medians["before"])
        after = statistics.median(m[index] for m in medians["after"])
        paired = statistics.median(
            a[index] - b[index] for b, a in zip(medians["before"], medians["after"], strict=True)
        )
        print(
            f"scan (htmx POST) {what}, median of {args.rounds} rounds x {args.scans} scans: before {before:.2f} ms,"
            f" after {after:.2f} ms; median of the rounds' differences {paired:+.2f} ms"
        )


if __name__ == "__main__":
    main()
