"""The studio for producers and editors: server-rendered pages with small scripts.

Modules by concern: `session` (sign-in), `videos` (library, upload, video page, dashboard),
`stories` (new story, editor, previews, revisions), `admin` (users, settings, audit log)."""
import functools

from flask import Blueprint, abort, g, redirect, url_for

from ..auth import current_user

bp = Blueprint("studio", __name__, url_prefix="/studio")


def signed_in(role: str = "producer"):
    """Studio pages: sign in first; a role too low for the page is a 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("studio.login"))
            if not user.has_role(role):
                abort(403, f"This page needs the {role} role.")
            g.studio_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


from . import admin, session, stories, videos  # noqa: E402,F401  (routes register on bp)
