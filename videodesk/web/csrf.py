"""CSRF tokens for studio forms and the studio's scripts, compared in constant time.

Signed in, the token is an HMAC of the session secret (so the cookie holds nothing else); before
sign-in (the sign-in form itself) it is a random value kept in the cookie."""
import hashlib
import hmac
import secrets

from flask import abort, request, session

from videodesk.core.settings import current_settings

SESSION_KEY = "sid"  # the cookie's one field once signed in: the studio session's secret


def csrf_token() -> str:
    if SESSION_KEY in session:
        key = current_settings().secret_key.encode()
        return hmac.new(key, b"csrf:" + session[SESSION_KEY].encode(), hashlib.sha256).hexdigest()
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_matches(sent: str) -> bool:
    """Compared as bytes: `compare_digest` raises on text that is not ASCII, and a token with such
    characters is just a token that does not match."""
    return bool(sent) and hmac.compare_digest(sent.encode("utf-8", "replace"), csrf_token().encode())


def check_csrf():
    if not csrf_matches(request.form.get("csrf_token", "")):
        abort(400, "The form expired; reload the page and try again.")
