"""tracking number sequence for the built-in carrier adapter

Revision ID: 0004
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tracking_number_sequence",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tracking_number_sequence")),
    )


def downgrade():
    op.drop_table("tracking_number_sequence")
