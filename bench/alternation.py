"""Two source trees measured in alternation, for a machine that others share: each tree runs
in a long-lived process of its own (its own packing/ and tests/), which builds its fixtures
once and then measures a batch of requests each time it is asked. The rounds alternate which
tree goes first, so a change of load slows both alike; the summary is the median over the
rounds and the median of the rounds' paired differences.

A tree's measuring code is Python text run with ``python -c`` inside that tree (the tree before
a change may have no copy of this module): ``SIGNED_IN_CLIENT``, then the bench's fixtures and
its ``measure(n)``, which returns one median per figure, then ``SERVE``. Used by
bench/request_cpu.py and bench/scan_overhead.py.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The app on a fresh SQLite database with the catalogue, a store (``store_id``) and a picker
# signed in through the sign-in form: ``client``, and ``csrf`` for POSTs. ``timed(call,
# expected)`` runs one request and returns its wall-clock and CPU milliseconds.
SIGNED_IN_CLIENT = r"""
import re, statistics, sys, tempfile, time, uuid
from pathlib import Path
from packing.app import create_app
from packing.core import users
from packing.core.catalogue import seed_catalogue
from packing.core.models import StockLocation
from packing.extensions import db
from tests import factories

users.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
path = Path(tempfile.mkdtemp()) / "bench.db"
app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                  "HUEY_IMMEDIATE": True})
with app.app_context():
    db.create_all()
    seed_catalogue(db.session)
    store = factories.location(db.session)
    picker = factories.user(db.session, locations=[store])
    store_id, username = store.id, picker.username
    db.session.commit()
client = app.test_client()
page = client.get("/auth/login").text
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
assert client.post("/auth/login", data={"username": username, "password": factories.PASSWORD,
                                        "csrf_token": token}).status_code in (302, 303)
csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/queue/").text).group(1)


def timed(call, expected):
    started, started_cpu = time.perf_counter(), time.process_time()
    response = call()
    wall, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000
    assert response.status_code == expected, (response.status_code, response.text[:200])
    return wall, cpu
"""

# Answers each line ``n`` on stdin with the medians ``measure(n)`` returns, on one line.
SERVE = r"""
for line in sys.stdin:
    print(" ".join(f"{value:.4f}" for value in measure(int(line))), flush=True)
"""


class TreeProcess:
    """One tree's measuring process: started once, asked for a batch at a time."""

    def __init__(self, tree: Path, code: str):
        self.tree = tree
        self.process = subprocess.Popen(
            [sys.executable, "-c", SIGNED_IN_CLIENT + code + SERVE],
            cwd=tree,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def measure(self, requests: int) -> list[float]:
        self.process.stdin.write(f"{requests}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.tree}: the measuring process ended (exit {self.process.wait()})")
        return [float(value) for value in line.split()]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def compare(before: Path, after: Path, code: str, figures: Sequence[str], rounds: int, requests: int) -> None:
    """Print each round's figures for both trees, then the medians over the rounds."""
    trees = {"before": TreeProcess(before, code), "after": TreeProcess(after, code)}
    medians: dict[str, list[list[float]]] = {"before": [], "after": []}
    try:
        for round_number in range(1, rounds + 1):
            order = ("before", "after") if round_number % 2 else ("after", "before")
            for name in order:
                medians[name].append(trees[name].measure(requests))
            before_values, after_values = medians["before"][-1], medians["after"][-1]
            print(
                f"round {round_number}: "
                + "; ".join(
                    f"{figure} {b:.2f} -> {a:.2f} ms"
                    for figure, b, a in zip(figures, before_values, after_values, strict=True)
                ),
                flush=True,
            )
    finally:
        for process in trees.values():
            process.close()
    for index, figure in enumerate(figures):
        before_median = statistics.median(m[index] for m in medians["before"])
        after_median = statistics.median(m[index] for m in medians["after"])
        paired = statistics.median(
            a[index] - b[index] for b, a in zip(medians["before"], medians["after"], strict=True)
        )
        print(
            f"{figure}, median of {rounds} rounds x {requests} requests: before {before_median:.2f} ms,"
            f" after {after_median:.2f} ms; median of the rounds' differences {paired:+.2f} ms"
            f" ({paired / before_median:+.0%})"
        )


def main(description: str, code: str, figures: Sequence[str]) -> None:
    """The command line every alternating bench shares: --before, --after, --rounds, --requests."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--before", type=Path, required=True, help="the tree to compare with (e.g. before a change)")
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=50, help="requests per figure, tree and round")
    args = parser.parse_args()
    compare(args.before, args.after, code, figures, args.rounds, args.requests)
