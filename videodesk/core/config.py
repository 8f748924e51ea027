"""Settings come from the environment (see the README's configuration table)."""
import os
import secrets
from pathlib import Path


def _flag(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(data_dir: Path) -> str:
    """Keep one generated key per data folder so sessions survive restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(overrides=None) -> dict:
    overrides = dict(overrides or {})
    env = os.environ
    data_dir = Path(overrides.pop("DATA_DIR", None) or env.get("VIDEODESK_DATA") or "storage").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    max_upload_mb = int(env.get("VIDEODESK_MAX_UPLOAD_MB", "2048"))
    config = {
        "DATA_DIR": data_dir,
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'videodesk.db'}",
        "REDIS_URL": env.get("VIDEODESK_REDIS_URL") or None,
        "SECRET_KEY": env.get("VIDEODESK_SECRET_KEY") or None,
        "MAX_UPLOAD_MB": max_upload_mb,
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
        # A local faster-whisper model folder switches automatic captions from pocketsphinx to Whisper.
        "WHISPER_MODEL": env.get("VIDEODESK_WHISPER_MODEL") or None,
        # Behind HTTPS, studio cookies must only travel encrypted.
        "SESSION_COOKIE_SECURE": _flag(env.get("VIDEODESK_SECURE_COOKIES", "")),
        "WORKERS": int(env.get("VIDEODESK_WORKERS", "2")),
        # Immediate mode runs jobs in-process; only unit tests use it.
        "QUEUE_IMMEDIATE": False,
    }
    config.update(overrides)
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_MB"] * 1024 * 1024 + 1024 * 1024
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(data_dir)
    for sub in ("media", "uploads", "tmp", "resumable"):
        (data_dir / sub).mkdir(exist_ok=True)
    return config
