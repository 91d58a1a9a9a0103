"""Label and batch printing speed, on a database built by ``bench.dataset``.

    python -m bench.dataset --url sqlite:////tmp/bench-docs.db --packages 100000 --at-location 2000
    python -m bench.documents_bench --url sqlite:////tmp/bench-docs.db

Packs ``--labels`` waiting packages at BENCH-1 (creating their shipments), then prints:
a trivial one-page WeasyPrint document (the yardstick, with the labels' warm fonts; and
with WeasyPrint's default call for reference), one label render, the
"floor" (the label's text as plain lines, without and with its barcodes), a reprint of a
stored label, and a batch of those labels joined from storage versus rendered afresh.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import time
from collections.abc import Callable

from pypdf import PdfReader
from sqlalchemy import select
from weasyprint import HTML

from packing.app import create_app
from packing.config import database_url
from packing.core import labels, print_batches, print_room, rendering, shipping
from packing.core.catalogue import PackageStatus, package_state
from packing.core.commands import execute_command
from packing.core.db import transaction
from packing.core.models import Package, PrintBatch, StockLocation
from packing.documents import tasks
from packing.extensions import db

PACK = "package__complete_packaging__waiting__packed-all-items"
TRIVIAL = "<style>@page { size: 4in 6in; margin: 0 }</style><p>Hello, label printer.</p>"
FLOOR_STYLE = (
    "<style>@page { size: 4in 6in; margin: 0 } body { margin: 0; padding: 3mm 4mm; "
    "font-family: 'DejaVu Sans'; font-size: 8pt; white-space: pre-line } img { display: block }</style>"
)


def floor_documents(label_html: str) -> tuple[str, str]:
    """The least a label can cost in WeasyPrint: its text as plain lines in one block, in
    the label's font, alone and then followed by its three inline SVG codes."""
    body = label_html.split("<body>", 1)[1].split("</body>", 1)[0]
    codes = re.findall(r"<svg\b.*?</svg>", body, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", re.sub(r"<svg\b.*?</svg>", " ", body, flags=re.S))
    return FLOOR_STYLE + text, FLOOR_STYLE + text + "".join(codes)


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm caches (fonts, templates) as a running server has them
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--labels", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(args.url), "HUEY_IMMEDIATE": True})
    with app.app_context():
        session = db.session
        location = session.scalar(select(StockLocation).where(StockLocation.erp_code == "BENCH-1"))
        waiting = package_state(session, PackageStatus.WAITING)
        ids = session.scalars(
            select(Package.id)
            .where(Package.stock_location_id == location.id, Package.state_id == waiting.id)
            .order_by(Package.id)
            .limit(args.labels)
        ).all()
        if len(ids) < args.labels:
            raise SystemExit(f"only {len(ids)} waiting packages left at BENCH-1; rebuild the dataset")
        with transaction(session):
            for package_id in ids:
                execute_command(session, package_id, PACK)
            # The benchmark renders them itself, below, to time it.
            shipping.take_labels_to_render(session)
        packages = [session.get(Package, package_id) for package_id in ids]

        # Interleaved, so all see the same load on a shared machine. The yardstick is the
        # trivial document with the labels' warm font configuration; WeasyPrint's default
        # call, which discovers fonts again each time, is shown beside it for reference.
        floor_text, floor_codes = floor_documents(labels.render_label_html(packages[0]))
        trivial, trivial_default, label, floor, floor_with_codes = [], [], [], [], []
        for _ in range(args.repeat):
            trivial += timed(lambda: HTML(string=TRIVIAL).write_pdf(font_config=rendering.fonts), 1)
            trivial_default += timed(lambda: HTML(string=TRIVIAL).write_pdf(), 1)
            label += timed(lambda: labels.render_label_pdf(packages[0]), 1)
            floor += timed(lambda: HTML(string=floor_text).write_pdf(font_config=rendering.fonts), 1)
            floor_with_codes += timed(lambda: HTML(string=floor_codes).write_pdf(font_config=rendering.fonts), 1)

        fresh_started = time.perf_counter()
        rendered = [labels.render_label_pdf(package) for package in packages]
        print_batches.join_pdfs(rendered)
        fresh = time.perf_counter() - fresh_started
        for package, pdf in zip(packages, rendered, strict=True):
            labels.store_label(session, package, pdf)
        session.commit()

        reprint = timed(lambda: labels.label_pdf(session, packages[0]), args.repeat)

        def batch_from_stored() -> None:
            with transaction(session):
                batch = print_batches.create_print_batch(session, location.id, list(ids), print_room.LABEL, None)
            tasks.build_batch(session, batch.id)

        stored = timed(batch_from_stored, 3)
        last_batch = session.scalars(select(PrintBatch.pdf).order_by(PrintBatch.id.desc())).first()
        pages = len(PdfReader(io.BytesIO(last_batch)).pages)

    label_ratio = statistics.median(label) / statistics.median(trivial)
    best_ratio = min(label) / min(trivial)
    default_ratio = statistics.median(label) / statistics.median(trivial_default)
    print(f"database: {args.url}")
    print(f"trivial one-page WeasyPrint document: {ms(trivial)}")
    print(f"trivial document, default call (new FontConfiguration): {ms(trivial_default)}")
    print(f"one label render: {ms(label)}  -> {label_ratio:.2f}x the trivial document ({best_ratio:.2f}x on minima)")
    print(f"  ({default_ratio:.2f}x the default-call trivial document, medians)")
    for name, values in (("label's text alone", floor), ("label's text and its three codes", floor_with_codes)):
        ratio = statistics.median(values) / statistics.median(trivial)
        print(f"floor, {name} as plain lines: {ms(values)}  -> {ratio:.2f}x the trivial document")
    print(f"reprint of a stored label: {ms(reprint)}")
    print(f"batch of {len(ids)} labels rendered afresh and joined: {fresh:.2f} s")
    print(f"batch of {len(ids)} labels joined from storage ({pages} pages): {ms(stored)}")
    print(f"afresh / stored: {fresh / statistics.median(stored):.1f}x")


if __name__ == "__main__":
    main()
