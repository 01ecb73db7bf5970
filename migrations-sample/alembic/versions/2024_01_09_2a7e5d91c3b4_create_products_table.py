"""create products table

Revision ID: 2a7e5d91c3b4
Revises: 1f9a3c2b7d10
Create Date: 2024-01-09 14:03:10.552031

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '2a7e5d91c3b4'
down_revision: Union[str, Sequence[str], None] = '1f9a3c2b7d10'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("marketplace", sa.Text(), nullable=False),
        sa.Column("shop_name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        # Prices arrive as text from marketplace feeds; normalized_price (later) is the numeric copy.
        sa.Column("price", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )


def downgrade() -> None:
    op.drop_table("products")
