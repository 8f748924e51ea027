"""HMAC-signed URLs for private media that the app serves itself.

The token sits in the URL *path*, not the query string::

    /media/s/<token>/<video_id>/hls/master.m3u8

so that the segments, init files and sub-playlists a player resolves relative to a playlist
(``720p/seg_001.m4s`` -> ``/media/s/<token>/<video_id>/hls/720p/seg_001.m4s``) carry it too.
A token is bound to one video id and one expiry, nothing else: it opens every file of that
video until it expires, which is what an HLS player needs.

Token = base64url(expiry as 8-byte big-endian) + "." + base64url(HMAC-SHA256(secret, "<video_id>:<expiry>")),
both without padding. Pure functions; the caller passes the clock.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_MAX_EXPIRY = 2**63 - 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret_bytes(secret) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes) or len(secret) < 16:
        raise ValueError("signing secret must be at least 16 bytes")
    return secret


def _mac(secret: bytes, video_id: str, expiry: int) -> bytes:
    return hmac.new(secret, f"{video_id}:{expiry}".encode("ascii"), hashlib.sha256).digest()


def sign(secret, video_id: str, expires_at) -> str:
    """A token that lets ``video_id``'s media be read until ``expires_at`` (Unix seconds)."""
    if not isinstance(video_id, str) or not _VIDEO_ID.fullmatch(video_id):
        raise ValueError("bad video id")
    expiry = int(expires_at)
    if not 0 < expiry <= _MAX_EXPIRY:
        raise ValueError("bad expiry")
    return _b64(expiry.to_bytes(8, "big")) + "." + _b64(_mac(_secret_bytes(secret), video_id, expiry))


def verify(secret, video_id: str, token, now) -> bool:
    """Whether ``token`` was made by ``sign(secret, video_id, t)`` for some t > now."""
    if not isinstance(token, str) or not isinstance(video_id, str) or not _VIDEO_ID.fullmatch(video_id):
        return False
    if len(token) > 100 or token.count(".") != 1:
        return False
    expiry_part, mac_part = token.split(".")
    try:
        expiry_bytes = _unb64(expiry_part)
        given = _unb64(mac_part)
    except (ValueError, binascii.Error):
        return False
    if len(expiry_bytes) != 8 or len(given) != 32:
        return False
    # One encoding per value: refuse tokens whose text differs from the canonical one.
    if _b64(expiry_bytes) != expiry_part or _b64(given) != mac_part:
        return False
    expiry = int.from_bytes(expiry_bytes, "big")
    expected = _mac(_secret_bytes(secret), video_id, expiry)
    if not hmac.compare_digest(expected, given):
        return False
    return now < expiry


def media_path(secret, video_id: str, name: str, expires_at, mount: str = "/media/s") -> str:
    """``/media/s/<token>/<video_id>/<name>`` for a private file of a video."""
    return f"{mount.rstrip('/')}/{sign(secret, video_id, expires_at)}/{video_id}/{name.lstrip('/')}"
