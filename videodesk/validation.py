"""Small checks for JSON request bodies, each failing with a 400 that names the field."""
from flask import request

from .errors import ApiError


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
    if required and not value:
        raise ApiError(400, "missing_field", f"'{name}' must not be empty.")
    if len(value) > max_length:
        raise ApiError(400, "invalid_field", f"'{name}' is longer than {max_length} characters.")
    return value
