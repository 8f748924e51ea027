"""Random public identifiers: media URLs of private videos must not be guessable."""
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def random_id(length: int = 20) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def is_random_id(value) -> bool:
    """Whether a value could be one of our ids, checked before it reaches a query."""
    return isinstance(value, str) and 0 < len(value) <= 32 and all(c in _ALPHABET for c in value)


def short_token() -> str:
    """For versioned file names that must change when the content does."""
    return random_id(8)
