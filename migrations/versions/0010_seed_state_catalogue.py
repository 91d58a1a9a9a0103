"""seed the state catalogue, commands, denial reasons and built-in carrier (data)

A newcomer's first ``flask packages import`` needs the states; ``flask db upgrade`` alone
now leaves them in place, exactly as ``flask seed-catalogue`` writes them (the same code:
it only adds what is missing, so running both is harmless). It runs the catalogue code of
the release being installed against the tables it writes (state, transition, denial_reason,
cargo_company); a later revision that changes those tables must come before this one.

Revision ID: 0010
Revises: 0016_boxes
"""
from alembic import op
from sqlalchemy.orm import Session

revision = "0010"
down_revision = "0016_boxes"
branch_labels = None
depends_on = None


def upgrade():
    from packing.core.catalogue import seed_catalogue

    session = Session(bind=op.get_bind())
    seed_catalogue(session)
    session.flush()


def downgrade():
    """The catalogue is data the retailer may have edited since; it stays."""
