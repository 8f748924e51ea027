"""a failure field per edit job (poster, social cut) beside the processing error

Revision ID: 0014_lifecycle
Revises: 0019_analytics
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_lifecycle'
down_revision = '0019_analytics'
branch_labels = None
depends_on = None

# A ready video's `error` could only come from an edit job; its words say which.
EDIT_JOBS = (("poster", "%poster%"), ("social_cut", "%social cut%"))


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edit_errors', sa.JSON(), nullable=False, server_default='{}'))
    videos = sa.table('videos', sa.column('id', sa.String), sa.column('status', sa.String),
                      sa.column('error', sa.Text), sa.column('edit_errors', sa.JSON))
    connection = op.get_bind()
    for job, words in EDIT_JOBS:
        rows = connection.execute(sa.select(videos.c.id, videos.c.error).where(
            videos.c.status == 'ready', videos.c.error.like(words))).all()
        for video_id, error in rows:
            connection.execute(videos.update().where(videos.c.id == video_id)
                               .values(edit_errors={job: error}, error=None))


def downgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('edit_errors')
