"""Multipart uploads stream straight into the data folder, so memory stays flat and the
final move into place is a rename on the same disk."""
import os
import tempfile

from flask import Request, current_app


class StreamingRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return tempfile.NamedTemporaryFile("wb+", dir=current_app.config["DATA_DIR"] / "tmp", prefix="part-")


def keep_upload(file_storage, destination) -> int:
    """Give the streamed temp file (see StreamingRequest) its final name; return its size in bytes."""
    stream = file_storage.stream
    stream.flush()
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.link(stream.name, destination)
    return destination.stat().st_size
