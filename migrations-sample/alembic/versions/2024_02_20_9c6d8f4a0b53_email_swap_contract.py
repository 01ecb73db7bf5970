"""email swap 3/3 (contract): switch to email_new

Revision ID: 9c6d8f4a0b53
Revises: 8b5c7e3f9a42
Create Date: 2024-02-20 17:12:33.470561

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9c6d8f4a0b53'
down_revision: Union[str, Sequence[str], None] = '8b5c7e3f9a42'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The contract step of expand/migrate/contract: deployed only once no running code reads
    # users.email, so dropping and renaming here is deliberate.
    op.drop_index("idx_users_email_active", table_name="users")
    op.drop_index("ix_users_email", table_name="users")
    op.drop_column("users", "email")  # alembic: ignore[ban-drop-column]
    op.alter_column("users", "email_new", new_column_name="email")  # alembic: ignore[renaming-column]


def downgrade() -> None:
    op.alter_column("users", "email", new_column_name="email_new")
    op.add_column("users", sa.Column("email", sa.String(255), nullable=True))
    op.execute(sa.text("UPDATE users SET email = email_new WHERE email IS NULL"))
    op.alter_column("users", "email", nullable=False)  # as before the upgrade
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    op.create_index("idx_users_email_active", "users", ["email", "is_active"])
