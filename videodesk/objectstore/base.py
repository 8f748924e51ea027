"""The media storage interface shared by the pipeline, the API and the pages.

Keys are logical, slash-separated relative paths such as ``<video_id>/hls/720p/seg_001.m4s``.
Every backend checks them with :func:`check_key` (or :func:`check_prefix` for folder prefixes)
and raises ``ValueError`` for anything that could name something outside the store.

Prefix arguments are *folder* prefixes: ``"abc"`` means everything under ``abc/`` (never
``abcdef/...``) and ``""`` means the whole store.

Visibility: every object is private when written. ``set_public(prefix, True)`` publishes a
folder (``only=`` a predicate: just the keys it accepts), ``set_public(prefix, False)`` withdraws
it; what that means per backend is documented
in ``s3.py`` (a separate ``public/`` copy that only a bucket policy exposes) and ``local.py``
(the app itself decides, the local store only remembers the flag).
"""
from __future__ import annotations

import abc
import mimetypes
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

from videodesk.core.digests import sha256_of


class StoreError(Exception):
    """Base class of the errors a store raises on purpose."""


class StoreUnavailable(StoreError):
    """The storage service could not be reached or did not answer in time (after retries).

    Callers may treat it as temporary: retry the job later, answer 503 on a page."""


class ObjectInfo(NamedTuple):
    key: str
    size: int
    etag: str  # an opaque change token: S3's ETag (md5 for single-part uploads), a stat digest locally


# Playlists and manifests are written last by put_tree, so a reader that can already see the
# playlist never meets a segment that is not there yet.
MANIFEST_SUFFIXES = (".m3u8", ".mpd")

_EXTRA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt",
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".json": "application/json",
}


def guess_content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in _EXTRA_TYPES:
        return _EXTRA_TYPES[suffix]
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def check_key(key) -> str:
    """Return ``key`` if it is a safe relative object key, else raise ValueError.

    Refused: non-strings, empty keys, NUL or other control characters, backslashes, absolute
    paths, a trailing slash, and empty, ``.`` or ``..`` segments; a first segment starting
    with ``.`` is reserved for the stores' own bookkeeping."""
    if not isinstance(key, str) or not key:
        raise ValueError("object key must be a non-empty string")
    if len(key) > 900:
        raise ValueError("object key too long")
    if any(ord(c) < 32 or c == "\x7f" for c in key):
        raise ValueError("object key contains a control character")
    if "\\" in key:
        raise ValueError("object key contains a backslash")
    if key.startswith("/"):
        raise ValueError("object key must be relative")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError("object key has an empty, '.' or '..' segment")
    if parts[0].startswith("."):
        raise ValueError("object key may not start with '.'")
    if len(parts[0]) >= 2 and parts[0][1] == ":":
        raise ValueError("object key looks like a drive path")
    return key


def check_prefix(prefix) -> str:
    """A folder prefix: ``""`` for everything, else a valid key; returned with a trailing slash."""
    if prefix == "":
        return ""
    if isinstance(prefix, str) and prefix.endswith("/"):
        prefix = prefix[:-1]
    return check_key(prefix) + "/"


def tree_files(local_folder) -> list[tuple[str, Path]]:
    """(relative key, path) for every regular file under a folder, manifests last."""
    folder = Path(local_folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"not a folder: {folder}")
    files = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            raise ValueError(f"refusing to upload a symlink: {path}")
        if path.is_file():
            files.append((path.relative_to(folder).as_posix(), path))
    files.sort(key=lambda item: (item[0].lower().endswith(MANIFEST_SUFFIXES), item[0]))
    return files


class MediaStore(abc.ABC):
    """Where media files live. Implementations: LocalStore, S3Store."""

    media_base_url: str | None = None  # a CDN in front of the published objects

    # -- writing --------------------------------------------------------------------------
    @abc.abstractmethod
    def put_file(self, key: str, local_path, content_type: str | None = None) -> None:
        """Store a local file under ``key`` (private). Replaces an existing object whole."""

    @abc.abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        """Store a small in-memory object under ``key`` (private)."""

    def put_tree(self, prefix: str, local_folder) -> list[str]:
        """Upload every file of a folder (e.g. an HLS ladder) under ``prefix``; return the keys.

        Segments go first and playlists/manifests last; if any upload fails, what this call
        had uploaded is deleted again (best effort) and the error is raised, so the caller only
        records a reference to the folder once this returns."""
        base = check_prefix(prefix)
        if not base:
            raise ValueError("put_tree needs a non-empty prefix")
        files = tree_files(local_folder)
        for rel, _path in files:
            check_key(base + rel)
        done: list[str] = []
        try:
            for rel, path in files:
                self.put_file(base + rel, path)
                done.append(base + rel)
        except BaseException:
            for key in done:
                try:
                    self.delete(key)
                except Exception:
                    pass
            raise
        return done

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Delete one object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete everything under a folder prefix, public copies included; return how many objects."""

    # -- reading --------------------------------------------------------------------------
    @abc.abstractmethod
    def fetch(self, key: str, local_path) -> Path:
        """Download ``key`` to ``local_path`` atomically (a temporary file renamed into place).

        Raises FileNotFoundError when there is no such object."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        ...

    @abc.abstractmethod
    def size(self, key: str) -> int | None:
        """Size in bytes, or None when there is no such object."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under a folder prefix, in key order."""

    # -- URLs and visibility --------------------------------------------------------------
    @abc.abstractmethod
    def public_url(self, key: str, expires_s: int = 3600) -> str:
        """URL of a *published* object for readers (the CDN's when a base URL is configured)."""

    @abc.abstractmethod
    def signed_url(self, key: str, expires_s: int = 3600) -> str:
        """A URL that reads the private object until it expires."""

    def local_path(self, key: str) -> Path | None:
        """The file on disk for ``send_file``, when the backend has one (local only)."""
        return None

    def same_bytes(self, info: ObjectInfo, local_path) -> bool:
        """Whether a stored object (as `list` reported it) holds exactly a local file's bytes; backends
        with checksums of their own (S3's ETag) compare those instead of reading the object back."""
        if info.size != Path(local_path).stat().st_size:
            return False
        with tempfile.TemporaryDirectory(prefix="videodesk-compare-") as folder:
            return sha256_of(self.fetch(info.key, Path(folder) / "object")) == sha256_of(local_path)

    def local_root(self) -> Path | None:
        """The folder holding every key, when the backend is a folder on this machine: then writers
        may produce files in place instead of uploading them (local only)."""
        return None

    def read_bytes(self, key: str) -> bytes:
        """A small object's bytes (captions, playlists). Raises FileNotFoundError when missing."""
        local = self.local_path(key)
        if local is not None:
            return local.read_bytes()
        with tempfile.TemporaryDirectory(prefix="videodesk-read-") as folder:
            return self.fetch(key, Path(folder) / "object").read_bytes()

    def prepare(self) -> None:
        """Create what the backend needs before first use (a bucket, its policy). Idempotent."""
        return None

    def origins(self) -> list[str]:
        """Origins (scheme://host[:port]) that public or signed URLs may point at, for the pages' CSP."""
        return [origin_of(self.media_base_url)] if self.media_base_url else []

    @abc.abstractmethod
    def set_public(self, prefix: str, public: bool, only: Callable[[str], bool] | None = None) -> None:
        """Publish (True) or withdraw (False) everything under a folder prefix. Idempotent. With
        `only`, publishing makes exactly the keys under the prefix for which `only(key)` is true
        public, and withdraws every other public object there: a replaced or unnamed file never
        stays public. (The local store keeps a folder flag; the app serves readers by the same rule.)"""

    @abc.abstractmethod
    def join_public(self, key: str) -> None:
        """An object written after its folder was published (or, for a key ending in "/", every object
        under that folder) becomes public with it: only these are copied, not the whole folder."""

    @abc.abstractmethod
    def withdraw_public(self, prefix: str, keep: Callable[[str], bool]) -> None:
        """Withdraw every public object under a folder prefix whose key `keep` refuses (files a
        published video no longer names); nothing is copied."""

    @abc.abstractmethod
    def is_public(self, key: str) -> bool:
        """Whether the object is currently published."""
