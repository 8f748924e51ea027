"""Domain errors: what the newsroom refuses and why, in words a person can act on.

Lower layers raise these; only the web layer turns them into HTTP (videodesk/web/errors.py maps
each class to a status), so the same rule gives an API client a JSON error and an editor a
form message."""


class DomainError(Exception):
    """`code` is the machine-readable reason (the contract's error code), `message` the sentence."""

    code = "invalid"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class Invalid(DomainError):
    """The input breaks a rule (a field, a file, a range)."""

    code = "invalid_field"


class NotFound(DomainError):
    """Nothing by that name, or nothing this user may see (the two are not told apart)."""

    code = "not_found"


class Conflict(DomainError):
    """The thing exists but is not in a state that allows this now."""

    code = "conflict"


class Gone(DomainError):
    code = "expired"


class TooLarge(DomainError):
    code = "too_large"


class RateLimited(DomainError):
    code = "rate_limited"


class Locked(DomainError):
    code = "locked"


class Unauthorized(DomainError):
    """No valid credentials were presented."""

    code = "unauthorized"


class Forbidden(DomainError):
    """Credentials are valid but the role or owner does not allow this."""

    code = "forbidden"


class Unavailable(DomainError):
    """A service we depend on (database, object store) is not answering; retrying later may work."""

    code = "unavailable"


class InsufficientStorage(DomainError):
    """The disk holding the data folder is full; nothing half-written was kept, retrying later may work."""

    code = "insufficient_storage"
