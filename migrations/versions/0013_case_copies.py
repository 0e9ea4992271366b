"""case copies (抄送)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'username')
    )
    with op.batch_alter_table('case_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_copies_username'), ['username'], unique=False)


def downgrade():
    with op.batch_alter_table('case_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_copies_username'))
    op.drop_table('case_copies')
