"""pipeline state and worker of each video

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pipeline_state', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('processed_by', sa.String(length=200), nullable=True))
        batch_op.drop_column('probe')


def downgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('probe', sa.JSON(), nullable=True))
        batch_op.drop_column('processed_by')
        batch_op.drop_column('pipeline_state')
