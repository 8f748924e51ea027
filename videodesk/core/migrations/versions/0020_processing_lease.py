"""processing holds a lease of its own: the transcription of the same video, running beside it,
moves the row's updated_at too and must not keep a dead processing job looking alive

Revision ID: 0020_processing_lease
Revises: 0017_live
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0020_processing_lease'
down_revision = '0017_live'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processing_renewed_at', videodesk.core.db.UTCDateTime(), nullable=True))
    # A video being processed now keeps the lease its row's updated_at gave it.
    op.execute("UPDATE videos SET processing_renewed_at = updated_at WHERE status = 'processing'")


def downgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('processing_renewed_at')
