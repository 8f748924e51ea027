"""Database entities: users and their API tokens, videos with caption tracks, stories."""
from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from videodesk.core.db import Base, UTCDateTime
from videodesk.core.ids import random_id
from videodesk.core.lifecycle.states import (
    Captioning,
    ClipOrigin,
    EditErrors,
    Outputs,
    PartStatus,
    PipelineState,
    StatusText,
    Trim,
    TypedJSON,
    VideoStatus,
)

ROLES = ("producer", "editor", "admin")


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A disabled user can neither sign in nor use API tokens (admins re-enable them).
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def has_role(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a SHA-256 of the token is stored; the token itself is shown once.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(back_populates="tokens")


class Video(Base):
    __tablename__ = "videos"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    # The state fields below are written only by videodesk/core/lifecycle (tests/test_layers_rules.py).
    status: Mapped[VideoStatus] = mapped_column(StatusText(VideoStatus), default=VideoStatus.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)  # why processing failed
    # Why an edit job (poster, social cut) failed, per job; the video stays ready.
    edit_errors: Mapped[EditErrors] = mapped_column(TypedJSON(EditErrors), default=lambda: EditErrors())
    source_kind: Mapped[str] = mapped_column(String(20), default="upload")
    source_name: Mapped[str | None] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(Text)
    # The link readers see under an imported video, when the producer chose one (kept as given, query
    # included); else pages credit the source page without its query (views.credit_link).
    credit_url: Mapped[str | None] = mapped_column(Text)
    source_size: Mapped[int | None] = mapped_column(BigInteger)
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # Bytes of the video's files in the media store, measured when processing finishes (the storage
    # quota counts them with source_size: newsroom/usage.py).
    media_bytes: Mapped[int | None] = mapped_column(BigInteger)
    duration: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # The media pipeline's state: probe of the source, loudness, finished steps, chosen poster time.
    pipeline_state: Mapped[PipelineState] = mapped_column(TypedJSON(PipelineState), default=lambda: PipelineState())
    # What the pipeline and the edit jobs made.
    outputs: Mapped[Outputs] = mapped_column(TypedJSON(Outputs), default=lambda: Outputs())
    processed_by: Mapped[str | None] = mapped_column(String(200))
    # The processing job's lease: its worker renews it with each progress commit (core/lifecycle/video.py).
    processing_renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The automatic-captions job, which runs after the video is ready; None for a video without sound.
    captioning: Mapped[Captioning | None] = mapped_column(TypedJSON(Captioning))
    # A clip's place in its source's timeline; None for other videos.
    clip_of: Mapped[ClipOrigin | None] = mapped_column(TypedJSON(ClipOrigin))
    # The kept range of the original, with what the untrimmed video had; None when untrimmed.
    trim: Mapped[Trim | None] = mapped_column(TypedJSON(Trim))
    chapters: Mapped[list] = mapped_column(JSON, default=list)  # [{"start", "title"}], sorted
    chapters_file: Mapped[str | None] = mapped_column(String(200))  # the WebVTT kind="chapters" track
    # The media store holds a public copy of the video's objects (newsroom/visibility.py): pages may
    # then point readers (or a CDN) at it instead of the app.
    media_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    captions: Mapped[list["CaptionTrack"]] = relationship(
        back_populates="video", cascade="all, delete-orphan", order_by="CaptionTrack.id"
    )
    stories: Mapped[list["Story"]] = relationship(back_populates="video")
    # A live stream's recording is public while a published story plays that stream.
    recording_of: Mapped[list["LiveStream"]] = relationship(back_populates="video")
    audio_tracks: Mapped[list["AudioTrack"]] = relationship(
        back_populates="video", cascade="all, delete-orphan", order_by="(AudioTrack.is_default.desc(), AudioTrack.source, AudioTrack.id)"
    )

    @property
    def is_public(self) -> bool:
        return any(story.is_live for story in self.stories) or any(stream.is_public for stream in self.recording_of)

    @property
    def playable(self) -> bool:
        """Its HLS and MP4 play in a browser: the quick version while processing, then the full ladder."""
        return self.status != VideoStatus.FAILED and bool(self.outputs.hls and self.outputs.mp4)

    @validates("status", "pipeline_state", "outputs", "captioning", "clip_of", "trim", "edit_errors")
    def _typed(self, key, value):
        """States stay typed: a plain form given to the constructor (tests, seeds) is checked and converted."""
        if key == "status":
            return VideoStatus(value)
        return self.__table__.c[key].type.coerce(value, f"Video.{key}")


class LadderPart(Base):
    """One part of a long clip's parallel ladder (a time chunk, the sound, or the assembly), claimed
    by one worker at a time; a running part whose worker stopped reporting for JOB_LEASE_S is
    queued again on its own."""

    __tablename__ = "ladder_parts"
    __table_args__ = (UniqueConstraint("video_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))          # "0000", "0001", ..., "audio", "assemble"
    status: Mapped[PartStatus] = mapped_column(StatusText(PartStatus), default=PartStatus.QUEUED, index=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)  # its share of the ladder's work
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TranscriptPart(Base):
    """One stretch of a long recording's automatic transcript (cut at a pause), transcribed by
    whichever worker takes it (jobs/transcription.py) and merged in order; claimed like a ladder
    part, with a lease of its own. Its words are kept here until the whole transcript is written."""

    __tablename__ = "transcript_parts"
    __table_args__ = (UniqueConstraint("video_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))          # "0000", "0001", ... in the recording's order
    status: Mapped[PartStatus] = mapped_column(StatusText(PartStatus), default=PartStatus.QUEUED, index=True)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(35))      # detected once, for every part
    track: Mapped[str] = mapped_column(String(200))        # the growing track's file, shared by the parts
    # Timed words on the recording's timeline ([text, start, end] lists), and how far they reach.
    words: Mapped[list] = mapped_column(JSON, default=list)
    translation: Mapped[list] = mapped_column(JSON, default=list)
    until_s: Mapped[float] = mapped_column(Float, default=0.0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AudioTrack(Base):
    """One sound track of a video (a language, a dub, audio description, commentary): its own AAC
    rendition in the HLS ladder's folder, listed in the master playlist (media/audio.py)."""

    __tablename__ = "audio_tracks"
    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="main")   # main, dub, description, commentary
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # "source": a sound stream of the original (stream_index); "upload": added later (original_name)
    source: Mapped[str] = mapped_column(String(20), default="source")
    stream_index: Mapped[int | None] = mapped_column(Integer)
    # The added file, kept private beside the video's original, so reprocessing and clips can use it.
    original_name: Mapped[str | None] = mapped_column(String(200))
    folder: Mapped[str] = mapped_column(String(200))  # its rendition, relative to the HLS folder
    mp4_name: Mapped[str | None] = mapped_column(String(200))  # the MP4 in this language, once asked for
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    video: Mapped[Video] = relationship(back_populates="audio_tracks")


class CaptionTrack(Base):
    __tablename__ = "caption_tracks"
    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    label: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="captions")
    source: Mapped[str] = mapped_column(String(20), default="upload")
    filename: Mapped[str] = mapped_column(String(200))
    # Earlier versions, oldest first: [{"filename", "replaced_at"}]; their files stay on disk.
    history: Mapped[list] = mapped_column(JSON, default=list)
    # A machine translation names the language of the speech it was made from.
    translated_from: Mapped[str | None] = mapped_column(String(35))
    # When a person checked (or edited) an automatic track; only then is it shown by default.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    video: Mapped[Video] = relationship(back_populates="captions")

    @property
    def reviewed(self) -> bool:
        """Made by a person (uploaded, embedded) or an automatic track a person has checked."""
        return self.source != "auto" or self.reviewed_at is not None

    def replace_file(self, filename: str):
        """Point the track at a new version; the old file stays on disk and in the history."""
        self.history = [*(self.history or []), {"filename": self.filename, "replaced_at": utcnow().isoformat()}]
        self.filename = filename


class CaptionCue(Base):
    """One cue of a track's current version, for full-text search ("find the quote"). SQLite
    indexes `text` and `context` with FTS5 (caption_cues_fts), PostgreSQL with GIN tsvector indexes."""

    __tablename__ = "caption_cues"
    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("caption_tracks.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # its place in the track, from 0
    # Its words and the next cue's: a phrase the recogniser split over two cues is found here.
    context: Mapped[str] = mapped_column(Text, default="", server_default="")


DEFAULT_SECTION = "Top News Video"  # the kicker above a headline when the desk names none


class Story(Base):
    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    headline: Mapped[str] = mapped_column(String(300))
    dek: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str] = mapped_column(String(200), default="")
    section: Mapped[str] = mapped_column(String(100), default=DEFAULT_SECTION)
    language: Mapped[str] = mapped_column(String(35), default="en")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    video_id: Mapped[str | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"), index=True)
    # Where "Watch video below" goes: None at the end, N after the N-th paragraph of the body.
    video_position: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    video: Mapped[Video | None] = relationship(back_populates="stories")
    # A live stream the article plays while it runs, and its recording after it ends.
    live_id: Mapped[str | None] = mapped_column(ForeignKey("live_streams.id", ondelete="SET NULL"), index=True)
    live: Mapped["LiveStream | None"] = relationship(back_populates="stories")

    @property
    def is_live(self) -> bool:
        """Published, and its publication time has come (a future time means scheduled)."""
        return self.status == "published" and (self.published_at is None or self.published_at <= utcnow())

    @classmethod
    def live_clause(cls):
        """The SQL form of is_live, for listings, feeds and sitemaps."""
        return (cls.status == "published") & (cls.published_at <= utcnow())

    @property
    def is_scheduled(self) -> bool:
        return self.status == "published" and self.published_at is not None and self.published_at > utcnow()


class PlaybackMinute(Base):
    """The player's beacons summed for one video, one minute and one surface (article, watch, embed):
    counts and times only, nothing about a reader (newsroom/playback/, docs/ANALYTICS.md)."""

    __tablename__ = "playback_minutes"
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)  # minutes since 1970-01-01 UTC
    surface: Mapped[str] = mapped_column(String(10), primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)
    plays: Mapped[int] = mapped_column(Integer, default=0)  # views that reached the first frame
    exits_before_start: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)  # views with a playback error
    fatal_errors: Mapped[int] = mapped_column(Integer, default=0)
    watch_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    stall_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    stalls: Mapped[int] = mapped_column(Integer, default=0)
    startup_score_sum: Mapped[float] = mapped_column(Float, default=0.0)  # sum of 8/(8+s) over plays
    rendition_switches: Mapped[int] = mapped_column(Integer, default=0)


class PlaybackBin(Base):
    """Histograms beside PlaybackMinute, per video and minute: `kind` startup (bin = class of
    time to first frame), retention (bin = percent of the video seen by a play), rendition (bin =
    picture height, count = ms watched) and error (bin = media error code)."""

    __tablename__ = "playback_bins"
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    bin: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class LoginAttempt(Base):
    """Failed sign-ins per name and per address, shared by every web process through the database."""

    __tablename__ = "login_attempts"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorkRequest(Base):
    """One request for expensive work (a clip, reprocessing, a transcription), kept for an hour's
    rate limit per user (newsroom/usage.py); deleting the video does not give it back."""

    __tablename__ = "work_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (Index("ix_work_requests_user_kind_at", "user_id", "kind", "at"),)


class AuditEvent(Base):
    """Who published, unpublished, deleted or changed a role, and when."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_name: Mapped[str] = mapped_column(String(120), default="system")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class StoryRevision(Base):
    """The story as it was before an edit; restoring one is itself an edit (nothing is ever lost)."""

    __tablename__ = "story_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_name: Mapped[str] = mapped_column(String(120), default="system")
    data: Mapped[dict] = mapped_column(JSON)


class Setting(Base):
    """Instance settings that admins change in the studio (the station logo's placement, ...)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)


class Webhook(Base):
    """A receiver of event notifications; deliveries are signed with its secret."""

    __tablename__ = "webhooks"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deliveries: Mapped[list["WebhookDelivery"]] = relationship(back_populates="webhook", cascade="all, delete-orphan")


class WebhookDelivery(Base):
    """One event for one webhook (an outbox row): written in the transaction that caused the event,
    sent by the queue, retried with backoff until delivered or out of attempts."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(40))
    # The exact bytes that are sent and signed, so every retry carries the same body and signature.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending, delivered, failed
    # Attempts since the delivery was (re)queued: picks the next backoff delay.
    run_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next attempt is due; while an attempt runs, when its claim lapses.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")
    attempts: Mapped[list["WebhookAttempt"]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", order_by="WebhookAttempt.id")


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempts")


class StudioSession(Base):
    """A signed-in studio session; the cookie carries only its secret, the table its SHA-256 (the id),
    so a session ends for good when its row is revoked or deleted (logout, password, role, disable)."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Signed in with an API token: deleting (revoking) the token deletes the session with it.
    via_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship()


class LiveStream(Base):
    """A live event (docs/LIVE.md): its encoder publishes with `stream_key` over RTMP or SRT, the
    ingest service packages it into HLS in the media store under `live/<id>/`, and when it ends the
    recording becomes the Video `video_id`. The state fields are written only by
    core/lifecycle/live.py."""

    __tablename__ = "live_streams"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="idle", index=True)
    # The secret in the encoder's URL; reset-key replaces it (the old one is refused from then on).
    stream_key: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(Text)
    # An encoder is publishing since connected_at (None: none now); the last one left at disconnected_at.
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Seconds of the event packaged so far (the DVR timeline; clips and captions use it).
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    captions_lang: Mapped[str | None] = mapped_column(String(35))  # what Whisper hears in the live sound
    video_id: Mapped[str | None] = mapped_column(ForeignKey("videos.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    video: Mapped[Video | None] = relationship(back_populates="recording_of")
    stories: Mapped[list[Story]] = relationship(back_populates="live")

    @property
    def is_public(self) -> bool:
        return any(story.is_live for story in self.stories)


class LiveCue(Base):
    """One recognised cue of a live stream's automatic captions, searchable while the stream runs."""

    __tablename__ = "live_cues"
    id: Mapped[int] = mapped_column(primary_key=True)
    live_id: Mapped[str] = mapped_column(ForeignKey("live_streams.id", ondelete="CASCADE"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    start: Mapped[float] = mapped_column(Float)  # seconds since the stream started (its DVR timeline)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
