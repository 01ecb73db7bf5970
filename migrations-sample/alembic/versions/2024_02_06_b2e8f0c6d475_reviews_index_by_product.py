"""reviews: index reviews by product

Revision ID: b2e8f0c6d475
Revises: a1d7e9b5c364
Create Date: 2024-02-06 12:14:09.815276

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b2e8f0c6d475'
down_revision: Union[str, Sequence[str], None] = 'a1d7e9b5c364'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = '4d2e9a7c5b18'


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_reviews_product_created", "reviews", ["product_id", "created_at"],
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_reviews_product_created", table_name="reviews", postgresql_concurrently=True)
