"""Media storage: one interface (MediaStore), a local-folder backend and an S3-compatible one.

Pure Python, no Flask: the app, the workers and the CLI build a store with
``store_from_config(config)``; boto3 is imported only when an S3 bucket is configured.
"""
from __future__ import annotations

from pathlib import Path

from .base import MediaStore, ObjectInfo, StoreError, StoreUnavailable, check_key, check_prefix
from .local import LocalStore

__all__ = ["MediaStore", "ObjectInfo", "StoreError", "StoreUnavailable", "LocalStore", "check_key",
           "check_prefix", "store_from_config", "config_from_env"]

_ENV = {
    "VIDEODESK_S3_BUCKET": "S3_BUCKET",
    "VIDEODESK_S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "VIDEODESK_S3_REGION": "S3_REGION",
    "VIDEODESK_S3_PREFIX": "S3_PREFIX",
    "VIDEODESK_S3_PATH_STYLE": "S3_PATH_STYLE",
    "VIDEODESK_MEDIA_BASE_URL": "MEDIA_BASE_URL",
}


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def config_from_env(environ) -> dict:
    """The storage settings found in an environment mapping (unset and empty ones left out)."""
    config = {}
    for env_name, key in _ENV.items():
        value = (environ.get(env_name) or "").strip()
        if value:
            config[key] = value
    if "S3_PATH_STYLE" in config:
        config["S3_PATH_STYLE"] = _flag(config["S3_PATH_STYLE"])
    return config


def store_from_config(config: dict) -> MediaStore:
    """S3Store when S3_BUCKET is set, else LocalStore(DATA_DIR/"media")."""
    base_url = config.get("MEDIA_BASE_URL") or None
    bucket = config.get("S3_BUCKET")
    if bucket:
        from .s3 import S3Store
        return S3Store(bucket, prefix=config.get("S3_PREFIX") or "",
                       endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                       region=config.get("S3_REGION") or "us-east-1",
                       path_style=_flag(config.get("S3_PATH_STYLE")),
                       media_base_url=base_url)
    data_dir = config.get("DATA_DIR")
    if not data_dir:
        raise ValueError("store_from_config needs S3_BUCKET or DATA_DIR")
    return LocalStore(Path(data_dir) / "media", media_base_url=base_url,
                      signing_secret=config.get("MEDIA_SIGNING_SECRET") or config.get("SECRET_KEY") or None)
