"""clips, trims and chapters of videos

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clip_of', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('trim', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('chapters', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('chapters_file', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('chapters_file')
        batch_op.drop_column('chapters')
        batch_op.drop_column('trim')
        batch_op.drop_column('clip_of')
