"""Administration: users, roles, passwords, tokens, settings, and the audit log."""
from flask import g, render_template, request
from sqlalchemy import select

from videodesk.auth import users as accounts
from videodesk.auth.tokens import issue_token
from videodesk.core import db
from videodesk.core.models import ROLES, User
from videodesk.core.settings import current_settings
from videodesk.newsroom import audit
from videodesk.web.access import require_role
from videodesk.web.csrf import check_csrf
from videodesk.web.studio import bp


@bp.get("/audit")
@require_role("editor")
def audit_log():
    return render_template("studio/audit.html", user=g.user, events=audit.recent())


@bp.route("/users", methods=["GET", "POST"])
@require_role("admin")
def users():
    """Admins create users, change roles, set passwords, issue and revoke API tokens, disable and
    enable users. Each change that affects access ends the user's studio sessions at once."""
    error = new_token = None
    if request.method == "POST":
        check_csrf()
        form = request.form
        name, role, action = form.get("name", "").strip(), form.get("role", ""), form.get("action", "")
        user = db.session().scalar(select(User).where(User.name == name)) if name else None
        if role and role not in ROLES:
            error = "Unknown role."
        elif action == "create" and (not name or user is not None):
            error = "Give a new, unused name."
        elif action != "create" and user is None:
            error = "No such user."
        elif action == "create":
            user = User(name=name[:120], role=role or "producer")
            db.session().add(user)
            audit.record(g.user, "user_create", f"user:{user.name}", role=user.role)
        elif action == "role" and role != user.role:
            audit.record(g.user, "role_change", f"user:{user.name}", old=user.role, new=role)
            accounts.set_role(user, role)
        elif action == "token":
            new_token = issue_token(user)
        elif action == "revoke":
            accounts.revoke_tokens(user)
            audit.record(g.user, "tokens_revoked", f"user:{user.name}")
        elif action == "disable" and user.id == g.user.id:
            error = "You cannot disable yourself."
        elif action == "disable":
            accounts.disable(user)
            audit.record(g.user, "user_disable", f"user:{user.name}")
        elif action == "enable":
            accounts.enable(user)
            audit.record(g.user, "user_enable", f"user:{user.name}")
        if not error and form.get("password"):
            if len(form["password"]) < 10:
                error = "Passwords need at least 10 characters."
            else:
                accounts.set_password(user, form["password"])
        if error:
            db.session().rollback()
        else:
            db.session().commit()
    people = db.session().scalars(select(User).order_by(User.name))
    configured = current_settings()
    settings = {name: getattr(configured, field) for name, field in SHOWN_SETTINGS.items()}
    return render_template("studio/users.html", user=g.user, people=list(people), roles=ROLES,
                           error=error, new_token=new_token, settings=settings), 400 if error else 200


# What admins see of the instance's configuration (set through the environment; secrets never shown).
SHOWN_SETTINGS = {
    "Data folder (VIDEODESK_DATA)": "data_dir", "Queue (VIDEODESK_REDIS_URL)": "redis_url",
    "Upload limit, MB (VIDEODESK_MAX_UPLOAD_MB)": "max_upload_mb", "Longest clip, s (VIDEODESK_MAX_DURATION_S)": "max_duration_s",
    "Loudness target": "loudness_target", "Imports from private addresses": "import_allow_private",
    "Imports per user and hour": "import_rate_per_hour", "Resumable upload expiry, h": "upload_expiry_h",
    "Whisper model": "whisper_model", "Secure cookies": "secure_cookies", "Jobs per worker": "workers",
    "Public address (VIDEODESK_BASE_URL)": "base_url", "Unfinished uploads per user, MB": "upload_quota_mb",
}
