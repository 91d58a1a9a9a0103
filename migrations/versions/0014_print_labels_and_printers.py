"""carriers choose their label format (PDF or ZPL), resolution and size

Revision ID: 0014_print
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_print"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label_format", sa.String(length=8), nullable=False, server_default="pdf"))
        batch_op.add_column(sa.Column("label_dpi", sa.Integer(), nullable=False, server_default="203"))
        batch_op.add_column(sa.Column("label_size", sa.String(length=16), nullable=False, server_default="4x6in"))


def downgrade():
    with op.batch_alter_table("cargo_company", schema=None) as batch_op:
        batch_op.drop_column("label_size")
        batch_op.drop_column("label_dpi")
        batch_op.drop_column("label_format")
