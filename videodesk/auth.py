"""Who is asking: a Bearer API token or a studio session, and what their role allows."""
import functools
import hashlib
import hmac
import secrets

from flask import g, request, session as web_session
from sqlalchemy import select

from . import db
from .errors import ApiError
from .models import ApiToken, User, utcnow

TOKEN_PREFIX = "vd_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.tokens.append(ApiToken(token_hash=hash_token(token)))
    return token


def user_for_token(token: str) -> User | None:
    record = db.session().scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None:
        return None
    record.last_used_at = utcnow()
    db.session().commit()
    return record.user


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _sent_csrf_token() -> str:
    token = request.headers.get("X-CSRF-Token", "")
    if not token and request.mimetype in FORM_TYPES:
        token = request.form.get("csrf_token", "")
    return token


def current_user() -> User | None:
    """The Bearer token's user, or the studio session's. A session's unsafe requests must also carry
    the session's CSRF token (`X-CSRF-Token` or a form's `csrf_token`): cookies travel by themselves,
    tokens do not."""
    if "current_user" not in g:
        user = None
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer " and header[7:].strip():
            user = user_for_token(header[7:].strip())
        elif "user_id" in web_session:
            sent = _sent_csrf_token()
            if request.method in SAFE_METHODS or (sent and hmac.compare_digest(sent, web_session.get("csrf", ""))):
                user = db.session().get(User, web_session["user_id"])
        g.current_user = user
    return g.current_user


def require_role(role: str):
    """API guard: 401 without credentials, 403 when the role is too low."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                raise ApiError(401, "unauthorized", "Send a valid API token as 'Authorization: Bearer <token>'.")
            if not user.has_role(role):
                raise ApiError(403, "forbidden", f"This needs the {role} role; you are {user.role}.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_video(user: User | None, video) -> bool:
    return user is not None and (user.has_role("editor") or video.owner_id == user.id)
