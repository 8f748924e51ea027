"""Database entities: users and their API tokens, videos with caption tracks, stories."""
from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from videodesk.core.db import Base, UTCDateTime
from videodesk.core.ids import random_id

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
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    source_kind: Mapped[str] = mapped_column(String(20), default="upload")
    source_name: Mapped[str | None] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(Text)
    source_size: Mapped[int | None] = mapped_column(BigInteger)
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    duration: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # The media pipeline's state: probe of the source, loudness, finished steps, chosen poster time.
    pipeline_state: Mapped[dict] = mapped_column(JSON, default=dict)
    # File names (relative to the video's media folder) of what the pipeline made.
    outputs: Mapped[dict] = mapped_column(JSON, default=dict)
    processed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    captions: Mapped[list["CaptionTrack"]] = relationship(
        back_populates="video", cascade="all, delete-orphan", order_by="CaptionTrack.id"
    )
    stories: Mapped[list["Story"]] = relationship(back_populates="video")

    @property
    def is_public(self) -> bool:
        return any(story.is_live for story in self.stories)

    @property
    def playable(self) -> bool:
        """Its HLS and MP4 play in a browser: the quick version while processing, then the full ladder."""
        outputs = self.outputs or {}
        return self.status != "failed" and bool(outputs.get("hls") and outputs.get("mp4"))


class LadderPart(Base):
    """One part of a long clip's parallel ladder (a time chunk, the sound, or the assembly), claimed
    by one worker at a time; a running part whose worker stopped reporting for JOB_LEASE_S is
    queued again on its own."""

    __tablename__ = "ladder_parts"
    __table_args__ = (UniqueConstraint("video_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(20))          # "0000", "0001", ..., "audio", "assemble"
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)  # queued, running, done
    weight: Mapped[float] = mapped_column(Float, default=1.0)  # its share of the ladder's work
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    video: Mapped[Video] = relationship(back_populates="captions")

    def replace_file(self, filename: str):
        """Point the track at a new version; the old file stays on disk and in the history."""
        self.history = [*(self.history or []), {"filename": self.filename, "replaced_at": utcnow().isoformat()}]
        self.filename = filename


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


class WatchCount(Base):
    """Anonymous player events per video and day: no cookies, no IP addresses, no user ids."""

    __tablename__ = "watch_counts"
    video_id: Mapped[str] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    event: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class LoginAttempt(Base):
    """Failed sign-ins per name and per address, shared by every web process through the database."""

    __tablename__ = "login_attempts"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
