"""parts of a parallel ladder (chunks, sound, assembly) with their leases

Revision ID: 0013
Revises: 0008
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0013'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ladder_parts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('video_id', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('weight', sa.Float(), nullable=False),
        sa.Column('progress', sa.Float(), nullable=False),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('updated_at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['video_id'], ['videos.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('video_id', 'name'),
    )
    op.create_index('ix_ladder_parts_video_id', 'ladder_parts', ['video_id'])
    op.create_index('ix_ladder_parts_status', 'ladder_parts', ['status'])


def downgrade():
    op.drop_index('ix_ladder_parts_status', table_name='ladder_parts')
    op.drop_index('ix_ladder_parts_video_id', table_name='ladder_parts')
    op.drop_table('ladder_parts')
