"""Domain errors: what the newsroom refuses and why, in words a person can act on.

Lower layers raise these; only the web layer turns them into HTTP. Each kind declares the HTTP
`status` it answers with and every machine-readable `codes` it may carry (its default first): the
one table from which videodesk/web/errors.py and the OpenAPI document derive theirs."""


class DomainError(Exception):
    """`code` is the machine-readable reason (the contract's error code), `message` the sentence.
    A code the kind does not declare is a programming error, refused at once."""

    status: int
    codes: tuple[str, ...] = ()

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code and code not in self.codes:
            raise ValueError(f"{type(self).__name__} does not declare the error code {code!r}")
        self.code = code or self.codes[0]


def kinds() -> list[type[DomainError]]:
    """Every kind of domain error, each with its status and codes."""
    found, queue = [], [DomainError]
    while queue:
        for kind in queue.pop(0).__subclasses__():
            found.append(kind)
            queue.append(kind)
    return found


class Invalid(DomainError):
    """The input breaks a rule (a field, a file, a range)."""

    status = 400
    codes = ("invalid_field", "missing_field", "invalid_json", "missing_file", "empty_file", "invalid_captions",
             "invalid_metadata", "missing_length", "url_not_allowed", "invalid_beacon", "invalid_audio")


class Unauthorized(DomainError):
    """No valid credentials were presented."""

    status = 401
    codes = ("unauthorized",)


class Forbidden(DomainError):
    """Credentials are valid but the role or owner does not allow this."""

    status = 403
    codes = ("forbidden",)


class NotFound(DomainError):
    """Nothing by that name, or nothing this user may see (the two are not told apart)."""

    status = 404
    codes = ("not_found",)


class Conflict(DomainError):
    """The thing exists but is not in a state that allows this now."""

    status = 409
    codes = ("conflict", "not_ready", "no_audio", "no_logo", "busy", "incomplete_upload", "offset_mismatch",
             "not_trimmed")


class Gone(DomainError):
    status = 410
    codes = ("expired",)


class TooLarge(DomainError):
    status = 413
    codes = ("too_large", "quota_exceeded")


class Locked(DomainError):
    status = 423
    codes = ("locked",)


class RateLimited(DomainError):
    status = 429
    codes = ("rate_limited",)


class Unavailable(DomainError):
    """A service we depend on (database, object store) is not answering; retrying later may work."""

    status = 503
    codes = ("unavailable",)


class InsufficientStorage(DomainError):
    """The disk holding the data folder is full; nothing half-written was kept, retrying later may work."""

    status = 507
    codes = ("insufficient_storage",)
