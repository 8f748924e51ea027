"""API tokens: shown once, stored only as a SHA-256 hash."""
import hashlib
import secrets

from sqlalchemy import select

from videodesk.core import db
from videodesk.core.models import ApiToken, User, utcnow

TOKEN_PREFIX = "vd_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.tokens.append(ApiToken(token_hash=hash_token(token)))
    return token


def token_record(token: str) -> ApiToken | None:
    """The stored token if it is valid and its user is not disabled (its last use is noted)."""
    record = db.session().scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or record.user.disabled_at is not None:
        return None
    record.last_used_at = utcnow()
    db.session().commit()
    return record


def user_for_token(token: str) -> User | None:
    record = token_record(token)
    return record.user if record is not None else None
