"""each stock location has a time zone; the dashboard reads the log by state and time

Revision ID: 0014_store_time_zone
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_store_time_zone"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stock_location", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_transition_log_new_state_created", "transition_log", ["new_state_id", "created_date"], unique=False
    )


def downgrade():
    op.drop_index("ix_transition_log_new_state_created", table_name="transition_log")
    with op.batch_alter_table("stock_location", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
