"""Where the API list's serialisation time goes, in one process (so a shared machine slows
every variant alike): a page of packages in the full format, loaded once, then, alternated
request by request, the CPU time (``time.process_time``) of

- building the dicts (``serializers.package_full`` for each package),
- writing them with Flask's JSON provider (``jsonify``: sorted keys, ``json.dumps``), as
  the API did before its answers went through their shapes,
- writing them through their shape (``shapes.to_json``: pydantic-core), as the API does,
- the same with the check the test suite makes (strict validation first).

    python -m bench.dataset --url sqlite:////tmp/bench.db --packages 20000
    python -m bench.api_serialisation --url sqlite:////tmp/bench.db --limit 20 --repeat 300
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from packing.app import create_app
from packing.config import database_url
from packing.core import queries, serializers, shapes
from packing.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(args.url), "SECRET_KEY": "bench"})
    shape = shapes.Page[shapes.PackageFull]
    with app.app_context():
        page = queries.paginate(
            db.session, queries.package_query(None, {}, "-id"), 1, args.limit, queries.full_package_options()
        )
        commands = queries.commands_by_state(db.session, page.items)

        def build() -> shapes.Page:
            results = [serializers.package_full(p, commands[p.state_id], secret="bench") for p in page.items]
            return {"count": page.count, "next": None, "previous": None, "results": results}

        data = build()
        variants = {
            "build the dicts": build,
            "write: Flask jsonify (before)": lambda: app.json.dumps(data),
            "write: through the shape (now)": lambda: shapes.to_json(shape, data),
            "write: through the shape, checked (tests)": lambda: shapes.to_json(shape, data, check=True),
        }
        assert json.loads(app.json.dumps(data)) == json.loads(shapes.to_json(shape, data))
        timings: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.repeat):
            for name, variant in variants.items():
                started = time.process_time()
                variant()
                timings[name].append((time.process_time() - started) * 1000)
    print(f"a page of {len(page.items)} packages in the full format, {args.repeat} times each, medians:")
    for name, values in timings.items():
        print(f"{name:<44} {statistics.median(values):7.3f} ms CPU")


if __name__ == "__main__":
    main()
