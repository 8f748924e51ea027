"""Resumable uploads: the tus 1.0.0 protocol (core, creation, termination, expiration).

Each upload is two files in the data folder's `resumable/`: `<id>.part` holds the bytes received
so far (its size *is* the offset, so a crash never desynchronizes them) and `<id>.json` the
declared length, metadata, owner and expiry. PATCH bodies stream to disk in 1 MiB chunks, so
memory stays flat whatever the file size. A finished upload becomes a Video through
`POST /api/videos {"upload_id": ...}`."""
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import time
from email.utils import formatdate

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import ClientDisconnected

from . import storage
from .auth import current_user, require_role
from .errors import ApiError
from .ids import is_random_id, random_id
from .text import whole_number

bp = Blueprint("resumable", __name__, url_prefix="/api/uploads")
VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
CHUNK = 1024 * 1024
ID_LENGTH = 24


def _folder():
    return storage.data_dir() / "resumable"


def _paths(upload_id: str):
    if len(upload_id) != ID_LENGTH or not is_random_id(upload_id):
        raise ApiError(404, "not_found", "No such upload.")
    return _folder() / f"{upload_id}.part", _folder() / f"{upload_id}.json"


def _max_size() -> int:
    return current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024


def _headers(extra=None) -> dict:
    return {"Tus-Resumable": VERSION, "Cache-Control": "no-store", **(extra or {})}


def _check_version():
    if request.headers.get("Tus-Resumable") != VERSION:
        raise ApiError(412, "unsupported_version", f"Send 'Tus-Resumable: {VERSION}'.")


def parse_metadata(header: str) -> dict:
    """`Upload-Metadata: key base64value,key2 base64value2` -> {key: text}."""
    result = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _, value = pair.partition(" ")
        try:
            result[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_metadata", f"Upload-Metadata value of '{key}' is not base64 UTF-8.") from None
    return result


def load(upload_id: str, *, owner_check=True) -> dict:
    """The upload's record with its current offset; 404 for unknown, someone else's or expired uploads."""
    part, meta = _paths(upload_id)
    try:
        record = json.loads(meta.read_text())
    except (FileNotFoundError, ValueError):
        raise ApiError(404, "not_found", "No such upload (it may have expired).") from None
    user = current_user()
    if owner_check and (user is None or (record["owner_id"] != user.id and not user.has_role("editor"))):
        raise ApiError(404, "not_found", "No such upload (it may have expired).")
    if record["expires"] < time.time():
        remove(upload_id)
        raise ApiError(410, "expired", "This upload expired; start it again.")
    record["offset"] = part.stat().st_size if part.exists() else 0
    return record


def remove(upload_id: str):
    for path in _paths(upload_id):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _save(upload_id: str, record: dict):
    _, meta = _paths(upload_id)
    tmp = meta.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({k: v for k, v in record.items() if k != "offset"}))
    os.replace(tmp, meta)


def _expires_header(record) -> str:
    return formatdate(record["expires"], usegmt=True)


@bp.route("/", methods=["OPTIONS"])
def options():
    return Response(status=204, headers=_headers({
        "Tus-Version": VERSION, "Tus-Extension": EXTENSIONS, "Tus-Max-Size": str(_max_size())}))


@bp.post("/")
@require_role("producer")
def create():
    _check_version()
    length = whole_number(request.headers.get("Upload-Length"))
    if length is None:
        raise ApiError(400, "missing_length", "Send the file size as 'Upload-Length'.")
    if length > _max_size():
        raise ApiError(413, "too_large", f"The file is larger than the {current_app.config['MAX_UPLOAD_MB']} MB limit.")
    if length == 0:
        raise ApiError(400, "empty_file", "The file is empty.")
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    upload_id = random_id(ID_LENGTH)
    record = {"length": length, "metadata": metadata, "owner_id": current_user().id,
              "created": time.time(), "expires": time.time() + current_app.config["UPLOAD_EXPIRY_H"] * 3600}
    _folder().mkdir(exist_ok=True)
    _paths(upload_id)[0].touch()
    _save(upload_id, record)
    location = url_for("resumable.upload", upload_id=upload_id)
    return Response(status=201, headers=_headers({"Location": location, "Upload-Expires": _expires_header(record)}))


@bp.route("/<upload_id>", methods=["HEAD"])
@require_role("producer")
def upload(upload_id):
    _check_version()
    record = load(upload_id)
    return Response(status=200, headers=_headers({
        "Upload-Offset": str(record["offset"]), "Upload-Length": str(record["length"]),
        "Upload-Expires": _expires_header(record),
        "Upload-Metadata": ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in record["metadata"].items()),
    }))


@bp.patch("/<upload_id>")
@require_role("producer")
def append(upload_id):
    _check_version()
    if request.mimetype != "application/offset+octet-stream":
        raise ApiError(415, "unsupported_media_type", "PATCH bodies must be 'application/offset+octet-stream'.")
    record = load(upload_id)
    offset = request.headers.get("Upload-Offset", "")
    part, _ = _paths(upload_id)
    with open(part, "ab") as out:
        try:
            fcntl.flock(out, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ApiError(423, "locked", "Another request is writing to this upload.") from None
        current = out.seek(0, os.SEEK_END)
        if whole_number(offset) != current:
            raise ApiError(409, "offset_mismatch", f"The upload is at offset {current}; resume from there.")
        remaining = record["length"] - current
        # Whatever arrives before a dropped connection is kept: the client resumes from there.
        with contextlib.suppress(OSError, ValueError, EOFError, ClientDisconnected):
            while remaining > 0:
                chunk = request.stream.read(min(CHUNK, remaining))
                if not chunk:
                    break
                out.write(chunk)
                remaining -= len(chunk)
        out.flush()
        os.fsync(out.fileno())
        new_offset = out.tell()
    if new_offset == record["length"] and "sha256" not in record:
        record["sha256"] = sha256_of(part)
        _save(upload_id, record)
    return Response(status=204, headers=_headers({"Upload-Offset": str(new_offset),
                                                 "Upload-Expires": _expires_header(record)}))


@bp.delete("/<upload_id>")
@require_role("producer")
def terminate(upload_id):
    _check_version()
    load(upload_id)
    remove(upload_id)
    return Response(status=204, headers=_headers())


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def take(upload_id: str, destination) -> dict:
    """Move a finished upload to `destination`; return its record (length, metadata, sha256)."""
    record = load(upload_id)
    if record["offset"] != record["length"]:
        raise ApiError(409, "incomplete_upload",
                       f"The upload has {record['offset']} of {record['length']} bytes; finish it first.")
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
