"""third security review: the link an import credits, media bytes for the storage quota, work
requests for rate limits; webhook URLs already in the audit log cut to their scheme and host

Revision ID: 0015_security
Revises: 0018_audio
Create Date: 2026-12-04
"""
from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

import videodesk.core.db

revision = '0015_security'
down_revision = '0018_audio'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_url', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('media_bytes', sa.BigInteger(), nullable=True))
    op.create_table(
        'work_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('at', videodesk.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_work_requests_user_kind_at', 'work_requests', ['user_id', 'kind', 'at'])
    _audit_only_webhook_origins()


def _origin(url: str) -> str:
    """As videodesk.core.links.origin at this revision: scheme, host and port."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else (parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _audit_only_webhook_origins():
    """Editors read the audit log; a chat webhook's URL is its credential (finding 8)."""
    events = sa.table('audit_events', sa.column('id', sa.Integer), sa.column('action', sa.String),
                      sa.column('detail', sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(events.c.id, events.c.detail).where(
        events.c.action.in_(('webhook_create', 'webhook_delete')))).all()
    for row in rows:
        detail = row.detail or {}
        if isinstance(detail.get('url'), str):
            connection.execute(events.update().where(events.c.id == row.id).values(
                detail={**detail, 'url': _origin(detail['url'])}))


def downgrade():
    op.drop_index('ix_work_requests_user_kind_at', table_name='work_requests')
    op.drop_table('work_requests')
    with op.batch_alter_table('videos', schema=None) as batch_op:
        batch_op.drop_column('media_bytes')
        batch_op.drop_column('credit_url')
