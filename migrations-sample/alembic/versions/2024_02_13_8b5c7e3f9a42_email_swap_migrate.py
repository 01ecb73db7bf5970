"""email swap 2/3 (migrate): copy email into email_new

Revision ID: 8b5c7e3f9a42
Revises: 7a4b6d2e8f31
Create Date: 2024-02-13 09:05:48.901337

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8b5c7e3f9a42'
down_revision: Union[str, Sequence[str], None] = '7a4b6d2e8f31'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE users SET email_new = lower(email) WHERE email_new IS NULL"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE users SET email_new = NULL WHERE email_new IS NOT NULL"))
