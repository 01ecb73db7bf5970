"""first of two heads

Revision ID: c2d3e4f5a6b7
Revises: b0a1c2d3e4f5
Create Date: 2024-03-01 12:00:00.000000

"""
# multiple-heads: this line (0003, 0005, 0006) and the line of 0004 both continue from b0a1c2d3e4f5 and nothing
# merges them; the warning shows on the last revision of each line.
from alembic import op
import sqlalchemy as sa


revision = 'c2d3e4f5a6b7'
down_revision = 'b0a1c2d3e4f5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("plan", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "plan")
