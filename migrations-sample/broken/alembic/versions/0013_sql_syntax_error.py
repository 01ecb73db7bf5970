"""invalid SQL

Revision ID: f1a2b3c4d5e6
Revises: e0f1a2b3c4d5
Create Date: 2024-03-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'f1a2b3c4d5e6'
down_revision = 'e0f1a2b3c4d5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # sql-syntax-error: "ALTER TABEL" is not PostgreSQL.
    op.execute("ALTER TABEL accounts ADD COLUMN x integer")


def downgrade() -> None:
    pass
