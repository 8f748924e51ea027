"""Find the quote: every cue of every caption track's current version is a row of caption_cues,
indexed for full-text search (SQLite FTS5, or PostgreSQL's tsvector with GIN indexes), so a desk
can find where in which video something was said, also while the video is still being transcribed.

A recogniser splits speech into cues wherever a pause falls, so a quote is often cut in two
("… said the talks were useful" | "but difficult, and …"). Each cue is therefore indexed twice:
its own words (`text`) and its window (`context`: its words and the next cue's). A search matches
windows, and the answer starts at the first cue of the match. Ranking: the exact phrase in one cue,
the exact phrase across two, all the words in one cue, all the words across two.

Both engines stem words and pass over English stop words, as full-text engines do (FTS5's Porter
tokenizer with STOP_WORDS left out of the query; PostgreSQL's 'english' configuration), so "the
talk was useful" finds "the talks were useful", and a "the" the recogniser inserted or dropped does
not hide the quote."""
import re
from dataclasses import dataclass

from sqlalchemy import column, delete, func, literal_column, select, table, tuple_

from videodesk.core import db, storage
from videodesk.core.errors import Invalid
from videodesk.core.models import CaptionCue, CaptionTrack, Video
from videodesk.media.captions import cues_of

MAX_QUERY = 200
MAX_WORDS = 24
LIMIT = 50
CANDIDATES = 4 * LIMIT  # windows looked at before ranking; bounds the work of one search
WORD = re.compile(r"\w+")  # linear: one character class, no nesting
# The expressions of the PostgreSQL GIN indexes (migration 0016_quote); queries must use the same ones.
PG_TEXT = "to_tsvector('english'::regconfig, caption_cues.text)"
PG_CONTEXT = "to_tsvector('english'::regconfig, caption_cues.context)"
PG_CONFIG = "'english'::regconfig"
FTS = table("caption_cues_fts", column("rowid"), column("rank"))
# Left out of the loose (all-words) query on SQLite, like PostgreSQL's 'english' configuration does.
STOP_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "has", "have", "he",
    "her", "his", "i", "in", "is", "it", "its", "of", "on", "or", "our", "she", "so", "that", "the", "their",
    "them", "they", "this", "to", "was", "we", "were", "what", "when", "which", "who", "will", "with", "you",
    "your",
))


def index_track(track: CaptionTrack):
    """Replace the indexed cues of a track with those of its current file (flushes the session)."""
    session = db.session()
    session.flush()  # a new track needs its id
    session.execute(delete(CaptionCue).where(CaptionCue.track_id == track.id))
    path = storage.media_dir(track.video_id) / track.filename
    cues = cues_of(path.read_text(encoding="utf-8")) if path.is_file() else []
    texts = [(cue, " ".join(cue["text"].split())) for cue in cues]
    texts = [(cue, text) for cue, text in texts if text]
    session.add_all(CaptionCue(video_id=track.video_id, track_id=track.id, lang=track.lang, start=cue["start"],
                               end=cue["end"], text=text, seq=seq,
                               context=f"{text} {texts[seq + 1][1]}" if seq + 1 < len(texts) else text)
                    for seq, (cue, text) in enumerate(texts))
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
    if len(words) > MAX_WORDS:
        raise Invalid(f"'q' is limited to {MAX_WORDS} words.")
    return words


@dataclass
class Window:
    """A candidate cue and how the search matched it."""
    cue: CaptionCue
    title: str
    phrase_in_cue: bool = False
    phrase_in_window: bool = False
    words_in_cue: bool = False

    @property
    def tier(self) -> int:
        if self.phrase_in_cue:
            return 0
        if self.phrase_in_window:
            return 1
        return 2 if self.words_in_cue else 3


def _base_query(user):
    query = select(CaptionCue, Video.title).join(Video, Video.id == CaptionCue.video_id)
    if not user.has_role("editor"):
        query = query.where(Video.owner_id == user.id)
    return query.limit(CANDIDATES)


def _postgres_windows(session, user, words: list[str]) -> list[Window]:
    text, context = literal_column(PG_TEXT), literal_column(PG_CONTEXT)
    config, joined = literal_column(PG_CONFIG), " ".join(words)
    loose, phrase = func.plainto_tsquery(config, joined), func.phraseto_tsquery(config, joined)
    query = (_base_query(user).add_columns(context.op("@@")(phrase), text.op("@@")(phrase), text.op("@@")(loose))
             .where(context.op("@@")(loose))
             .order_by(func.ts_rank(context, loose).desc(), CaptionCue.video_id, CaptionCue.start))
    return [Window(cue, title, phrase_in_window=in_window, phrase_in_cue=in_cue, words_in_cue=words_in_cue)
            for cue, title, in_window, in_cue, words_in_cue in session.execute(query)]


def _sqlite_windows(session, user, words: list[str]) -> list[Window]:
    """Every word is quoted, so search syntax (AND, NEAR, *, column filters) in a search box is just
    text; the loose query leaves out stop words unless nothing else is left."""
    keywords = [word for word in words if word.lower() not in STOP_WORDS] or words
    loose = "(" + " ".join(f'"{word}"' for word in keywords) + ")"
    phrase = '"' + " ".join(words) + '"'
    fts = literal_column("caption_cues_fts")
    query = (_base_query(user).join(FTS, FTS.c.rowid == CaptionCue.id).where(fts.op("MATCH")(f"context : {loose}"))
             .order_by(FTS.c.rank, CaptionCue.video_id, CaptionCue.start))
    windows = [Window(cue, title) for cue, title in session.execute(query)]
    ids = [window.cue.id for window in windows]

    def matching(expression: str) -> set[int]:
        return set(session.scalars(select(FTS.c.rowid).where(fts.op("MATCH")(expression), FTS.c.rowid.in_(ids))))

    if ids:
        in_window, in_cue, words_in_cue = (matching(f"context : {phrase}"), matching(f"text : {phrase}"),
                                           matching(f"text : {loose}"))
        for window in windows:
            window.phrase_in_window = window.cue.id in in_window
            window.phrase_in_cue = window.cue.id in in_cue
            window.words_in_cue = window.cue.id in words_in_cue
    return windows


def find(user, q, limit: int = LIMIT) -> list[dict]:
    """Where the words of `q` were said, in the videos this user may manage (producers: their own;
    editors: all), best matches first: {"video_id", "title", "track_id", "lang", "start", "end",
    "text"}; a match over two cues starts at the first and ends with the second."""
    words = query_words(q)
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        windows = _postgres_windows(session, user, words)
    else:
        windows = _sqlite_windows(session, user, words)
    by_place = {(window.cue.track_id, window.cue.seq): window for window in windows}

    def explained_by_next(window: Window) -> bool:
        """The window matched only because the next cue holds the words: that cue is the answer."""
        following = by_place.get((window.cue.track_id, window.cue.seq + 1))
        return not window.words_in_cue and following is not None and following.words_in_cue

    ranked = sorted((window for window in windows if not explained_by_next(window)), key=lambda window: window.tier)
    found = ranked[:limit]
    spanning = [(w.cue.track_id, w.cue.seq + 1) for w in found if not w.words_in_cue]
    following = {(cue.track_id, cue.seq): cue for cue in session.scalars(
        select(CaptionCue).where(tuple_(CaptionCue.track_id, CaptionCue.seq).in_(spanning)))} if spanning else {}
    results = []
    for window in found:
        cue = window.cue
        second = None if window.words_in_cue else following.get((cue.track_id, cue.seq + 1))
        results.append({"video_id": cue.video_id, "title": window.title, "track_id": cue.track_id, "lang": cue.lang,
                        "start": cue.start, "end": second.end if second else cue.end,
                        "text": f"{cue.text} {second.text}" if second else cue.text})
    return results
