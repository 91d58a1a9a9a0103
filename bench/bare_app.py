"""The floor for bench/throughput.py: a Flask app that answers every request ``ok``, served
by the same gunicorn the same way, so the load generator and the server's own cost per
request are measured without the packing station's work."""

from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def ok(path: str) -> str:  # noqa: ARG001 - every path answers the same
    return "ok"
