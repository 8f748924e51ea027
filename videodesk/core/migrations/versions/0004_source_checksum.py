"""SHA-256 of each source, for duplicate detection

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_sha256', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_videos_source_sha256', ['source_sha256'], unique=False)
        # Sources of 2 GB and more need 64 bits.
        batch_op.alter_column('source_size', type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.alter_column('source_size', type_=sa.Integer(), existing_type=sa.BigInteger())
        batch_op.drop_index('ix_videos_source_sha256')
        batch_op.drop_column('source_sha256')
