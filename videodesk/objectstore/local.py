"""LocalStore: media files in a folder, served by the app itself (``send_file``).

Keys are relative paths under ``root``; a key that could escape it (``..``, absolute paths,
NUL, backslashes, drive letters, symlinks pointing outside) is refused with ValueError.

Writes are atomic: a file is written under ``root/.tmp`` and renamed into place, so a reader
sees the old file or the new one, never half of one. Files are 0600 (as ``mkstemp`` makes them):
the app reads them, other accounts on the machine do not.

Visibility: there is no anonymous reader in front of a local folder; the app decides per
request (published story or a valid token from ``signing``), serving readers only the files a
video names. ``set_public`` only records the flag (marker files under ``root/.public``) so that
``is_public`` can answer; keys may not start
with ``.``, so the bookkeeping folders never collide with media.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from . import signing
from .base import MediaStore, ObjectInfo, StoreError, check_key, check_prefix

_PUBLIC_DIR = ".public"
_TMP_DIR = ".tmp"
_MARKER = ".on"


class LocalStore(MediaStore):
    def __init__(self, root, media_base_url: str | None = None, url_prefix: str = "/media",
                 signing_secret=None, signed_mount: str = "/media/s"):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.media_base_url = media_base_url.rstrip("/") if media_base_url else None
        self.url_prefix = url_prefix.rstrip("/")
        self.signing_secret = signing_secret
        self.signed_mount = signed_mount

    def __repr__(self):
        return f"LocalStore({str(self.root)!r})"

    # -- paths ----------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        check_key(key)
        path = self.root.joinpath(*key.split("/"))
        real = os.path.realpath(path)
        if os.path.commonpath([real, str(self.root)]) != str(self.root):
            raise ValueError("object key escapes the store")
        return path

    def _folder(self, prefix: str) -> Path:
        base = check_prefix(prefix)
        return self._path(base[:-1]) if base else self.root

    def _tmp_file_dir(self) -> Path:
        return self.root / _TMP_DIR

    # -- writing --------------------------------------------------------------------------
    def _write_atomic(self, key: str, writer) -> None:
        self._tmp_file_dir().mkdir(exist_ok=True)
        _write_atomically(self._path(key), self._tmp_file_dir(), writer)

    def put_file(self, key, local_path, content_type=None):
        def copy(out):
            with open(local_path, "rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
        self._write_atomic(key, copy)

    def put_bytes(self, key, data, content_type=None):
        self._write_atomic(key, lambda out: out.write(bytes(data)))

    def delete(self, key):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            pass

    def delete_prefix(self, prefix):
        base = check_prefix(prefix)
        if not base:
            raise ValueError("delete_prefix needs a non-empty prefix")
        count = sum(1 for _ in self.list(prefix))
        shutil.rmtree(self._folder(prefix), ignore_errors=True)
        shutil.rmtree(self._marker_dir(base[:-1]), ignore_errors=True)
        return count

    # -- reading --------------------------------------------------------------------------
    def fetch(self, key, local_path):
        src = self._path(key)
        if not src.is_file():
            raise FileNotFoundError(key)
        dest = Path(local_path)
        dest.parent.mkdir(parents=True, exist_ok=True)

        def copy(out):
            with open(src, "rb") as inp:
                shutil.copyfileobj(inp, out, 1024 * 1024)
        _write_atomically(dest, dest.parent, copy)
        return dest

    def exists(self, key):
        return self._path(key).is_file()

    def size(self, key):
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def list(self, prefix=""):
        folder = self._folder(prefix)
        if not folder.is_dir():
            return iter(())
        return self._walk(folder)

    def _walk(self, folder: Path) -> Iterator[ObjectInfo]:
        found = []
        for dirpath, dirnames, filenames in os.walk(folder):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if key.startswith("."):
                    continue
                st = path.stat()
                found.append(ObjectInfo(key, st.st_size, f"{st.st_mtime_ns:x}-{st.st_size:x}"))
        found.sort()
        return iter(found)

    def local_path(self, key):
        path = self._path(key)
        return path if path.is_file() else None

    def local_root(self):
        return self.root

    # -- URLs and visibility --------------------------------------------------------------
    def public_url(self, key, expires_s=3600):
        check_key(key)
        if self.media_base_url:
            return f"{self.media_base_url}/{key}"
        return f"{self.url_prefix}/{key}"

    def signed_url(self, key, expires_s=3600):
        """An app URL ``/media/s/<token>/<video_id>/<rest>``; the first key segment is the video id."""
        check_key(key)
        if not self.signing_secret:
            raise StoreError("LocalStore has no signing secret for signed URLs")
        video_id, _, rest = key.partition("/")
        if not rest:
            raise ValueError("signed URLs need a key of the form <video_id>/<name>")
        return signing.media_path(self.signing_secret, video_id, rest, int(time.time()) + int(expires_s),
                                  mount=self.signed_mount)

    def _marker_dir(self, prefix_no_slash: str) -> Path:
        return self.root.joinpath(_PUBLIC_DIR, *prefix_no_slash.split("/"))

    def set_public(self, prefix, public, only=None):
        """A folder flag: which of its files readers get, the app decides (`only` is its rule too)."""
        base = check_prefix(prefix)
        if not base:
            raise ValueError("set_public needs a non-empty prefix")
        marker = self._marker_dir(base[:-1]) / _MARKER
        if public:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        else:
            try:
                marker.unlink()
            except FileNotFoundError:
                pass

    def join_public(self, key):
        check_prefix(key) if key.endswith("/") else check_key(key)  # the folder's marker already covers it

    def withdraw_public(self, prefix, keep):
        check_prefix(prefix)  # nothing is copied: the app serves only what the video names

    def is_public(self, key):
        parts = check_key(key).split("/")
        return any((self._marker_dir("/".join(parts[:i])) / _MARKER).is_file() for i in range(1, len(parts)))


def _write_atomically(dest: Path, tmp_dir: Path, writer):
    """`writer(file)` fills a temp file in `tmp_dir` (same file system, mode 0600), which then replaces `dest`."""
    fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            writer(out)
            out.flush()
            os.fsync(out.fileno())
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
