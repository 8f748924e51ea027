"""The one place errors become HTTP: domain errors and HTTP errors answer API clients with the
contract's JSON `{"error": {"code", "message"}}` and people with a plain page (or, for the
studio without a session, the sign-in page)."""
import logging

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from videodesk.core import db
from videodesk.core import errors as domain
from videodesk.web.requests import describe_limit

log = logging.getLogger(__name__)

# Machine codes for the HTTP errors Flask raises itself.
HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    411: "length_required", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
}


# HTTP status of each domain error.
STATUS = {
    domain.Invalid: 400, domain.Unauthorized: 401, domain.Forbidden: 403, domain.NotFound: 404,
    domain.Conflict: 409, domain.Gone: 410, domain.TooLarge: 413, domain.Locked: 423,
    domain.RateLimited: 429, domain.Unavailable: 503,
}


class ApiError(Exception):
    """An answer that only HTTP has words for (a protocol header, a format), raised by web code."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_errors(view_or_blueprint):
    """Mark a view or a blueprint whose errors are always JSON, whatever the client accepts."""
    view_or_blueprint.json_errors = True
    return view_or_blueprint


def json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _wants_json() -> bool:
    """Marked views and blueprints answer JSON, and so does any path under a marked blueprint's prefix
    (an unknown /api/... route matched no view but is still an API call)."""
    if getattr(current_app.view_functions.get(request.endpoint), "json_errors", False):
        return True
    for blueprint in current_app.blueprints.values():
        if getattr(blueprint, "json_errors", False) and (
                request.blueprint == blueprint.name
                or (blueprint.url_prefix and request.path.startswith(blueprint.url_prefix.rstrip("/") + "/"))):
            return True
    return request.accept_mimetypes.best == "application/json"


def _error_answer(status: int, code: str, title: str, message: str):
    """The contract's JSON error for API clients, a plain page for people."""
    if _wants_json():
        return json_error(status, code, message)
    return render_template("public/error.html", status=status, title=title, message=message), status


def _http_error(exc: HTTPException):
    if exc.code == 413:
        message = f"The request body is larger than this address's {describe_limit(request.max_content_length)}."
    else:
        message = exc.description or exc.name
    return _error_answer(exc.code, HTTP_CODES.get(exc.code, "http_error"), exc.name, message)


def _domain_error(exc: domain.DomainError):
    if isinstance(exc, domain.Unauthorized) and not _wants_json():
        return redirect(url_for("studio.login"))
    status = next(code for kind, code in STATUS.items() if isinstance(exc, kind))
    return _error_answer(status, exc.code, HTTP_STATUS_CODES[status], exc.message)


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


def _database_unavailable(exc: OperationalError):
    """The database did not answer (down, unreachable, locked past the busy timeout): the contract's
    503, like an object store outage, so clients know to retry rather than report a bug."""
    db.session().rollback()
    log.error("database unavailable on %s: %s", request.path, exc.orig)
    return _error_answer(503, "unavailable", "Service unavailable",
                         "The database did not answer. Try again shortly.")


def _unexpected(exc: Exception):
    log.exception("unhandled error on %s", request.path)
    return _error_answer(500, "internal_error", "Server error",
                         "Something went wrong on our side; the error has been logged.")


def init_app(app):
    app.register_error_handler(ApiError, lambda exc: json_error(exc.status, exc.code, exc.message))
    app.register_error_handler(domain.DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DataError, _unstorable)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)
    app.before_request(_refuse_nul_characters)
