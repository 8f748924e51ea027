"""Signing in (password or API token, throttled) and out. The cookie holds only the secret of a
server-side session (videodesk/auth/sessions.py), so signing out, or an admin's change, ends it."""
import logging

from flask import redirect, render_template, request, session, url_for
from sqlalchemy import select

from videodesk.auth import logins, sessions
from videodesk.auth.passwords import verify_password
from videodesk.auth.tokens import token_record
from videodesk.core import db
from videodesk.core.models import User
from videodesk.web.csrf import SESSION_KEY, check_csrf
from videodesk.web.requests import SIGN_IN, body_limit
from videodesk.web.studio import bp

log = logging.getLogger(__name__)


def _start_session(user, via_token_id=None):
    session.clear()  # a new session on sign-in: no fixation
    session[SESSION_KEY] = sessions.start(user, via_token_id)
    return redirect(url_for("studio.index"))


def _check_credentials(form, name: str | None):
    """The user and the token id the form's credentials belong to, or (None, None)."""
    if name is None:
        record = token_record(form["token"].strip())
        return (record.user, record.id) if record is not None else (None, None)
    candidate = db.session().scalar(select(User).where(User.name == name)) if name else None
    # The hash is checked even for unknown names, so timing tells nothing either.
    checked = verify_password(candidate.password_hash if candidate else None, form.get("password", ""))
    return (candidate, None) if checked and candidate.disabled_at is None else (None, None)


@bp.route("/login", methods=["GET", "POST"])
@body_limit(SIGN_IN)  # anonymous: never read or spool more than a sign-in form
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        # The client's address: ProxyFix (create_app) takes it from X-Forwarded-For behind trusted proxies.
        address = request.remote_addr or "unknown"
        name = None if "token" in request.form else request.form.get("name", "").strip()
        error = logins.refusal(name, address) or logins.admit(name, address)
        if error is None:
            user, via_token_id = _check_credentials(request.form, name)
            if user is not None:
                logins.succeeded(name, address)
                return _start_session(user, via_token_id)
            logins.failed(address)
            log.warning("sign-in failed after a password check: name %r from %s", (name or "token")[:150], address)
            error = logins.FAILED
    status = 429 if error in (logins.PAUSED, logins.SLOWED) else 401 if error else 200
    return render_template("studio/login.html", error=error), status


@bp.post("/logout")
def logout():
    check_csrf()
    if SESSION_KEY in session:
        sessions.end(session[SESSION_KEY])
    session.clear()
    return redirect(url_for("public.home"))
