"""second of two heads

Revision ID: d3e4f5a6b7c8
Revises: b0a1c2d3e4f5
Create Date: 2024-03-01 12:00:00.000000

"""
# multiple-heads: see 0003.
from alembic import op
import sqlalchemy as sa


revision = 'd3e4f5a6b7c8'
down_revision = 'b0a1c2d3e4f5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("region", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "region")
