"""add profile_image to users

Revision ID: 3c8b1f04a6e2
Revises: 2a7e5d91c3b4
Create Date: 2024-01-15 11:40:02.004417

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3c8b1f04a6e2'
down_revision: Union[str, Sequence[str], None] = '2a7e5d91c3b4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Safe on a live table: a nullable column without a default is a catalog-only change.
    op.add_column("users", sa.Column("profile_image", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "profile_image")
