"""the references' fields: each row keeps the fields the station does not act on
(reference_fields), cargo companies get the uuid Seller Center names them by, and customer
and place names a folded copy that case-insensitive filters compare on both databases

Revision ID: 0012_api
Revises: 0010
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0012_api"
down_revision = "0010"
branch_labels = None
depends_on = None

KEPT = ("country", "city", "township", "district", "address", "stock_location", "product", "order_item", "package")
FOLDED = {
    "customer": {"first_name": "first_name_folded", "last_name": "last_name_folded"},
    "country": {"name": "name_folded"},
    "city": {"name": "name_folded"},
    "township": {"name": "name_folded"},
}


def upgrade():
    if "reference_fields" in {column["name"] for column in sa.inspect(op.get_bind()).get_columns("package")}:
        return  # ran before 0010 when the chain ended there (see 0010)
    from packing.core.models import fold_case

    for table in KEPT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("reference_fields", sa.JSON(), nullable=True))
    for table, pairs in FOLDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for folded in pairs.values():
                batch_op.add_column(sa.Column(folded, sa.String(length=100), nullable=False, server_default=""))
        bind = op.get_bind()
        columns = ", ".join(["id", *pairs])
        for row in bind.execute(sa.text(f"SELECT {columns} FROM {table}")).mappings().all():
            values = {folded: fold_case(row[source]) for source, folded in pairs.items()}
            assignments = ", ".join(f"{folded} = :{folded}" for folded in values)
            bind.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": row["id"]})
        with op.batch_alter_table(table, schema=None) as batch_op:
            for folded in pairs.values():
                batch_op.alter_column(folded, server_default=None)
                batch_op.create_index(batch_op.f(f"ix_{table}_{folded}"), [folded], unique=False)

    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(length=36), nullable=True))
    bind = op.get_bind()
    for (company_id,) in bind.execute(sa.text("SELECT id FROM cargo_company")).all():
        bind.execute(
            sa.text("UPDATE cargo_company SET uuid = :uuid WHERE id = :id"), {"uuid": str(uuid.uuid4()), "id": company_id}
        )
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.alter_column("uuid", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_cargo_company_uuid"), ["uuid"])


def downgrade():
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cargo_company_uuid"), type_="unique")
        batch_op.drop_column("uuid")
    for table, pairs in FOLDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for folded in pairs.values():
                batch_op.drop_index(batch_op.f(f"ix_{table}_{folded}"))
                batch_op.drop_column(folded)
    for table in KEPT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("reference_fields")
