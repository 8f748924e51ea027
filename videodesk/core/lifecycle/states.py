"""The states of a video and of the work on it, and the typed records kept in its JSON columns.

Records are frozen: a transition function (video.py, captioning.py, ladder.py) builds a new one with
`dataclasses.replace` and assigns it, so SQLAlchemy always sees the change. In the database they are
plain JSON (`TypedJSON`); every load is checked against the record's fields, so a row of the wrong
shape fails where it is read, not three layers later. Keys of older rows that are no longer used are
listed in the record's LEGACY and dropped on load."""
import types
import typing
from dataclasses import dataclass, field, fields
from enum import StrEnum

from sqlalchemy import JSON, String
from sqlalchemy.types import TypeDecorator


class VideoStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"

    @property
    def busy(self) -> bool:
        """Waiting for a worker or being processed: a new run cannot start."""
        return self in (VideoStatus.QUEUED, VideoStatus.PROCESSING)


class CaptioningStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class PartStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class EditJob(StrEnum):
    """The jobs that change a ready video without processing it again; each has its own failure."""

    POSTER = "poster"
    SOCIAL_CUT = "social_cut"


class InvalidRecord(ValueError):
    """A JSON column does not hold the shape its record describes."""


def _convert(value, hint, where: str):
    """`value` (decoded JSON, or already typed) as the annotation `hint` says, or InvalidRecord."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (hint,) = [option for option in options if option is not type(None)]
        return _convert(value, hint, where)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise InvalidRecord(f"{where} must be a list, not {value!r}")
        item = typing.get_args(hint)[0]
        return tuple(_convert(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise InvalidRecord(f"{where} must be an object, not {value!r}")
        return dict(value)
    if isinstance(hint, type) and issubclass(hint, Record):
        return value if isinstance(value, hint) else hint.from_json(value, where)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        try:
            return hint(value)
        except ValueError:
            raise InvalidRecord(f"{where} must be one of {[m.value for m in hint]}, not {value!r}") from None
    if hint is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint in (str, bool) and isinstance(value, hint):
        return value
    raise InvalidRecord(f"{where} must be {getattr(hint, '__name__', hint)}, not {value!r}")


def _plain(value):
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


class Record:
    """A frozen dataclass that round-trips through JSON: fields left at None are not written."""

    LEGACY: typing.ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_json(cls, data, where: str | None = None):
        where = where or cls.__name__
        if not isinstance(data, dict):
            raise InvalidRecord(f"{where} must be an object, not {data!r}")
        hints = typing.get_type_hints(cls)
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names - set(cls.LEGACY)
        if unknown:
            raise InvalidRecord(f"{where} has unknown keys {sorted(unknown)}")
        values = {name: _convert(data[name], hints[name], f"{where}.{name}") for name in names if name in data}
        try:
            return cls(**values)
        except TypeError as exc:  # a required field is missing
            raise InvalidRecord(f"{where}: {exc}") from None

    def to_json(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class Picture(Record):
    """A made version's picture: the quick version's or the web MP4's (`copy`: the quick version
    reuses the source's packets)."""

    width: int
    height: int
    duration: float
    copy: bool | None = None


@dataclass(frozen=True)
class Cut(Record):
    """How a clip's or a trim's source was cut from the original."""

    method: str  # "copy" or "reencode"
    start: float
    end: float


@dataclass(frozen=True)
class PipelineState(Record):
    """What the media pipeline found and did (media/pipeline.py works on its dict form, `to_json`).
    `done` names the finished steps, so a killed run resumes after the last one."""

    LEGACY = ("outputs", "language_hint", "auto_captions_wanted")

    info: dict | None = None             # media.probe.MediaInfo.to_dict() of the source
    loudness: dict | None = None         # {"measured": {...}, "target": {...}}; None without sound
    quick: Picture | None = None
    web: Picture | None = None
    renditions: tuple[dict, ...] = ()    # media.ladder.Rendition fields
    embedded_captions: tuple[dict, ...] = ()  # {"lang", "filename", "stem"}
    audio_tracks: tuple[dict, ...] = ()  # the source's sound streams made tracks: {"folder", "lang", "name", "kind", "stream"}
    auto_captions: dict | None = None    # what transcription made (media.pipeline.transcribe)
    attribution: dict | None = None      # an import's title, uploader, license, ...
    cut: Cut | None = None
    poster_time: float | None = None
    preview_start: float | None = None
    playable_announced: bool = False     # the video.playable webhook went out for this run
    captions_started: bool = False       # automatic captions were queued right after the probe
    work_budget_s: float | None = None   # the wall time all steps and parts of one run may take
    work_deadline: float | None = None   # epoch seconds when that budget is spent (media/pipeline.py)
    done: tuple[str, ...] = ()

    @property
    def probed(self) -> bool:
        return self.info is not None

    @property
    def has_audio(self) -> bool:
        return bool((self.info or {}).get("audio"))

    def picture(self) -> Picture | None:
        """The version that plays now: the web MP4 once made, else the quick version."""
        return self.web or self.quick


@dataclass(frozen=True)
class Poster(Record):
    width: int
    height: int
    jpeg: str
    webp: str


@dataclass(frozen=True)
class Outputs(Record):
    """File names (relative to the video's media folder) of what the pipeline and the edit jobs made."""

    hls: str | None = None
    mp4: str | None = None
    poster: str | None = None
    posters: tuple[Poster, ...] = ()
    storyboard: str | None = None
    storyboard_image: str | None = None
    preview: str | None = None
    preview_webp: str | None = None
    social: dict[str, str] = field(default_factory=dict)  # aspect -> file

    @property
    def playing(self) -> tuple[str | None, str | None]:
        """What a player loads: when these change, readers switch versions (quick to full ladder)."""
        return self.hls, self.mp4

    def poster_files(self) -> set[str]:
        """The poster image files (every size, JPEG and WebP)."""
        return {name for entry in self.posters for name in (entry.jpeg, entry.webp)}

    def names(self) -> set[str]:
        """Every file these outputs name."""
        single = (self.hls, self.mp4, self.poster, self.storyboard, self.storyboard_image, self.preview,
                  self.preview_webp)
        return {name for name in single if name} | self.poster_files() | set(self.social.values())


@dataclass(frozen=True)
class Captioning(Record):
    """The automatic-captions job of a ready video. `transcribed_until`: seconds of the video whose
    words are known (for search and clips while the job runs)."""

    status: CaptioningStatus
    progress: float = 0.0
    error: str | None = None
    language: str | None = None          # the spoken language detected, once done
    transcribed_until: float | None = None
    worker: str | None = None            # host:pid of the worker running it
    renewed_at: float | None = None      # epoch seconds of the running job's last report: its own lease

    @property
    def active(self) -> bool:
        """Waiting for a worker or running."""
        return self.status in (CaptioningStatus.QUEUED, CaptioningStatus.RUNNING)

    def as_api(self) -> dict:
        """Every key the API's schema promises."""
        return {"status": self.status.value, "progress": self.progress, "error": self.error,
                "language": self.language, "transcribed_until": self.transcribed_until or 0.0}


@dataclass(frozen=True)
class Trim(Record):
    """The kept range of the original, in the original's timeline, and what the untrimmed video had
    (its duration, each caption track's file, its chapters), so removing the trim restores them."""

    start: float
    end: float
    duration: float | None = None
    captions: dict[str, str] = field(default_factory=dict)  # track id -> file in the original's timeline
    chapters: tuple[dict, ...] = ()


@dataclass(frozen=True)
class ClipOrigin(Record):
    """Where a clip was cut from, in seconds of its source's timeline: another video's original (`id`)
    or a live stream's recording (`live_id`)."""

    start: float
    end: float
    id: str | None = None
    live_id: str | None = None

    def __post_init__(self):
        if (self.id is None) == (self.live_id is None):
            raise InvalidRecord("a clip origin names exactly one of 'id' and 'live_id'")


@dataclass(frozen=True)
class EditErrors(Record):
    """Why the last run of each edit job of a ready video failed (None: it did not); the video's
    `error` stays the processing failure alone."""

    poster: str | None = None
    social_cut: str | None = None

    def as_api(self) -> dict:
        return {job.value: getattr(self, job.value) for job in EditJob}


class TypedJSON(TypeDecorator):
    """A JSON column that holds one Record type: typed in Python, plain JSON in the database."""

    impl = JSON
    cache_ok = True

    def __init__(self, record: type[Record]):
        super().__init__()
        self.record = record

    def coerce(self, value, where: str):
        """A record of this column's type from a record or its JSON form (None stays None)."""
        if value is None or isinstance(value, self.record):
            return value
        return self.record.from_json(value, where)

    def process_bind_param(self, value, dialect):
        return None if value is None else self.coerce(value, self.record.__name__).to_json()

    def process_result_value(self, value, dialect):
        return None if value is None else self.record.from_json(value)


class StatusText(TypeDecorator):
    """A status column: text in the database, the StrEnum member in Python (an unknown value fails on load)."""

    impl = String(20)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]):
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum(value)
