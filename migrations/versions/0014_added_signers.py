"""加签: a task's added signer, and the task it was added to

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_for', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sign_position', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('sign_position')
        batch_op.drop_column('sign_for')
