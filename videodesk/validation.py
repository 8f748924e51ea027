"""Small checks for JSON request bodies, each failing with a 400 that names the field."""
from flask import request

from .errors import ApiError
from .text import is_storable


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return data


def text_field(data: dict, name: str, *, required=False, max_length=300, default=None):
    value = data.get(name, default)
    if value is None:
        if required:
            raise ApiError(400, "missing_field", f"'{name}' is required.")
        return default
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"'{name}' must be a string.")
    value = value.strip()
    if not is_storable(value):
        raise ApiError(400, "invalid_field", f"'{name}' contains characters that are not text (NUL or lone surrogates).")
    if required and not value:
        raise ApiError(400, "missing_field", f"'{name}' must not be empty.")
    if len(value) > max_length:
        raise ApiError(400, "invalid_field", f"'{name}' is longer than {max_length} characters.")
    return value


def choice_field(data: dict, name: str, choices) -> str:
    """One of a fixed set of strings; anything else (a list, a number, a typo) names the valid ones."""
    value = data.get(name)
    if not isinstance(value, str) or value not in choices:
        raise ApiError(400, "invalid_field", f"'{name}' must be one of: {', '.join(choices)}.")
    return value

