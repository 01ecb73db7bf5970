"""duplicate id (first file)

Revision ID: e4f5a6b7c8d9
Revises: c2d3e4f5a6b7
Create Date: 2024-03-01 12:00:00.000000

"""
# duplicate-revision: 0006 declares the same revision id.
from alembic import op
import sqlalchemy as sa


revision = 'e4f5a6b7c8d9'
down_revision = 'c2d3e4f5a6b7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("email", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "email")
