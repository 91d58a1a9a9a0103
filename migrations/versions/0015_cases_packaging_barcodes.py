"""case and packaging barcodes: a product's packaging counts N units in one scan, and the
scans of one case share its client scan id

Revision ID: 0015_cases
Revises: 0014_print
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_cases"
down_revision = "0014_print"
branch_labels = None
depends_on = None


def upgrade():
    if sa.inspect(op.get_bind()).has_table("product_packaging"):
        return  # ran before 0010 when the chain ended there (see 0010)
    op.create_table(
        "product_packaging",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("barcode", sa.String(length=128), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 2", name=op.f("ck_product_packaging_quantity_at_least_two")),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_packaging_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_packaging")),
        sa.UniqueConstraint("barcode", name=op.f("uq_product_packaging_barcode")),
    )
    with op.batch_alter_table("product_packaging", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_packaging_product_id"), ["product_id"], unique=False)
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_scan_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_column("case_scan_id")
    with op.batch_alter_table("product_packaging", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_packaging_product_id"))
    op.drop_table("product_packaging")
