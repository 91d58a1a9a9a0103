"""carriers choose their ZPL resolution (format and size come with 0013_admin); stores register
printers, and print jobs record what the worker sent to them

Revision ID: 0014_print
Revises: 0013_admin
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_print"
down_revision = "0013_admin"
branch_labels = None
depends_on = None


def upgrade():
    if "label_dpi" in {column["name"] for column in sa.inspect(op.get_bind()).get_columns("cargo_company")}:
        return  # ran before 0010 when the chain ended there (see 0010)
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_dpi", sa.Integer(), nullable=False, server_default="203"))
    op.create_table(
        "printer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stock_location_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("ipp_path", sa.String(length=200), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=False),
        sa.Column("print_on_pack", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_date", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stock_location_id"], ["stock_location.id"], name=op.f("fk_printer_stock_location_id_stock_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_printer")),
    )
    with op.batch_alter_table("printer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_printer_stock_location_id"), ["stock_location_id"], unique=False)
    op.create_table(
        "print_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printer_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_date", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_date", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["package_id"], ["package.id"], name=op.f("fk_print_job_package_id_package")),
        sa.ForeignKeyConstraint(["printer_id"], ["printer.id"], name=op.f("fk_print_job_printer_id_printer")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_print_job_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_job")),
    )
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_job_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_print_job_printer_id"), ["printer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_job_printer_id"))
        batch_op.drop_index(batch_op.f("ix_print_job_package_id"))
    op.drop_table("print_job")
    with op.batch_alter_table("printer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_printer_stock_location_id"))
    op.drop_table("printer")
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.drop_column("label_dpi")
