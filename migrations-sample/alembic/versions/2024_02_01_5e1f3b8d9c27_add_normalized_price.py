"""add normalized_price and backfill it

Revision ID: 5e1f3b8d9c27
Revises: 4d2e9a7c5b18
Create Date: 2024-02-01 10:02:37.269954

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5e1f3b8d9c27'
down_revision: Union[str, Sequence[str], None] = '4d2e9a7c5b18'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Expand: a nullable column, so existing rows need no rewrite.
    op.add_column("products", sa.Column("normalized_price", sa.Numeric(10, 2), nullable=True))
    # Migrate: backfill in key ranges (not LIMIT/OFFSET), so each statement touches a bounded
    # set of rows. Plain SQL, so `alembic upgrade --sql` renders it too.
    op.execute(
        """
        UPDATE products
           SET normalized_price = CAST(price AS NUMERIC(10, 2))
         WHERE normalized_price IS NULL
           AND price ~ '^[0-9]+(\\.[0-9]+)?$'
        """
    )
    # NOT NULL without a long lock: a CHECK constraint added NOT VALID (instant), validated in
    # the next migration (a scan that does not block writes).
    op.create_check_constraint(
        "ck_products_normalized_price_not_null", "products", "normalized_price IS NOT NULL",
        postgresql_not_valid=True,
    )


def downgrade() -> None:
    op.drop_constraint("ck_products_normalized_price_not_null", "products", type_="check")
    op.drop_column("products", "normalized_price")
