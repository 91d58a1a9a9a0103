"""OMS exports of any size for the import tests: the reference's first package, repeated with
its own package, order and order item numbers."""

from __future__ import annotations

import copy
import json
from pathlib import Path

REFERENCE = json.loads((Path(__file__).parent / "data" / "reference_package_list.json").read_text())


def export(count: int, erp_code: str = "1") -> dict:
    template = REFERENCE["results"][0]
    results = []
    for index in range(count):
        package = copy.deepcopy(template)
        package["number"] = f"EXP-{index:05d}"
        package["order_number"] = f"ORD-{index:05d}"
        package["stock_location"]["erp_code"] = erp_code
        for position, item in enumerate(package["packageitem_set"]):
            item["order_item"]["omnitron_id"] = 900000 + index * 10 + position
        results.append(package)
    return {"count": count, "next": None, "previous": None, "results": results}


def as_upload(document: dict) -> bytes:
    return json.dumps(document).encode()
