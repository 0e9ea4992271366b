"""tasks: each open step of a case as a task for a pool or a named person (issue 15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:00:00.000000

The rows of the cases already open are made by `flask init-db` after the upgrade (workflow/cases/task_rows.py
`backfill`), which replays each case's history through the board: a migration does not load the definitions.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('visit', sa.Integer(), nullable=False),
    sa.Column('triggers', sa.JSON(), nullable=False),
    sa.Column('pool_role', sa.String(length=64), nullable=True),
    sa.Column('pool_unit', sa.String(length=32), nullable=True),
    sa.Column('person', sa.String(length=64), nullable=True),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('claimable', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_seq', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'number')
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_assignee', ['status', 'assignee'], unique=False)
        batch_op.create_index('ix_tasks_pool', ['status', 'pool_role'], unique=False)
        batch_op.create_index('ix_tasks_done_by', ['done_by', 'closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_done_by')
        batch_op.drop_index('ix_tasks_pool')
        batch_op.drop_index('ix_tasks_assignee')
    op.drop_table('tasks')
