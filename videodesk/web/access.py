"""Who is asking (a Bearer API token or a studio session) and the one role guard for every route."""
import functools

from flask import g, request
from flask import session as web_session

from videodesk.auth import sessions
from videodesk.auth.tokens import user_for_token
from videodesk.core.errors import Forbidden, Unauthorized
from videodesk.core.models import User
from videodesk.newsroom import usage
from videodesk.web.csrf import SESSION_KEY, csrf_matches

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _sent_csrf_token() -> str:
    token = request.headers.get("X-CSRF-Token", "")
    if not token and request.mimetype in FORM_TYPES:
        token = request.form.get("csrf_token", "")
    return token


def current_user() -> User | None:
    """The Bearer token's user, or the studio session's. The session is looked up first (no body is
    read for a dead or forged cookie); its unsafe requests must also carry the session's CSRF token
    (`X-CSRF-Token` or a form's `csrf_token`): cookies travel by themselves, tokens do not."""
    if "current_user" not in g:
        user = None
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer " and header[7:].strip():
            user = user_for_token(header[7:].strip())
        elif SESSION_KEY in web_session:
            user = sessions.user_for(web_session[SESSION_KEY])
            if user is not None and request.method not in SAFE_METHODS and not csrf_matches(_sent_csrf_token()):
                user = None
        g.current_user = user
    return g.current_user


def require_role(role: str):
    """No credentials: Unauthorized (the API answers 401, the studio sends people to sign in);
    a role too low: Forbidden (403). The user is `g.user` inside the view."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                raise Unauthorized("Send a valid API token as 'Authorization: Bearer <token>', or sign in.")
            if not user.has_role(role):
                raise Forbidden(f"This needs the {role} role; you are {user.role}.")
            g.user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


def limited_work(kind: str):
    """Under `require_role`: the request asks for an expensive job of `kind` ("clip", "reprocess",
    "transcribe"), counted against the user's hourly limit (newsroom/usage.py); 429 past it."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            usage.admit_work(g.user, kind)
            return view(*args, **kwargs)

        return wrapped

    return decorator
