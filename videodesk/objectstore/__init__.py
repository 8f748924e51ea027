"""Media storage: one interface (MediaStore), a local-folder backend and an S3-compatible one.

Pure Python, no Flask: the app, the workers and the CLI build a store with
``store_from_config(config)``; boto3 is imported only when an S3 bucket is configured.
"""
from __future__ import annotations

from pathlib import Path

from .base import MediaStore, ObjectInfo, StoreError, StoreUnavailable, check_key, check_prefix
from .local import LocalStore

__all__ = ["MediaStore", "ObjectInfo", "StoreError", "StoreUnavailable", "LocalStore", "check_key",
           "check_prefix", "store_from_config"]

def store_from_config(config: dict) -> MediaStore:
    """S3Store when S3_BUCKET is set, else LocalStore(DATA_DIR/"media"); `config` is the app's
    (videodesk/core/config.py reads the VIDEODESK_S3_* variables)."""
    base_url = config.get("MEDIA_BASE_URL") or None
    bucket = config.get("S3_BUCKET")
    if bucket:
        from .s3 import S3Store
        return S3Store(bucket, prefix=config.get("S3_PREFIX") or "",
                       endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                       region=config.get("S3_REGION") or "us-east-1",
                       path_style=bool(config.get("S3_PATH_STYLE")),
                       media_base_url=base_url)
    data_dir = config.get("DATA_DIR")
    if not data_dir:
        raise ValueError("store_from_config needs S3_BUCKET or DATA_DIR")
    return LocalStore(Path(data_dir) / "media", media_base_url=base_url,
                      signing_secret=config.get("MEDIA_SIGNING_SECRET") or config.get("SECRET_KEY") or None)
