"""create accounts (the healthy base)

Revision ID: b0a1c2d3e4f5
Revises: 
Create Date: 2024-03-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


revision = 'b0a1c2d3e4f5'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("accounts", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("name", sa.Text()))


def downgrade() -> None:
    op.drop_table("accounts")
