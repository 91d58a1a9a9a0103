"""package.imported_version: the version the last import left, so a re-import never undoes newer work

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("package", schema=None) as batch_op:
        batch_op.add_column(sa.Column("imported_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("package", schema=None) as batch_op:
        batch_op.drop_column("imported_version")
