"""The store behind tus uploads (videodesk/web/api/uploads.py speaks the protocol).

Each upload is two files in the data folder's `resumable/`: `<id>.part` holds the bytes received
so far (its size *is* the offset, so a crash never desynchronizes them) and `<id>.json` the
declared length, metadata, owner and expiry. Bodies are appended in 1 MiB chunks, so memory
stays flat whatever the file size.

An unfinished upload lives on the web node that receives it: with several web nodes, the tus
requests of one upload and the `POST /api/videos {"upload_id"}` that completes it must reach the
same node (sticky routing, e.g. on the client address or the /api/uploads/<id> path), or every
node must share one `resumable/` folder. Once complete, intake moves the bytes to the media store
(docs/MANY_MACHINES.md)."""
import contextlib
import errno
import fcntl
import json
import os
import time

from videodesk.core import storage
from videodesk.core.digests import sha256_of
from videodesk.core.errors import Conflict, Gone, InsufficientStorage, Locked, NotFound, TooLarge
from videodesk.core.ids import is_random_id, random_id
from videodesk.core.settings import current_settings
from videodesk.newsroom import usage

CHUNK = 1024 * 1024
ID_LENGTH = 24


def _folder():
    return storage.data_dir() / "resumable"


def _paths(upload_id: str):
    if len(upload_id) != ID_LENGTH or not is_random_id(upload_id):
        raise NotFound("No such upload.")
    return _folder() / f"{upload_id}.part", _folder() / f"{upload_id}.json"


def reserved_bytes(owner_id: int) -> int:
    """The declared sizes of the user's unfinished, unexpired uploads: the disk they may claim."""
    total = 0
    for meta in _folder().glob("*.json"):
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            record = json.loads(meta.read_text())
            if record["owner_id"] == owner_id and record["expires"] >= time.time():
                total += record["length"]
    return total


def create(owner, length: int, metadata: dict) -> tuple[str, dict]:
    """A new, empty upload; returns its id and record. TooLarge ("quota_exceeded") when it would take
    the user's unfinished uploads past VIDEODESK_UPLOAD_QUOTA_MB, so nobody fills the disk with
    uploads they never finish, or their finished videos past their storage quota (newsroom/usage.py)."""
    usage.require_room(owner, length)
    quota_mb = current_settings().upload_quota_mb
    if reserved_bytes(owner.id) + length > quota_mb * 1024 * 1024:
        raise TooLarge(f"Your unfinished uploads would pass the {quota_mb} MB quota; finish or delete some first.",
                       code="quota_exceeded")
    upload_id = random_id(ID_LENGTH)
    record = {"length": length, "metadata": metadata, "owner_id": owner.id,
              "created": time.time(), "expires": time.time() + current_settings().upload_expiry_h * 3600}
    _folder().mkdir(exist_ok=True)
    _paths(upload_id)[0].touch()
    _save(upload_id, record)
    return upload_id, record


def load(upload_id: str, user) -> dict:
    """The upload's record with its current offset; NotFound for unknown, someone else's or expired
    uploads (editors see everyone's)."""
    part, meta = _paths(upload_id)
    try:
        record = json.loads(meta.read_text())
    except (FileNotFoundError, ValueError):
        raise NotFound("No such upload (it may have expired).") from None
    if user is None or (record["owner_id"] != user.id and not user.has_role("editor")):
        raise NotFound("No such upload (it may have expired).")
    if record["expires"] < time.time():
        remove(upload_id)
        raise Gone("This upload expired; start it again.")
    record["offset"] = part.stat().st_size if part.exists() else 0
    return record


def require_complete(record: dict):
    if record["offset"] != record["length"]:
        raise Conflict(code="incomplete_upload",
                       message=f"The upload has {record['offset']} of {record['length']} bytes; finish it first.")


def append(upload_id: str, record: dict, offset: int | None, read) -> int:
    """Append what `read(n)` yields from `offset` (which must be the current size); return the new offset.

    Whatever arrives before a dropped connection is kept: the client resumes from there."""
    part, _ = _paths(upload_id)
    with open(part, "ab", buffering=0) as out:
        try:
            fcntl.flock(out, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked("Another request is writing to this upload.") from None
        current = out.seek(0, os.SEEK_END)
        if offset != current:
            raise Conflict(code="offset_mismatch", message=f"The upload is at offset {current}; resume from there.")
        new_offset = current
        try:
            while new_offset < record["length"]:
                try:
                    chunk = read(min(CHUNK, record["length"] - new_offset))
                except (OSError, ValueError, EOFError):
                    break  # the client went away: what arrived is kept
                if not chunk:
                    break
                _write_all(out, chunk)
                new_offset += len(chunk)
            os.fsync(out.fileno())
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            # Whole chunks stay (the client resumes from the offset); a partly written one goes.
            os.ftruncate(out.fileno(), new_offset)
            raise InsufficientStorage(
                "The server ran out of disk space while receiving the upload; resume it later.") from None
    if new_offset == record["length"] and "sha256" not in record:
        record["sha256"] = sha256_of(part)
        _save(upload_id, record)
    return new_offset


def _write_all(out, data: bytes):
    """An unbuffered write may take only part of the data (a nearly full disk); the rest follows or raises."""
    view = memoryview(data)
    while view:
        view = view[out.write(view):]


def remove(upload_id: str):
    for path in _paths(upload_id):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _save(upload_id: str, record: dict):
    _, meta = _paths(upload_id)
    tmp = meta.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({k: v for k, v in record.items() if k != "offset"}))
    os.replace(tmp, meta)


def take(upload_id: str, user, destination) -> dict:
    """Move a finished upload to `destination`; return its record (length, metadata, sha256)."""
    record = load(upload_id, user)
    require_complete(record)
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(_paths(upload_id)[0], destination)
    remove(upload_id)
    return record


def remove_expired() -> int:
    """Delete abandoned uploads past their expiry; return how many."""
    removed = 0
    for meta in _folder().glob("*.json"):
        with contextlib.suppress(FileNotFoundError, ValueError):
            if json.loads(meta.read_text())["expires"] < time.time():
                remove(meta.stem)
                removed += 1
    return removed
