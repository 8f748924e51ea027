"""Media storage: one interface (MediaStore), a local-folder backend and an S3-compatible one.

Pure Python, no Flask: the app, the workers and the CLI build a store with
``store_from_settings(settings)``; boto3 is imported only when an S3 bucket is configured.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .base import MediaStore, ObjectInfo, StoreError, StoreUnavailable, check_key, check_prefix
from .local import LocalStore

if TYPE_CHECKING:
    from videodesk.core.settings import Settings

__all__ = ["MediaStore", "ObjectInfo", "StoreError", "StoreUnavailable", "LocalStore", "check_key",
           "check_prefix", "store_from_settings"]

def store_from_settings(settings: Settings) -> MediaStore:
    """S3Store when a bucket is set (the VIDEODESK_S3_* variables), else LocalStore(<data folder>/media)."""
    if settings.s3_bucket:
        from .s3 import S3Store
        return S3Store(settings.s3_bucket, prefix=settings.s3_prefix, endpoint_url=settings.s3_endpoint_url,
                       region=settings.s3_region, path_style=settings.s3_path_style,
                       media_base_url=settings.media_base_url)
    return LocalStore(settings.data_dir / "media", media_base_url=settings.media_base_url,
                      signing_secret=settings.secret_key)
