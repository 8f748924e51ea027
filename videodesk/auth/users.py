"""Changes to a user that must end their studio sessions at once: a new password, a new role,
revoked API tokens, disabling. Each joins the caller's transaction (the caller commits, with its
audit entry)."""
from videodesk.auth import sessions
from videodesk.auth.passwords import hash_password
from videodesk.core.models import User, utcnow


def set_password(user: User, password: str):
    user.password_hash = hash_password(password)
    sessions.end_all(user)


def set_role(user: User, role: str):
    user.role = role
    sessions.end_all(user)


def revoke_tokens(user: User):
    """Delete every API token of the user; sessions started with one of them go with it (cascade)."""
    user.tokens.clear()


def disable(user: User):
    """No sign-in, no session, no API token works until `enable`."""
    user.disabled_at = utcnow()
    sessions.end_all(user)


def enable(user: User):
    user.disabled_at = None
