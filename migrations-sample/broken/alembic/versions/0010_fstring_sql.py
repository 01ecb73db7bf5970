"""SQL built with an f-string

Revision ID: c8d9e0f1a2b3
Revises: b7c8d9e0f1a2
Create Date: 2024-03-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'c8d9e0f1a2b3'
down_revision = 'b7c8d9e0f1a2'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = "accounts"
    # sql-string-interpolation: values and names are pasted into SQL; use bind parameters.
    op.execute(f"UPDATE {table} SET name = 'x' WHERE id = 1")


def downgrade() -> None:
    pass
