"""The instance's settings: one frozen, typed object built once by create_app from the environment
(the README's configuration table lists every variable) and reached through `current_settings()`.

Reading settings has no side effects: `prepare_data_folder` is the start-up step that creates the
data folder and its secret key. A new setting is one line: a field naming its variable, default
and parser."""
import contextlib
import dataclasses
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

EXTENSION = "videodesk.settings"
# Files and folders that videodesk writes (media made in place by ffmpeg, captions, originals, the
# database, backups) are readable by their owner only, whatever the shell's umask was.
PRIVATE_UMASK = 0o077
DATA_SUBFOLDERS = ("media", "uploads", "tmp", "resumable", "scratch", "live")


def flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def optional_text(value: str) -> str | None:
    return value.strip() or None


def count(value: str) -> int:
    """A whole number of 0 or more (int() would also take '-1' and ' 2 ')."""
    if not (value.isascii() and value.isdigit()):
        raise ValueError("must be a whole number of 0 or more")
    return int(value)


def parse_base_url(value: str | None) -> str | None:
    """`https://news.example.com`: the site's own address for absolute URLs (no path, no query)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
        raise ValueError(f"VIDEODESK_BASE_URL must look like https://news.example.com, not {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def setting(env: str, default, parse: Callable[[str], object], blank_is_value: bool = False):
    """A field read from the variable `env` with `parse`; unset (or empty, unless `blank_is_value`)
    keeps `default`."""
    return dataclasses.field(default=default, metadata={"env": env, "parse": parse, "blank": blank_is_value})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = setting("VIDEODESK_DATA", Path("storage"), Path)
    # Unset: SQLite (WAL) in the data folder.
    database_url: str | None = setting("DATABASE_URL", None, str)
    redis_url: str | None = setting("VIDEODESK_REDIS_URL", None, str)
    # Unset: generated once into the data folder by prepare_data_folder.
    secret_key: str | None = setting("VIDEODESK_SECRET_KEY", None, str)
    max_upload_mb: int = setting("VIDEODESK_MAX_UPLOAD_MB", 2048, int)
    # Bytes one user may hold in unfinished resumable uploads (unset: 4 uploads of the largest size).
    upload_quota_mb: int | None = setting("VIDEODESK_UPLOAD_QUOTA_MB", None, int)
    # The public address of the site; absolute URLs (canonical, feeds, oEmbed) never use the Host header.
    base_url: str | None = setting("VIDEODESK_BASE_URL", None, parse_base_url)
    import_allow_private: bool = setting("VIDEODESK_IMPORT_ALLOW_PRIVATE", False, flag)
    # How many proxies in front of the app append to X-Forwarded-For (0: the header is ignored and
    # the TCP peer is the client); sign-in throttling counts attempts per client address.
    trusted_proxies: int = setting("VIDEODESK_TRUSTED_PROXIES", 0, count)
    # Upper bounds that keep one clip from eating the machine.
    max_duration_s: float = setting("VIDEODESK_MAX_DURATION_S", 4 * 3600.0, float)
    ffmpeg_timeout_s: float = setting("VIDEODESK_FFMPEG_TIMEOUT_S", 3600.0, float)
    ffprobe_timeout_s: float = 30.0
    # All of one video's processing (every step and ladder part) may take this many seconds of wall
    # time per second of video (at least 10 minutes); then it fails (docs/SECURITY.md, finding 2).
    work_budget_per_s: float = setting("VIDEODESK_WORK_BUDGET_PER_S", 10.0, float)
    # A processing job silent for this long is taken to be dead and queued again.
    job_lease_s: float = setting("VIDEODESK_JOB_LEASE_S", 120.0, float)
    # Clips longer than this have their ladder encoded in chunks of this length (whole 4 s
    # segments) by any idle workers; 0 turns chunking off (docs/PERFORMANCE.md).
    chunk_seconds: float = setting("VIDEODESK_CHUNK_SECONDS", 60.0, float)
    loudness_lufs: float = setting("VIDEODESK_LOUDNESS_LUFS", -16.0, float)
    loudness_true_peak: float = setting("VIDEODESK_LOUDNESS_TRUE_PEAK", -1.5, float)
    # Resumable uploads left unfinished this long are deleted.
    upload_expiry_h: float = setting("VIDEODESK_UPLOAD_EXPIRY_H", 24.0, float)
    # URL imports a user may start per hour.
    import_rate_per_hour: int = setting("VIDEODESK_IMPORT_RATE_PER_HOUR", 30, int)
    # A producer's finished work (originals and processed media) may not pass this (newsroom/usage.py).
    storage_quota_mb: float = setting("VIDEODESK_STORAGE_QUOTA_MB", 100 * 1024.0, float)
    # Expensive jobs a producer may ask for per hour (trims count as reprocessing).
    clip_rate_per_hour: int = setting("VIDEODESK_CLIP_RATE_PER_HOUR", 60, count)
    reprocess_rate_per_hour: int = setting("VIDEODESK_REPROCESS_RATE_PER_HOUR", 20, count)
    transcribe_rate_per_hour: int = setting("VIDEODESK_TRANSCRIBE_RATE_PER_HOUR", 10, count)
    import_timeout_s: float = setting("VIDEODESK_IMPORT_TIMEOUT_S", 20.0, float)
    # Webhook retries wait this many seconds times 1, 3, 12, 60, ... (about 24 h in all); tests shrink it.
    webhook_backoff_s: float = setting("VIDEODESK_WEBHOOK_BACKOFF_S", 10.0, float)
    # One delivery attempt (connect, send, response) may take this long before it counts as failed.
    webhook_timeout_s: float = setting("VIDEODESK_WEBHOOK_TIMEOUT_S", 10.0, float)
    # Each web process writes the player's summed beacons to the database at most this often; 0 writes each
    # beacon at once (docs/ANALYTICS.md).
    analytics_flush_s: float = setting("VIDEODESK_ANALYTICS_FLUSH_S", 5.0, float)
    # A newsroom's own faster-whisper model folder (small, medium, large-v3...) for automatic
    # captions; unset: the bundled, hash-checked Whisper base (docs/CAPTIONS.md).
    whisper_model: str | None = setting("VIDEODESK_WHISPER_MODEL", None, str)
    # Threads one transcription uses (1 was the fastest on 2 cores); the worker's bulk encodes keep
    # the other cores meanwhile (docs/PERFORMANCE.md, "Quote to clip").
    whisper_threads: int = setting("VIDEODESK_WHISPER_THREADS", 1, int)
    # Recordings at least twice this long are transcribed in parts of about this length, cut at
    # pauses, by any idle workers; 0 transcribes each in one job (docs/PERFORMANCE.md).
    transcript_part_s: float = setting("VIDEODESK_TRANSCRIPT_PART_S", 60.0, float)
    # Speech in another language also gets a track machine-translated into this one (Whisper
    # translates only into English); empty: no translations.
    caption_translate_to: str | None = setting("VIDEODESK_CAPTION_TRANSLATE_TO", "en", optional_text, blank_is_value=True)
    # Automatic captions start right after the probe, so a quote can be found and clipped while the
    # ladder is made; off: once the video is ready (bench/quote_to_clip.py compares both orders).
    captions_first: bool = setting("VIDEODESK_CAPTIONS_FIRST", True, flag)
    # The ladder is bulk work, queued after what the desk waits for (jobs/parallel.py); a worker's bulk
    # encodes stop while its interactive jobs run, or keep the cores a transcription leaves
    # (media/runner.BulkGate); bulk jobs leave a worker's last free threads to the desk. Off: a short
    # clip's ladder is made in its processing job, as before captions came first.
    bulk_yields: bool = setting("VIDEODESK_BULK_YIELDS", True, flag)
    # Behind HTTPS, studio cookies must only travel encrypted.
    secure_cookies: bool = setting("VIDEODESK_SECURE_COOKIES", False, flag)
    # Jobs a worker runs at once; two threads stay free of bulk work for what the desk waits for
    # (a transcription and a clip), so at most two ladder parts run at once.
    workers: int = setting("VIDEODESK_WORKERS", 4, int)
    # Media storage: an S3-compatible bucket when set (docs/MANY_MACHINES.md), else the data
    # folder's media/. Credentials come from boto3's usual chain.
    s3_bucket: str | None = setting("VIDEODESK_S3_BUCKET", None, str)
    s3_endpoint_url: str | None = setting("VIDEODESK_S3_ENDPOINT_URL", None, str)
    s3_region: str = setting("VIDEODESK_S3_REGION", "us-east-1", str)
    s3_prefix: str = setting("VIDEODESK_S3_PREFIX", "", str)
    s3_path_style: bool = setting("VIDEODESK_S3_PATH_STYLE", False, flag)
    media_base_url: str | None = setting("VIDEODESK_MEDIA_BASE_URL", None, str)
    # Public media: browsers and CDNs may keep a redirect this long; the presigned URL it names
    # lives twice as long, so a cached redirect never points at an expired signature.
    media_max_age_s: int = setting("VIDEODESK_MEDIA_MAX_AGE_S", 3600, int)
    # Private media: how long a signed /media/s/... URL handed to the studio or an API client works.
    signed_url_ttl_s: int = setting("VIDEODESK_SIGNED_URL_TTL_S", 3600, int)
    # Waits between attempts when the object store fails while a worker publishes outputs.
    store_retry_delays_s: tuple[float, ...] = (1.0, 4.0, 10.0)
    # Workers (and their ffmpeg) run this much nicer than the web server; 0 keeps them equal.
    worker_nice: int = setting("VIDEODESK_WORKER_NICE", 19, int)
    # Live streams (docs/LIVE.md): the ingest service listens for RTMP and SRT encoders on this
    # address; encoders are told ingest_url_host (default: the listening address, or the host the
    # request came to when it listens on every interface).
    ingest_host: str = setting("VIDEODESK_INGEST_HOST", "127.0.0.1", str)
    ingest_url_host: str | None = setting("VIDEODESK_INGEST_URL_HOST", None, str)
    rtmp_port: int = setting("VIDEODESK_RTMP_PORT", 1935, int)
    srt_port: int = setting("VIDEODESK_SRT_PORT", 9000, int)
    # Hours of the event the live playlist offers behind the live edge (the recording keeps all).
    live_dvr_h: float = setting("VIDEODESK_LIVE_DVR_H", 4.0, float)
    # A stream still running after this many hours is ended (a forgotten encoder).
    live_max_h: float = setting("VIDEODESK_LIVE_MAX_H", 12.0, float)
    # An encoder that drops may reconnect within this many seconds and continue the same event.
    live_reconnect_s: float = setting("VIDEODESK_LIVE_RECONNECT_S", 20.0, float)
    # Immediate mode runs jobs in-process; only unit tests use it.
    queue_immediate: bool = False

    def __post_init__(self):
        """Normalise what a caller (or a test's override) gave and fill the defaults that depend on
        other settings."""
        data_dir = Path(self.data_dir).resolve()
        derived = {
            "data_dir": data_dir,
            "database_url": self.database_url or f"sqlite:///{data_dir / 'videodesk.db'}",
            "upload_quota_mb": self.upload_quota_mb if self.upload_quota_mb is not None else 4 * self.max_upload_mb,
            "base_url": parse_base_url(self.base_url),
            "s3_region": self.s3_region or "us-east-1",
            "store_retry_delays_s": tuple(self.store_retry_delays_s),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, **overrides) -> "Settings":
        """Each field with a variable parsed from `env`; `overrides` (tests) win over both."""
        values = {}
        for field in dataclasses.fields(cls):
            name, meta = field.metadata.get("env"), field.metadata
            if name is None or name not in env or (not env[name].strip() and not meta["blank"]):
                continue
            try:
                values[field.name] = meta["parse"](env[name])
            except ValueError as exc:
                raise ValueError(f"{name}={env[name]!r}: {exc}") from None
        return cls(**{**values, **overrides})

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_content_length(self) -> int:
        """The largest request body: one upload plus 1 MB of form fields."""
        return self.max_upload_bytes + 1024 * 1024

    @property
    def loudness_target(self) -> dict:
        return {"I": self.loudness_lufs, "TP": self.loudness_true_peak, "LRA": 11.0}


def current_settings() -> Settings:
    """The running app's settings (installed by create_app)."""
    return current_app.extensions[EXTENSION]


def prepare_data_folder(settings: Settings) -> Settings:
    """The start-up step: create the data folder and its sub-folders, and the stored secret key
    when none is set. Returns the settings with their secret key."""
    _private_folder(settings.data_dir)
    for sub in DATA_SUBFOLDERS:
        (settings.data_dir / sub).mkdir(exist_ok=True)
    if settings.secret_key:
        return settings
    return dataclasses.replace(settings, secret_key=_stored_secret_key(settings.data_dir))


def _private_folder(path: Path):
    """The data folder holds the secret key and unpublished media: only its owner may enter it
    when we create it (an existing folder keeps the mode its owner gave it)."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)


def _stored_secret_key(data_dir: Path) -> str:
    """Keep one generated key per data folder so sessions survive restarts. The key is written to a
    0600 temporary file and linked into place, so it is never readable by others, and processes
    starting together agree on one key (the first link wins) and never read a half-written file."""
    path = data_dir / "secret_key"
    if not path.exists():
        handle, tmp = tempfile.mkstemp(dir=data_dir, prefix=".secret_key-")  # mode 0600
        try:
            with os.fdopen(handle, "w") as out:
                out.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()
