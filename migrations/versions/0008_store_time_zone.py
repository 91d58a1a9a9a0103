"""each stock location has a time zone; a transition log records its store, indexed for the dashboard

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stock_location", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("transition_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stock_location_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_transition_log_stock_location_id_stock_location"), "stock_location",
            ["stock_location_id"], ["id"],
        )
    # Every log so far happened where its package is: no command moves a package between stores.
    op.execute(
        "UPDATE transition_log SET stock_location_id = "
        "(SELECT package.stock_location_id FROM package WHERE package.id = transition_log.object_id)"
    )
    op.create_index(
        "ix_transition_log_store_state_created", "transition_log",
        ["stock_location_id", "new_state_id", "created_date", "object_id", "user_id"], unique=False,
    )
    op.create_index(
        "ix_transition_log_object_state_created", "transition_log",
        ["object_id", "new_state_id", "created_date"], unique=False,
    )


def downgrade():
    op.drop_index("ix_transition_log_object_state_created", table_name="transition_log")
    op.drop_index("ix_transition_log_store_state_created", table_name="transition_log")
    with op.batch_alter_table("transition_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_transition_log_stock_location_id_stock_location"), type_="foreignkey")
        batch_op.drop_column("stock_location_id")
    with op.batch_alter_table("stock_location", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
