"""Signing in (password or API token, throttled) and out."""
from flask import redirect, render_template, request, session, url_for
from sqlalchemy import select

from videodesk.auth import logins
from videodesk.auth.passwords import verify_password
from videodesk.auth.tokens import user_for_token
from videodesk.core import db
from videodesk.core.models import User
from videodesk.web.csrf import check_csrf
from videodesk.web.studio import bp


def _start_session(user):
    session.clear()  # a new session id on sign-in: no fixation
    session["user_id"] = user.id
    return redirect(url_for("studio.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        check_csrf()
        address = request.remote_addr or "unknown"
        if "token" in request.form:
            name = "token"
            user = None if logins.locked(name, address) else user_for_token(request.form["token"].strip())
        else:
            name = request.form.get("name", "").strip()
            user = None
            if not logins.locked(name, address):
                candidate = db.session().scalar(select(User).where(User.name == name)) if name else None
                # The hash is checked even for unknown names, so timing tells nothing either.
                if verify_password(candidate.password_hash if candidate else None, request.form.get("password", "")):
                    user = candidate
        if user is not None:
            logins.succeeded(name)
            return _start_session(user)
        if not logins.locked(name, address):
            logins.failed(name, address)
        error = logins.PAUSED if logins.locked(name, address) else logins.FAILED
    status = 429 if error == logins.PAUSED else 401 if error else 200
    return render_template("studio/login.html", error=error), status


@bp.post("/logout")
def logout():
    check_csrf()
    session.clear()
    return redirect(url_for("public.home"))
