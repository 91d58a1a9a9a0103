"""CPU time per request of the hottest paths (issue 18), in process with Flask's test client
on SQLite, for two source trees run in alternation so that a shared machine slows both alike:

* the queue page (full GET) of a store with 60 open packages of 3 items;
* a station scan (htmx POST) that is an over-scan: the full scan path (lock, load, checks,
  the refusal zone), nothing written, as in bench/throughput.py.

    git archive <commit> | tar -x -C /tmp/before
    python -m bench.request_cpu --before /tmp/before --rounds 5 --requests 200

Each round runs each tree once in a fresh process, which prints the median CPU time
(``time.process_time``) of its requests per path; the summary is the median of the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside each tree (its own packing/ and tests/): prints "queue_ms scan_ms".
LOOP = r"""
import re, statistics, sys, tempfile, time, uuid
from pathlib import Path
from packing.app import create_app
from packing.core import users
from packing.core.catalogue import seed_catalogue
from packing.extensions import db
from tests import factories

users.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
requests = int(sys.argv[1])
path = Path(tempfile.mkdtemp()) / "bench.db"
app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                  "HUEY_IMMEDIATE": True})
with app.app_context():
    db.create_all()
    seed_catalogue(db.session)
    store = factories.location(db.session)
    picker = factories.user(db.session, locations=[store])
    products = [factories.product(db.session) for _ in range(3)]
    packages = [factories.package(db.session, at=store, products=products).id for _ in range(60)]
    username, barcode = picker.username, products[0].barcode
    db.session.commit()
client = app.test_client()
page = client.get("/auth/login").text
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
assert client.post("/auth/login", data={"username": username, "password": factories.PASSWORD,
                                        "csrf_token": token}).status_code in (302, 303)
csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/queue/").text).group(1)


def cpu_ms(call, expected):
    started = time.process_time()
    response = call()
    elapsed = (time.process_time() - started) * 1000
    assert response.status_code == expected, (response.status_code, response.text[:200])
    return elapsed


queue = [cpu_ms(lambda: client.get("/queue/"), 200) for _ in range(requests + 5)][5:]
package_id = packages[0]
client.post(f"/station/packages/{package_id}/open", headers={"X-CSRFToken": csrf})
headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
scan = lambda: client.post(f"/station/packages/{package_id}/scans",
                           data={"barcode": barcode, "client_scan_id": uuid.uuid4().hex}, headers=headers)
cpu_ms(scan, 200)  # counts the one unit; every later scan is an over-scan
over_scans = [cpu_ms(scan, 422) for _ in range(requests + 5)][5:]
print(f"{statistics.median(queue):.3f} {statistics.median(over_scans):.3f}")
"""

PATHS = ("queue page GET", "scan POST (htmx, over-scan)")


def run(tree: Path, requests: int) -> list[float]:
    result = subprocess.run(
        [sys.executable, "-c", LOOP, str(requests)], cwd=tree, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        raise SystemExit(f"{tree}: {result.stderr[-2000:]}")
    return [float(value) for value in result.stdout.strip().splitlines()[-1].split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the tree to compare with (e.g. before a change)")
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    medians: dict[str, list[list[float]]] = {"before": [], "after": []}
    for round_number in range(1, args.rounds + 1):
        for name, tree in (("before", args.before), ("after", args.after)):
            medians[name].append(run(tree, args.requests))
        before, after = medians["before"][-1], medians["after"][-1]
        print(
            f"round {round_number}: "
            + "; ".join(f"{path} {b:.2f} -> {a:.2f} ms" for path, b, a in zip(PATHS, before, after, strict=True)),
            flush=True,
        )
    for index, path in enumerate(PATHS):
        before = statistics.median(m[index] for m in medians["before"])
        after = statistics.median(m[index] for m in medians["after"])
        paired = statistics.median(
            a[index] - b[index] for b, a in zip(medians["before"], medians["after"], strict=True)
        )
        print(
            f"{path} CPU, median of {args.rounds} rounds x {args.requests} requests: before {before:.2f} ms,"
            f" after {after:.2f} ms; median of the rounds' differences {paired:+.2f} ms"
        )


if __name__ == "__main__":
    main()
