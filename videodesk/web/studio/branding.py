"""The station logo (admins): upload a PNG, place it (corner, size, opacity), or remove it."""
from flask import g, render_template, request

from videodesk.core.errors import DomainError
from videodesk.newsroom import branding
from videodesk.web.access import require_role
from videodesk.web.csrf import check_csrf
from videodesk.web.studio import bp
from videodesk.web.views import station_logo


@bp.route("/branding", methods=["GET", "POST"])
@require_role("admin")
def branding_page():
    error = done = None
    if request.method == "POST":
        check_csrf()
        try:
            action = request.form.get("action")
            if action == "remove":
                branding.remove_logo(g.user)
            else:
                upload = request.files.get("logo")
                if upload is not None and upload.filename:
                    branding.upload_logo(g.user, upload.read(branding.MAX_BYTES + 1))
                branding.place_logo(g.user, {k: request.form[k] for k in ("corner", "size", "opacity") if k in request.form})
            done = "Saved. Players show the change at once; encoded videos are not touched."
        except DomainError as exc:
            error = exc.message
    return render_template("studio/branding.html", user=g.user, settings=branding.settings(), logo=station_logo(),
                           corners=branding.CORNERS, size_range=branding.SIZE_RANGE,
                           opacity_range=branding.OPACITY_RANGE, error=error, done=done), 400 if error else 200
