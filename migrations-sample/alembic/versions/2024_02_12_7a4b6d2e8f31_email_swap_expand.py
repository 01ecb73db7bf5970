"""email swap 1/3 (expand): add email_new

Revision ID: 7a4b6d2e8f31
Revises: 6f3a2c9e1d45
Create Date: 2024-02-12 13:30:05.128840

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7a4b6d2e8f31'
down_revision: Union[str, Sequence[str], None] = '6f3a2c9e1d45'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email_new", sa.String(320), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "email_new")
