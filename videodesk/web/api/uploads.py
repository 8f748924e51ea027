"""Resumable uploads: the tus 1.0.0 protocol (core, creation, termination, expiration).

This module speaks HTTP; the bytes and records live in videodesk/ingest/resumable.py. A finished
upload becomes a Video through `POST /api/videos {"upload_id": ...}`."""
import base64
from email.utils import formatdate

from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import ClientDisconnected

from videodesk.core.errors import Invalid, TooLarge
from videodesk.core.settings import current_settings
from videodesk.core.text import whole_number
from videodesk.ingest import resumable
from videodesk.web.access import current_user, require_role
from videodesk.web.errors import ApiError, json_errors
from videodesk.web.openapi import Reply, header, operation
from videodesk.web.requests import UPLOAD, body_limit

bp = json_errors(Blueprint("resumable", __name__, url_prefix="/api/uploads"))
VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
TUS_RESUMABLE = header("Tus-Resumable", {"type": "string", "const": VERSION}, "The protocol version.")
EXPIRES = {"schema": {"type": "string"}, "description": "HTTP date after which the upload is removed.",
           "required": True}


def _max_size() -> int:
    return current_settings().max_upload_bytes


def _headers(extra=None) -> dict:
    return {"Tus-Resumable": VERSION, "Cache-Control": "no-store", **(extra or {})}


def _check_version():
    if request.headers.get("Tus-Resumable") != VERSION:
        raise ApiError("unsupported_version", f"Send 'Tus-Resumable: {VERSION}'.")


def parse_metadata(header: str) -> dict:
    """`Upload-Metadata: key base64value,key2 base64value2` -> {key: text}."""
    result = {}
    for pair in filter(None, (part.strip() for part in header.split(","))):
        key, _, value = pair.partition(" ")
        try:
            result[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (ValueError, UnicodeDecodeError):
            raise Invalid(code="invalid_metadata",
                          message=f"Upload-Metadata value of '{key}' is not base64 UTF-8.") from None
    return result


def _expires_header(record) -> str:
    return formatdate(record["expires"], usegmt=True)


@bp.route("/", methods=["OPTIONS"])
@operation("What the tus server supports", tags=["uploads"], public=True, responses={204: Reply(
    "Capabilities", headers={"Tus-Version": {"type": "string"}, "Tus-Extension": {"type": "string"},
                             "Tus-Max-Size": DIGITS, "Tus-Resumable": {"type": "string"}})})
def options():
    return Response(status=204, headers=_headers({
        "Tus-Version": VERSION, "Tus-Extension": EXTENSIONS, "Tus-Max-Size": str(_max_size())}))


@bp.post("/")
@operation("Start a resumable upload (tus creation)", tags=["uploads"], parameters=[
    TUS_RESUMABLE, header("Upload-Length", DIGITS, "The file size in bytes."),
    header("Upload-Metadata", {"type": "string"}, "`key base64value` pairs separated by commas: "
           "`filename`, `filetype`, `title`.", required=False)],
    responses={201: Reply("Created; send the bytes to Location", headers={
        "Location": {"schema": {"type": "string"}, "description": "/api/uploads/<upload_id>", "required": True},
        "Upload-Expires": EXPIRES})},
    errors=["unsupported_version", "missing_length", "too_large", "quota_exceeded", "empty_file", "invalid_metadata"])
@require_role("producer")
def create():
    _check_version()
    length = whole_number(request.headers.get("Upload-Length"))
    if length is None:
        raise Invalid(code="missing_length", message="Send the file size as 'Upload-Length'.")
    if length > _max_size():
        raise TooLarge(f"The file is larger than the {current_settings().max_upload_mb} MB limit.")
    if length == 0:
        raise Invalid(code="empty_file", message="The file is empty.")
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    upload_id, record = resumable.create(current_user(), length, metadata)
    location = url_for("resumable.upload", upload_id=upload_id)
    return Response(status=201, headers=_headers({"Location": location, "Upload-Expires": _expires_header(record)}))


@bp.route("/<upload_id>", methods=["HEAD"])
@operation("How many bytes the server has (tus core)", tags=["uploads"], parameters=[TUS_RESUMABLE],
           responses={200: Reply("The upload's state", headers={
               "Upload-Offset": DIGITS, "Upload-Length": DIGITS, "Upload-Expires": EXPIRES,
               "Upload-Metadata": {"type": "string"}})},
           errors=["unsupported_version", "expired"])
@require_role("producer")
def upload(upload_id):
    _check_version()
    record = resumable.load(upload_id, current_user())
    return Response(status=200, headers=_headers({
        "Upload-Offset": str(record["offset"]), "Upload-Length": str(record["length"]),
        "Upload-Expires": _expires_header(record),
        "Upload-Metadata": ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in record["metadata"].items()),
    }))


def _read_body(size: int) -> bytes:
    try:
        return request.stream.read(size)
    except ClientDisconnected:
        return b""


@bp.patch("/<upload_id>")
@operation("Append bytes at Upload-Offset (tus core)", tags=["uploads"],
           parameters=[TUS_RESUMABLE, header("Upload-Offset", DIGITS, "Where these bytes go: the current size.")],
           request={"application/offset+octet-stream": {"type": "string", "format": "binary"}},
           responses={204: Reply("Appended", headers={"Upload-Offset": DIGITS, "Upload-Expires": EXPIRES})},
           errors=["unsupported_version", "unsupported_media_type", "offset_mismatch", "expired", "locked",
                   "insufficient_storage"])
@body_limit(UPLOAD)
@require_role("producer")
def append(upload_id):
    _check_version()
    if request.mimetype != "application/offset+octet-stream":
        raise ApiError("unsupported_media_type", "PATCH bodies must be 'application/offset+octet-stream'.")
    record = resumable.load(upload_id, current_user())
    offset = whole_number(request.headers.get("Upload-Offset", ""))
    new_offset = resumable.append(upload_id, record, offset, _read_body)
    return Response(status=204, headers=_headers({"Upload-Offset": str(new_offset),
                                                 "Upload-Expires": _expires_header(record)}))


@bp.delete("/<upload_id>")
@operation("Give up an upload (tus termination)", tags=["uploads"], parameters=[TUS_RESUMABLE],
           responses={204: None}, errors=["unsupported_version", "expired"])
@require_role("producer")
def terminate(upload_id):
    _check_version()
    resumable.load(upload_id, current_user())
    resumable.remove(upload_id)
    return Response(status=204, headers=_headers())
