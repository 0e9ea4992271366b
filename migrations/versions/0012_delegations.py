"""delegations (委托), the delegate's steps in the history, a task's principal

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal', sa.String(length=64), nullable=False),
    sa.Column('delegate', sa.String(length=64), nullable=False),
    sa.Column('starts', sa.Date(), nullable=False),
    sa.Column('ends', sa.Date(), nullable=False),
    sa.Column('workflows', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_delegate'), ['delegate'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegations_principal'), ['principal'], unique=False)
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acting_for', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('delegated', sa.JSON(), nullable=True))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegated_from', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('delegated_from')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('delegated')
        batch_op.drop_column('acting_for')
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegations_principal'))
        batch_op.drop_index(batch_op.f('ix_delegations_delegate'))
    op.drop_table('delegations')
