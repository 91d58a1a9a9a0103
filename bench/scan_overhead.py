"""What the security layer costs a scan: the time of a station scan that counts a unit (htmx
POST, in process with Flask's test client on SQLite), for two source trees measured in
alternation (bench/alternation.py). Both the wall-clock time and the process's CPU time are
taken: on a machine shared with other work the CPU time is the steadier figure (it does not
count time spent waiting for a core).

    git archive <commit> | tar -x -C /tmp/before
    python -m bench.scan_overhead --before /tmp/before --rounds 9 --requests 50

Each round measures each tree's next batch of scans and takes its medians; the summary is the
median of the rounds. The limiter, the headers, the session's renewal and the session-version
check all run on this path; no rate limit applies to it.
"""

from __future__ import annotations

from bench import alternation

# Run inside each tree, after alternation.SIGNED_IN_CLIENT: packages of 20 units of one
# product, each opened when the one before is complete (outside the timing).
MEASURE = r"""
from packing.core.models import Product

UNITS = 20
with app.app_context():
    product = factories.product(db.session)
    product_id, barcode = product.id, product.barcode
    db.session.commit()
headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
scanned = UNITS


def open_next_package():
    with app.app_context():
        store = db.session.get(StockLocation, store_id)
        product = db.session.get(Product, product_id)
        package_id = factories.package(db.session, at=store, products=[product] * UNITS).id
        db.session.commit()
    client.post(f"/station/packages/{package_id}/open", headers={"X-CSRFToken": csrf})
    return package_id


def scan():
    global package_id, scanned
    if scanned == UNITS:
        package_id, scanned = open_next_package(), 0
    scanned += 1
    return timed(lambda: client.post(f"/station/packages/{package_id}/scans",
                                     data={"barcode": barcode, "client_scan_id": uuid.uuid4().hex},
                                     headers=headers), 200)


for _ in range(UNITS):
    scan()


def measure(requests):
    timings = [scan() for _ in range(requests)]
    return statistics.median(wall for wall, _ in timings), statistics.median(cpu for _, cpu in timings)
"""

if __name__ == "__main__":
    alternation.main(__doc__.splitlines()[0], MEASURE, ("scan (htmx POST) wall clock", "scan (htmx POST) CPU time"))
