"""index built while blocking writes

Revision ID: a6b7c8d9e0f1
Revises: f5a6b7c8d9e0
Create Date: 2024-03-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'a6b7c8d9e0f1'
down_revision = 'f5a6b7c8d9e0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # require-concurrent-index-creation: accounts already exists; this locks out writes while it builds.
    op.create_index("ix_accounts_name", "accounts", ["name"])


def downgrade() -> None:
    op.drop_index("ix_accounts_name", table_name="accounts")
