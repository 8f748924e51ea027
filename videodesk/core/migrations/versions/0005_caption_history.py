"""earlier versions of each caption track

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('caption_tracks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('history', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('caption_tracks', schema=None) as batch_op:
        batch_op.drop_column('history')
