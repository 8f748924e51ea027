"""Settings come from the environment (see the README's configuration table)."""
import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit


def _flag(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(data_dir: Path) -> str:
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


def _base_url(value: str | None) -> str | None:
    """`https://news.example.com`: the site's own address for absolute URLs (no path, no query)."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
        raise ValueError(f"VIDEODESK_BASE_URL must look like https://news.example.com, not {value!r}")
    return f"{parts.scheme}://{parts.netloc}"


def _data_folder(path: Path):
    """The data folder holds the secret key and unpublished media: only its owner may enter it
    when we create it (an existing folder keeps the mode its owner gave it)."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)


def load_config(overrides=None) -> dict:
    overrides = dict(overrides or {})
    env = os.environ
    data_dir = Path(overrides.pop("DATA_DIR", None) or env.get("VIDEODESK_DATA") or "storage").resolve()
    _data_folder(data_dir)
    max_upload_mb = int(env.get("VIDEODESK_MAX_UPLOAD_MB", "2048"))
    config = {
        "DATA_DIR": data_dir,
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'videodesk.db'}",
        "REDIS_URL": env.get("VIDEODESK_REDIS_URL") or None,
        "SECRET_KEY": env.get("VIDEODESK_SECRET_KEY") or None,
        "MAX_UPLOAD_MB": max_upload_mb,
        # Bytes one user may hold in unfinished resumable uploads (unset: 4 uploads of the largest size).
        "UPLOAD_QUOTA_MB": int(env["VIDEODESK_UPLOAD_QUOTA_MB"]) if env.get("VIDEODESK_UPLOAD_QUOTA_MB") else None,
        # The public address of the site; absolute URLs (canonical, feeds, oEmbed) never use the Host header.
        "BASE_URL": _base_url(env.get("VIDEODESK_BASE_URL")),
        "IMPORT_ALLOW_PRIVATE": _flag(env.get("VIDEODESK_IMPORT_ALLOW_PRIVATE", "")),
        # Upper bounds that keep one clip from eating the machine.
        "MAX_DURATION_S": float(env.get("VIDEODESK_MAX_DURATION_S", str(4 * 3600))),
        "MAX_DIMENSION": 8192,
        "FFMPEG_TIMEOUT_S": float(env.get("VIDEODESK_FFMPEG_TIMEOUT_S", "3600")),
        "FFPROBE_TIMEOUT_S": 30.0,
        # A processing job silent for this long is taken to be dead and queued again.
        "JOB_LEASE_S": float(env.get("VIDEODESK_JOB_LEASE_S", "120")),
        # Clips longer than this have their ladder encoded in chunks of this length (whole 4 s
        # segments) by any idle workers; 0 turns chunking off (docs/PERFORMANCE.md).
        "CHUNK_SECONDS": float(env.get("VIDEODESK_CHUNK_SECONDS", "60")),
        "LOUDNESS_TARGET": {
            "I": float(env.get("VIDEODESK_LOUDNESS_LUFS", "-16")),
            "TP": float(env.get("VIDEODESK_LOUDNESS_TRUE_PEAK", "-1.5")),
            "LRA": 11.0,
        },
        # Resumable uploads left unfinished this long are deleted.
        "UPLOAD_EXPIRY_H": float(env.get("VIDEODESK_UPLOAD_EXPIRY_H", "24")),
        # URL imports a user may start per hour.
        "IMPORT_RATE_PER_HOUR": int(env.get("VIDEODESK_IMPORT_RATE_PER_HOUR", "30")),
        "IMPORT_TIMEOUT_S": float(env.get("VIDEODESK_IMPORT_TIMEOUT_S", "20")),
        # Webhook retries wait this many seconds times 1, 3, 12, 60, ... (about 24 h in all); tests shrink it.
        "WEBHOOK_BACKOFF_S": float(env.get("VIDEODESK_WEBHOOK_BACKOFF_S", "10")),
        # One delivery attempt (connect, send, response) may take this long before it counts as failed.
        "WEBHOOK_TIMEOUT_S": float(env.get("VIDEODESK_WEBHOOK_TIMEOUT_S", "10")),
        # A newsroom's own faster-whisper model folder (small, medium, large-v3...) for automatic
        # captions; unset: the bundled, hash-checked Whisper base (docs/CAPTIONS.md).
        "WHISPER_MODEL": env.get("VIDEODESK_WHISPER_MODEL") or None,
        # Speech in another language also gets a track machine-translated into this one (Whisper
        # translates only into English); empty: no translations.
        "CAPTION_TRANSLATE_TO": env.get("VIDEODESK_CAPTION_TRANSLATE_TO", "en").strip() or None,
        # Behind HTTPS, studio cookies must only travel encrypted.
        "SESSION_COOKIE_SECURE": _flag(env.get("VIDEODESK_SECURE_COOKIES", "")),
        "WORKERS": int(env.get("VIDEODESK_WORKERS", "2")),
        # Media storage: an S3-compatible bucket when VIDEODESK_S3_BUCKET is set (docs/MANY_MACHINES.md),
        # else the data folder's media/. Credentials come from boto3's usual chain.
        "S3_BUCKET": env.get("VIDEODESK_S3_BUCKET") or None,
        "S3_ENDPOINT_URL": env.get("VIDEODESK_S3_ENDPOINT_URL") or None,
        "S3_REGION": env.get("VIDEODESK_S3_REGION") or "us-east-1",
        "S3_PREFIX": env.get("VIDEODESK_S3_PREFIX") or "",
        "S3_PATH_STYLE": _flag(env.get("VIDEODESK_S3_PATH_STYLE", "")),
        "MEDIA_BASE_URL": env.get("VIDEODESK_MEDIA_BASE_URL") or None,
        # Public media: browsers and CDNs may keep a redirect this long; the presigned URL it names
        # lives twice as long, so a cached redirect never points at an expired signature.
        "MEDIA_MAX_AGE_S": int(env.get("VIDEODESK_MEDIA_MAX_AGE_S", "3600")),
        # Private media: how long a signed /media/s/... URL handed to the studio or an API client works.
        "SIGNED_URL_TTL_S": int(env.get("VIDEODESK_SIGNED_URL_TTL_S", "3600")),
        # Waits between attempts when the object store fails while a worker publishes outputs.
        "STORE_RETRY_DELAYS_S": (1.0, 4.0, 10.0),
        # Workers (and their ffmpeg) run this much nicer than the web server; 0 keeps them equal.
        "WORKER_NICE": int(env.get("VIDEODESK_WORKER_NICE", "19")),
        # Live streams (docs/LIVE.md): the ingest service listens for RTMP and SRT encoders on this
        # address; encoders are told INGEST_URL_HOST (default: the listening address, or the site's
        # host when it listens on every interface).
        "INGEST_HOST": env.get("VIDEODESK_INGEST_HOST") or "127.0.0.1",
        "INGEST_URL_HOST": env.get("VIDEODESK_INGEST_URL_HOST") or None,
        "RTMP_PORT": int(env.get("VIDEODESK_RTMP_PORT", "1935")),
        "SRT_PORT": int(env.get("VIDEODESK_SRT_PORT", "9000")),
        # Hours of the event the live playlist offers behind the live edge (the recording keeps all).
        "LIVE_DVR_H": float(env.get("VIDEODESK_LIVE_DVR_H", "4")),
        # A stream still running after this many hours is ended (a forgotten encoder).
        "LIVE_MAX_H": float(env.get("VIDEODESK_LIVE_MAX_H", "12")),
        # An encoder that drops may reconnect within this many seconds and continue the same event.
        "LIVE_RECONNECT_S": float(env.get("VIDEODESK_LIVE_RECONNECT_S", "20")),
        # Immediate mode runs jobs in-process; only unit tests use it.
        "QUEUE_IMMEDIATE": False,
    }
    config.update(overrides)
    config["BASE_URL"] = _base_url(config["BASE_URL"])
    if config["UPLOAD_QUOTA_MB"] is None:
        config["UPLOAD_QUOTA_MB"] = 4 * config["MAX_UPLOAD_MB"]
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_MB"] * 1024 * 1024 + 1024 * 1024
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(data_dir)
    for sub in ("media", "uploads", "tmp", "resumable", "scratch", "live"):
        (data_dir / sub).mkdir(exist_ok=True)
    return config
