"""NOT NULL column without a default

Revision ID: e0f1a2b3c4d5
Revises: d9e0f1a2b3c4
Create Date: 2024-03-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'e0f1a2b3c4d5'
down_revision = 'd9e0f1a2b3c4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # adding-required-field: fails on a populated table; add it nullable or with a server_default.
    op.add_column("accounts", sa.Column("status", sa.Text(), nullable=False))


def downgrade() -> None:
    op.drop_column("accounts", "status")
