"""add performance indexes

Revision ID: 4d2e9a7c5b18
Revises: 3c8b1f04a6e2
Create Date: 2024-01-22 16:25:51.730912

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '4d2e9a7c5b18'
down_revision: Union[str, Sequence[str], None] = '3c8b1f04a6e2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction: autocommit_block() commits
    # the migration's transaction first, so writes to products/users are never blocked.
    with op.get_context().autocommit_block():
        op.create_index(
            "idx_products_marketplace_shop", "products", ["marketplace", "shop_name"],
            postgresql_concurrently=True,
        )
        op.create_index(
            "idx_users_email_active", "users", ["email", "is_active"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("idx_users_email_active", table_name="users", postgresql_concurrently=True)
        op.drop_index("idx_products_marketplace_shop", table_name="products", postgresql_concurrently=True)
