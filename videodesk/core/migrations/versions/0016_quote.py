"""phrase search over neighbouring cues: each cue knows its place in its track and the words of
its window (itself and the next cue), indexed with stemming and English stop words

Revision ID: 0016_quote
Revises: 0013
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_quote'
down_revision = '0013'
branch_labels = None
depends_on = None

OLD_TRIGGERS = ('caption_cues_ai', 'caption_cues_ad', 'caption_cues_au')
# SQLite: FTS5 over the cue and its window, Porter stemming (external content, kept by triggers).
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE caption_cues_fts USING fts5(text, context, content='caption_cues', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER caption_cues_ai AFTER INSERT ON caption_cues BEGIN "
    "INSERT INTO caption_cues_fts(rowid, text, context) VALUES (new.id, new.text, new.context); END",
    "CREATE TRIGGER caption_cues_ad AFTER DELETE ON caption_cues BEGIN "
    "INSERT INTO caption_cues_fts(caption_cues_fts, rowid, text, context) "
    "VALUES ('delete', old.id, old.text, old.context); END",
    "CREATE TRIGGER caption_cues_au AFTER UPDATE ON caption_cues BEGIN "
    "INSERT INTO caption_cues_fts(caption_cues_fts, rowid, text, context) "
    "VALUES ('delete', old.id, old.text, old.context); "
    "INSERT INTO caption_cues_fts(rowid, text, context) VALUES (new.id, new.text, new.context); END",
    "INSERT INTO caption_cues_fts(caption_cues_fts) VALUES ('rebuild')",
)
# PostgreSQL: GIN indexes on the expressions the search query uses (newsroom/search.py).
POSTGRES_FTS = (
    "DROP INDEX IF EXISTS ix_caption_cues_text_fts",
    "CREATE INDEX ix_caption_cues_text_fts ON caption_cues USING GIN (to_tsvector('english'::regconfig, text))",
    "CREATE INDEX ix_caption_cues_context_fts ON caption_cues "
    "USING GIN (to_tsvector('english'::regconfig, context))",
)


def _fill_windows():
    """Place and window of the cues already indexed (in each track, by start time)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        'SELECT id, track_id, text FROM caption_cues ORDER BY track_id, start, id')).fetchall()
    seq = 0
    for i, (cue_id, track_id, text) in enumerate(rows):
        following = rows[i + 1] if i + 1 < len(rows) and rows[i + 1][1] == track_id else None
        seq = 0 if i == 0 or rows[i - 1][1] != track_id else seq + 1
        context = f"{text} {following[2]}" if following else text
        connection.execute(sa.text('UPDATE caption_cues SET seq = :seq, context = :context WHERE id = :id'),
                           {"seq": seq, "context": context, "id": cue_id})


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in OLD_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE caption_cues_fts")
    with op.batch_alter_table('caption_cues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('context', sa.Text(), nullable=False, server_default=''))
    _fill_windows()
    for statement in SQLITE_FTS if dialect == 'sqlite' else POSTGRES_FTS if dialect == 'postgresql' else ():
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in OLD_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE caption_cues_fts")
    elif dialect == 'postgresql':
        op.execute("DROP INDEX ix_caption_cues_context_fts")
        op.execute("DROP INDEX ix_caption_cues_text_fts")
    with op.batch_alter_table('caption_cues', schema=None) as batch_op:
        batch_op.drop_column('context')
        batch_op.drop_column('seq')
    if dialect == 'sqlite':
        # Migration 0009's index: one column, no stemming.
        for statement in (s.replace(", context", "").replace(", new.context", "").replace(", old.context", "")
                          .replace(", tokenize='porter unicode61 remove_diacritics 2'", "") for s in SQLITE_FTS):
            op.execute(statement)
    elif dialect == 'postgresql':
        op.execute("CREATE INDEX ix_caption_cues_text_fts ON caption_cues "
                   "USING GIN (to_tsvector('simple'::regconfig, text))")
