"""validate normalized_price constraint

Revision ID: 6f3a2c9e1d45
Revises: 5e1f3b8d9c27
Create Date: 2024-02-05 08:44:19.640085

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6f3a2c9e1d45'
down_revision: Union[str, Sequence[str], None] = '5e1f3b8d9c27'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE: reads and writes continue.
    op.execute("ALTER TABLE products VALIDATE CONSTRAINT ck_products_normalized_price_not_null")


def downgrade() -> None:
    # Validation has no inverse; the constraint itself is dropped by the previous revision.
    pass
