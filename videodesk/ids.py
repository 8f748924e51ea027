"""Random public identifiers: media URLs of private videos must not be guessable."""
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def random_id(length: int = 20) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def short_token() -> str:
    """For versioned file names that must change when the content does."""
    return random_id(8)
