"""Errors: JSON `{"error": {"code", "message"}}` for the API, a plain page for readers."""
import logging

from flask import abort, current_app, jsonify, render_template, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from . import db

log = logging.getLogger(__name__)

# Machine codes for the HTTP errors Flask raises itself.
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    411: "length_required", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/oembed", "/beacon") \
        or request.accept_mimetypes.best == "application/json"


def _error_answer(status: int, code: str, title: str, message: str):
    """The contract's JSON error for API clients, a plain page for people."""
    if _wants_json():
        return json_error(status, code, message)
    return render_template("public/error.html", status=status, title=title, message=message), status


def _http_error(exc: HTTPException):
    if exc.code == 413:
        message = f"The upload is larger than the {current_app.config['MAX_UPLOAD_MB']} MB limit."
    else:
        message = exc.description or exc.name
    return _error_answer(exc.code, HTTP_CODES.get(exc.code, "http_error"), exc.name, message)


def _refuse_nul_characters():
    """%00 in a path or query string names nothing we store, and PostgreSQL refuses NUL outright."""
    if "\x00" in request.path:
        abort(404)
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        abort(400, "The query string contains a NUL character.")


def _unstorable(exc: DataError):
    """The database refused a value (NUL, out of range) that validation let through: the request's fault."""
    db.session().rollback()
    log.warning("database refused a value on %s: %s", request.path, exc.orig)
    return _error_answer(400, "invalid_input", "Bad request", "A value in the request cannot be stored.")


def _unexpected(exc: Exception):
    log.exception("unhandled error on %s", request.path)
    return _error_answer(500, "internal_error", "Server error",
                         "Something went wrong on our side; the error has been logged.")


def init_app(app):
    app.register_error_handler(ApiError, lambda exc: json_error(exc.status, exc.code, exc.message))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DataError, _unstorable)
    app.register_error_handler(Exception, _unexpected)
    app.before_request(_refuse_nul_characters)
