"""CPU time per request of the hottest paths (issue 18), in process with Flask's test client
on SQLite, for two source trees measured in alternation (bench/alternation.py):

* the queue page (full GET) of a store with 60 open packages of 3 items;
* a station scan (htmx POST) that is an over-scan: the full scan path (lock, load, checks,
  the refusal zone), nothing written, as in bench/throughput.py.

    git archive <commit> | tar -x -C /tmp/before
    python -m bench.request_cpu --before /tmp/before --rounds 9 --requests 50

Each round measures each tree's next batch of requests per path and takes the median CPU time
(``time.process_time``) of the batch; the summary is the median of the rounds.
"""

from __future__ import annotations

from bench import alternation

# Run inside each tree, after alternation.SIGNED_IN_CLIENT.
MEASURE = r"""
with app.app_context():
    store = db.session.get(StockLocation, store_id)
    products = [factories.product(db.session) for _ in range(3)]
    packages = [factories.package(db.session, at=store, products=products).id for _ in range(60)]
    package_id, barcode = packages[0], products[0].barcode
    db.session.commit()
client.post(f"/station/packages/{package_id}/open", headers={"X-CSRFToken": csrf})
headers = {"X-CSRFToken": csrf, "HX-Request": "true"}


def queue():
    return client.get("/queue/")


def scan():
    return client.post(f"/station/packages/{package_id}/scans",
                       data={"barcode": barcode, "client_scan_id": uuid.uuid4().hex}, headers=headers)


timed(scan, 200)  # counts the one unit; every later scan is an over-scan
for _ in range(5):
    timed(queue, 200), timed(scan, 422)


def measure(requests):
    return (statistics.median(timed(queue, 200)[1] for _ in range(requests)),
            statistics.median(timed(scan, 422)[1] for _ in range(requests)))
"""

if __name__ == "__main__":
    alternation.main(__doc__.splitlines()[0], MEASURE, ("queue page GET CPU", "scan POST (htmx, over-scan) CPU"))
