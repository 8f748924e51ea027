"""How request bodies are read: each route's body limit, checked before a byte is read;
multipart files stream to disk; JSON bodies must be objects.

Every view has a body limit: the one it declares with `@body_limit(...)`, else its blueprint's,
else DEFAULT. `before_request` rejects a declared `Content-Length` over the limit with 413 at
once, and the request's `max_content_length` bounds a chunked body as it is read, so nobody can make
a route read (or spool to disk) more than it needs. Only the upload routes get the upload limit."""
import tempfile

from flask import Request, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from videodesk.core import storage
from videodesk.core.errors import Invalid
from videodesk.core.settings import current_settings

KB, MB = 1024, 1024 * 1024
BEACON = 4 * KB  # a playback beacon (the player keeps each under 2 KB)
SIGN_IN = 16 * KB  # the anonymous sign-in form
DEFAULT = 256 * KB  # JSON requests, and routes that read no body at all
STORY_JSON = 1 * MB  # story JSON: a body may have 200,000 characters
FORM = 4 * MB  # studio forms (a story body percent-encoded)
CAPTIONS = 4 * MB  # a caption file, or its cues as JSON
UPLOAD = None  # the upload limit (VIDEODESK_MAX_UPLOAD_MB): multipart and tus video uploads only


def body_limit(size: int | None, *, multipart: int | None | bool = False):
    """Mark a view or a blueprint with the largest body it reads (UPLOAD: the upload limit);
    `multipart` gives multipart/form-data bodies another limit (a video route that also takes JSON)."""

    def mark(view_or_blueprint):
        view_or_blueprint.body_limit = (size, size if multipart is False else multipart)
        return view_or_blueprint

    return mark


def limit_of_request() -> int:
    """The body limit of the matched view (or its blueprint) for this request's content type."""
    app = current_app
    marked = getattr(app.view_functions.get(request.endpoint), "body_limit", None)
    if marked is None and request.blueprint:
        marked = getattr(app.blueprints.get(request.blueprint), "body_limit", None)
    size, multipart = marked or (DEFAULT, DEFAULT)
    size = multipart if request.mimetype == "multipart/form-data" else size
    return current_settings().max_content_length if size is UPLOAD else size


def describe_limit(limit: int) -> str:
    """The limit in words for the 413 message."""
    settings = current_settings()
    if limit == settings.max_content_length:
        return f"{settings.max_upload_mb} MB upload limit"
    return f"{limit // MB} MB limit" if limit >= MB else f"{limit // KB} KB limit"


class _BoundedInput:
    """A chunked body that answers 413 once it passes the limit. (Werkzeug alone would stop reading
    at the limit and hand the view a silently cut body.)"""

    def __init__(self, stream, limit: int):
        self.stream, self.left = stream, limit

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.left -= len(data)
        if self.left < 0:
            raise RequestEntityTooLarge()
        return data


def _enforce_body_limit():
    limit = limit_of_request()
    request.max_form_memory_size = min(limit, FORM)  # multipart text fields are held in memory
    if request.content_length is not None:
        request.max_content_length = limit
        if request.content_length > limit:
            raise RequestEntityTooLarge()
    else:  # chunked: let one byte past the limit through to tell "too large" from "exactly the limit"
        request.max_content_length = limit + 1
        request.environ["wsgi.input"] = _BoundedInput(request.environ["wsgi.input"], limit)


class StreamingRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return tempfile.NamedTemporaryFile("wb+", dir=storage.tmp_dir(), prefix="part-")


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(code="invalid_json", message="The request body must be a JSON object.")
    return data


def init_app(app):
    app.request_class = StreamingRequest
    app.before_request(_enforce_body_limit)
