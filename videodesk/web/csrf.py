"""CSRF tokens for studio forms: one random token per session, compared in constant time."""
import hmac
import secrets

from flask import abort, request, session


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf():
    sent = request.form.get("csrf_token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, "The form expired; reload the page and try again.")
