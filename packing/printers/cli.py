"""``flask printers carrier-label``: how a carrier wants its labels (PDF or ZPL, dpi, stock)."""

from __future__ import annotations

import click
from sqlalchemy import select

from packing.core.db import transaction
from packing.core.label_content import DEFAULT_LABEL_SIZE, LABEL_DPIS, LABEL_FORMATS, LABEL_SIZES
from packing.core.models import CargoCompany
from packing.extensions import db
from packing.printers import bp


@bp.cli.command("carrier-label")
@click.argument("erp_code")
@click.option("--format", "label_format", type=click.Choice(LABEL_FORMATS), required=True)
@click.option("--dpi", type=click.Choice([str(dpi) for dpi in LABEL_DPIS]), default="203", show_default=True)
@click.option("--size", type=click.Choice(list(LABEL_SIZES)), default=DEFAULT_LABEL_SIZE, show_default=True)
def carrier_label_command(erp_code: str, label_format: str, dpi: str, size: str) -> None:
    """Set how the cargo company ERP_CODE wants its labels (flask printers carrier-label ...)."""
    company = db.session.scalar(select(CargoCompany).where(CargoCompany.erp_code == erp_code))
    if company is None:
        raise click.ClickException(f"No cargo company {erp_code}.")
    with transaction(db.session):
        company.label_format, company.label_dpi, company.label_size = label_format, int(dpi), size
    click.echo(f"{company.name} labels: {label_format.upper()}, {dpi} dpi, {size}.")
