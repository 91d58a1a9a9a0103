"""The integration API: OMS Package Services (/api/v1/oms/), Seller Center (/api/i2/),
integration lists (/api/i1/), its OpenAPI document and the ``flask tokens`` commands."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from packing.api import cli, oms, openapi, seller_center

    for blueprint in (oms.bp, seller_center.bp, seller_center.integration_bp, openapi.bp):
        app.register_blueprint(blueprint)
    app.cli.add_command(cli.tokens_cli)
    app.cli.add_command(cli.commands_cli)
