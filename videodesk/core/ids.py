"""Random public identifiers: media URLs of private videos must not be guessable."""
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def random_id(length: int = 20) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def is_random_id(value) -> bool:
    """Whether a value could be one of our ids, checked before it reaches a query."""
    return isinstance(value, str) and 0 < len(value) <= 32 and all(c in _ALPHABET for c in value)


def file_token() -> str:
    """For file names that change with their content: unguessable (16 of 36 characters, 82 bits), so
    an earlier version kept for the newsroom (a caption before a redaction, a poster before a trim)
    cannot be found by its name."""
    return random_id(16)
