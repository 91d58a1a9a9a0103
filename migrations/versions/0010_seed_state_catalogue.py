"""seed the state catalogue (now done after every upgrade; see migrations/env.py)

This revision once seeded the state catalogue, commands, denial reasons and built-in carrier
with the release's own catalogue code, and to do so had to stay the last revision: later ones
were inserted before it. A database stamped 0010 therefore holds none, some or all of
0012_api..0015_cases, always in that order, and never saw a revision inserted after it was
stamped. The chain is straight again (0009 -> 0010 -> 0012_api -> ...): each of those
revisions first checks whether its change is already there and skips itself if so, and the
catalogue is seeded by migrations/env.py whenever an upgrade reaches the head, with the code of
the release being installed, so no data revision needs to come last.

Revision ID: 0010
Revises: 0009
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    """The catalogue is seeded after the last revision (migrations/env.py)."""


def downgrade():
    """The catalogue is data the retailer may have edited since; it stays."""
