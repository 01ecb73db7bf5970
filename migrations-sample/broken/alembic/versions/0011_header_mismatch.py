"""docstring disagrees with the code

Revision ID: d9e0f1a2b3c4
Revises: b7c8d9e0f1a2
Create Date: 2024-03-01 12:00:00.000000

"""
# header-mismatch: the docstring says Revises: b7c8d9e0f1a2, the code says c8d9e0f1a2b3.
from alembic import op
import sqlalchemy as sa


revision = 'd9e0f1a2b3c4'
down_revision = 'c8d9e0f1a2b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("tier", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("accounts", "tier")
