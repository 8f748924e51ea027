"""The one place errors become HTTP: domain errors and HTTP errors answer API clients with the
contract's JSON `{"error": {"code", "message"}}` and people with a plain page (or, for the
studio without a session, the sign-in page)."""
import errno
import logging

from flask import abort, current_app, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from videodesk.core import db
from videodesk.core import errors as domain
from videodesk.web.requests import describe_limit

log = logging.getLogger(__name__)

# Codes only HTTP has words for (Flask's own errors, protocol headers, formats), the first of each
# status being the one Flask's errors of that status get; every other code is declared by its domain
# error class (videodesk/core/errors.py).
HTTP_ONLY_CODES = {
    "bad_request": 400, "invalid_input": 400, "method_not_allowed": 405, "length_required": 411,
    "unsupported_version": 412, "unsupported_media_type": 415, "internal_error": 500, "unsupported_format": 501,
}
# Every machine-readable error code and the one HTTP status it comes with (the OpenAPI document's table).
ERROR_STATUS = {**{code: kind.status for kind in domain.kinds() for code in kind.codes}, **HTTP_ONLY_CODES}
# The code of an HTTP error Flask raises itself, by status.
HTTP_CODES = {}
for _code, _status in [*HTTP_ONLY_CODES.items(), *((kind.codes[0], kind.status) for kind in domain.kinds())]:
    HTTP_CODES.setdefault(_status, _code)


class ApiError(Exception):
    """An answer that only HTTP has words for (a protocol header, a format), raised by web code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = HTTP_ONLY_CODES[code], code, message


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
    return _error_answer(exc.status, exc.code, HTTP_STATUS_CODES[exc.status], exc.message)


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


def _database_unreachable(exc: Exception):
    """The database went away (restart, failover, full disk): a 503 the client may retry, never a traceback.
    The pool's pre-ping reconnects by itself once it is back."""
    try:
        db.session().rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown anyway
        pass
    log.warning("database unavailable on %s: %s", request.path, str(exc).splitlines()[0][:200])
    return _domain_error(domain.Unavailable("The database is not answering; try again in a moment."))


def _os_error(exc: OSError):
    """A full disk while receiving a body (the multipart parser writes to tmp/) is the server's 507, not a crash."""
    if exc.errno == errno.ENOSPC:
        log.error("disk full on %s: %s", request.path, exc)
        return _domain_error(domain.InsufficientStorage(
            "The server ran out of disk space while receiving the upload; try again later."))
    return _unexpected(exc)


def _unexpected(exc: Exception):
    log.exception("unhandled error on %s", request.path)
    return _error_answer(500, "internal_error", "Server error",
                         "Something went wrong on our side; the error has been logged.")


def init_app(app):
    app.register_error_handler(ApiError, lambda exc: json_error(exc.status, exc.code, exc.message))
    app.register_error_handler(domain.DomainError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DataError, _unstorable)
    for unreachable in (OperationalError, InterfaceError, DisconnectionError):
        app.register_error_handler(unreachable, _database_unreachable)
    app.register_error_handler(OSError, _os_error)
    app.register_error_handler(Exception, _unexpected)
    app.before_request(_refuse_nul_characters)
