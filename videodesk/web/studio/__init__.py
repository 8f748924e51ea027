"""The studio for producers and editors: server-rendered pages with small scripts.

Modules by concern: `session` (sign-in), `videos` (library, upload, video page, dashboard),
`stories` (new story, editor, previews, revisions), `admin` (users, settings, audit log),
`branding` (the station logo), `webhooks` (receivers and their deliveries).
Pages are guarded by web.access.require_role like the API: without a session the error handler
sends people to the sign-in page."""
from flask import Blueprint

from videodesk.web.requests import FORM, body_limit

bp = body_limit(FORM)(Blueprint("studio", __name__, url_prefix="/studio"))

from videodesk.web.studio import admin, branding, live, session, stories, videos, webhooks  # noqa: E402,F401  (routes register on bp)
