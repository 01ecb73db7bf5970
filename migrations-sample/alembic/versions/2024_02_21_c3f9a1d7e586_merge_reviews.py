"""merge the reviews branch into main

Revision ID: c3f9a1d7e586
Revises: 9c6d8f4a0b53, b2e8f0c6d475
Create Date: 2024-02-21 10:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c3f9a1d7e586'
down_revision: Union[str, Sequence[str], None] = ('9c6d8f4a0b53', 'b2e8f0c6d475')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
