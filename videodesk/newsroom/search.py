"""Find the quote: every cue of every caption track's current version is a row of caption_cues,
indexed for full-text search (SQLite FTS5, or PostgreSQL's tsvector with a GIN index), so a desk
can find where in which video something was said.

Both engines use plain word matching without stemming (FTS5's unicode61 tokenizer, PostgreSQL's
'simple' configuration): cues come in many languages, and a quote is searched by its words."""
import re

from sqlalchemy import column, delete, func, literal_column, select, table

from videodesk.core import db, storage
from videodesk.core.errors import Invalid
from videodesk.core.models import CaptionCue, CaptionTrack, Video
from videodesk.media.captions import cues_of

MAX_QUERY = 200
LIMIT = 50
WORD = re.compile(r"\w+")
# The expression of the PostgreSQL GIN index (migration 0009); the query must use the same one.
PG_VECTOR = "to_tsvector('simple'::regconfig, caption_cues.text)"
FTS = table("caption_cues_fts", column("rowid"), column("rank"))


def index_track(track: CaptionTrack):
    """Replace the indexed cues of a track with those of its current file (flushes the session)."""
    session = db.session()
    session.flush()  # a new track needs its id
    session.execute(delete(CaptionCue).where(CaptionCue.track_id == track.id))
    path = storage.media_dir(track.video_id) / track.filename
    cues = cues_of(path.read_text(encoding="utf-8")) if path.is_file() else []
    session.add_all(CaptionCue(video_id=track.video_id, track_id=track.id, lang=track.lang, start=cue["start"],
                               end=cue["end"], text=" ".join(cue["text"].split()))
                    for cue in cues if cue["text"].strip())
    session.flush()


def remove_video(video_id: str):
    db.session().execute(delete(CaptionCue).where(CaptionCue.video_id == video_id))


def query_words(q) -> list[str]:
    """The words of a search; Invalid (400) when there is nothing to search for or too much."""
    if not isinstance(q, str) or not q.strip():
        raise Invalid("Send the words to find as 'q'.", code="missing_field")
    if len(q) > MAX_QUERY:
        raise Invalid(f"'q' is limited to {MAX_QUERY} characters.")
    words = WORD.findall(q)
    if not words:
        raise Invalid("'q' must contain at least one word.")
    return words


def find(user, q, limit: int = LIMIT) -> list[dict]:
    """Cues that contain every word of `q`, best matches first, in the videos this user may
    manage (producers: their own; editors: all): {"video_id", "title", "track_id", "lang",
    "start", "end", "text"}."""
    words = query_words(q)
    session = db.session()
    query = (select(CaptionCue, Video.title).join(Video, Video.id == CaptionCue.video_id).limit(limit))
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    if session.get_bind().dialect.name == "postgresql":
        vector = literal_column(PG_VECTOR)
        tsquery = func.plainto_tsquery(literal_column("'simple'::regconfig"), " ".join(words))
        query = query.where(vector.op("@@")(tsquery)).order_by(
            func.ts_rank(vector, tsquery).desc(), CaptionCue.video_id, CaptionCue.start)
    else:
        # Each word quoted: FTS5 syntax (AND, NEAR, *, column filters) in a search box is just text.
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        query = (query.join(FTS, FTS.c.rowid == CaptionCue.id)
                 .where(literal_column("caption_cues_fts").op("MATCH")(match))
                 .order_by(FTS.c.rank, CaptionCue.video_id, CaptionCue.start))
    return [{"video_id": cue.video_id, "title": title, "track_id": cue.track_id, "lang": cue.lang,
             "start": cue.start, "end": cue.end, "text": cue.text}
            for cue, title in session.execute(query)]
