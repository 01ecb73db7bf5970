"""upgrade without a way back

Revision ID: b7c8d9e0f1a2
Revises: a6b7c8d9e0f1
Create Date: 2024-03-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c8d9e0f1a2'
down_revision = 'a6b7c8d9e0f1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("invoices", sa.Column("id", sa.BigInteger(), primary_key=True))


def downgrade() -> None:
    # empty-downgrade: upgrade() creates a table, downgrade() does nothing.
    pass
