"""boxes (parcels): a store's box types, a package's boxes with weight, dimensions,
tracking number and SSCC, the box each counted unit went into, and how a carrier tracks
boxes and whether it wants SSCCs

Revision ID: 0016_boxes
Revises: 0015_cases
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_boxes"
down_revision = "0015_cases"
branch_labels = None
depends_on = None


def upgrade():
    if sa.inspect(op.get_bind()).has_table("box_type"):
        return  # ran before 0010 when the chain ended there (see 0010)
    op.create_table(
        "box_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stock_location_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("length_cm", sa.Numeric(6, 1), nullable=False),
        sa.Column("width_cm", sa.Numeric(6, 1), nullable=False),
        sa.Column("height_cm", sa.Numeric(6, 1), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stock_location_id"],
            ["stock_location.id"],
            name=op.f("fk_box_type_stock_location_id_stock_location"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_box_type")),
        sa.UniqueConstraint("stock_location_id", "code", name="uq_box_type_location_code"),
    )
    with op.batch_alter_table("box_type", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_box_type_stock_location_id"), ["stock_location_id"], unique=False)
    op.create_table(
        "package_box",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("box_type_id", sa.Integer(), nullable=True),
        sa.Column("weight_kg", sa.Numeric(7, 3), nullable=True),
        sa.Column("length_cm", sa.Numeric(6, 1), nullable=True),
        sa.Column("width_cm", sa.Numeric(6, 1), nullable=True),
        sa.Column("height_cm", sa.Numeric(6, 1), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("sscc", sa.String(length=18), nullable=True),
        sa.Column("client_scan_id", sa.String(length=64), nullable=True),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name=op.f("ck_package_box_weight_positive")),
        sa.ForeignKeyConstraint(
            ["box_type_id"], ["box_type.id"], name=op.f("fk_package_box_box_type_id_box_type"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["package.id"], name=op.f("fk_package_box_package_id_package"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_box")),
        sa.UniqueConstraint("package_id", "number", name="uq_package_box_package_number"),
        sa.UniqueConstraint("sscc", name=op.f("uq_package_box_sscc")),
    )
    with op.batch_alter_table("package_box", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_package_box_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_package_box_tracking_number"), ["tracking_number"], unique=False)
    with op.batch_alter_table("package_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("box_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_package_item_box_id"), ["box_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_package_item_box_id_package_box"), "package_box", ["box_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parcel_tracking", sa.String(length=8), server_default="own", nullable=False))
        batch_op.add_column(sa.Column("uses_sscc", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.drop_column("uses_sscc")
        batch_op.drop_column("parcel_tracking")
    with op.batch_alter_table("package_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_package_item_box_id_package_box"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_package_item_box_id"))
        batch_op.drop_column("box_id")
    with op.batch_alter_table("package_box", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_package_box_tracking_number"))
        batch_op.drop_index(batch_op.f("ix_package_box_package_id"))
    op.drop_table("package_box")
    with op.batch_alter_table("box_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_box_type_stock_location_id"))
    op.drop_table("box_type")
