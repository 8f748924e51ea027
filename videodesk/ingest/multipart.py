"""Multipart uploads stream straight into the data folder's tmp/ (see web/requests.py), so memory
stays flat and the final move into place is a link on the same disk."""
import os


def keep_upload(file_storage, destination) -> int:
    """Give the streamed temp file its final name; return its size in bytes."""
    stream = file_storage.stream
    stream.flush()
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.link(stream.name, destination)
    return destination.stat().st_size
