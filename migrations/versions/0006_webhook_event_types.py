"""webhook subscriptions receive several event types; event snapshots taken after commit

Revision ID: 0006
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_types", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_ready", sa.Boolean(), nullable=False, server_default=sa.true()))
    webhook = sa.table(
        "webhook", sa.column("id", sa.Integer), sa.column("event_type", sa.String), sa.column("event_types", sa.JSON)
    )
    connection = op.get_bind()
    for hook_id, event_type in connection.execute(sa.select(webhook.c.id, webhook.c.event_type)).all():
        connection.execute(
            webhook.update().where(webhook.c.id == hook_id).values(event_types=[event_type])
        )


def downgrade():
    with op.batch_alter_table("webhook_event", schema=None) as batch_op:
        batch_op.drop_column("payload_ready")
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.drop_column("event_types")
