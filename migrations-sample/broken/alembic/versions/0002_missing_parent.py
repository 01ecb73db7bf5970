"""points at a revision that does not exist

Revision ID: b1c2d3e4f5a6
Revises: deadbeef0000
Create Date: 2024-03-01 12:00:00.000000

"""
# missing-parent: down_revision names deadbeef0000, which no file declares.
from alembic import op
import sqlalchemy as sa


revision = 'b1c2d3e4f5a6'
down_revision = 'deadbeef0000'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "note")
