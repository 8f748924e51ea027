"""Random public identifiers: media URLs of private videos must not be guessable."""
import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits


def random_id(length: int = 20) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
