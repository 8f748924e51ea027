"""How request bodies are read: multipart files stream to disk, JSON bodies must be objects."""
import tempfile

from flask import Request, request

from videodesk.core import storage
from videodesk.core.errors import Invalid


class StreamingRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return tempfile.NamedTemporaryFile("wb+", dir=storage.tmp_dir(), prefix="part-")


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(code="invalid_json", message="The request body must be a JSON object.")
    return data
