"""File digests read in 1 MiB chunks (sources can be gigabytes); no Flask, so every layer may use them."""
import hashlib


def file_digest(path, algorithm: str = "sha256", start: int = 0, length: int | None = None) -> str:
    """Hex digest of a file, or of `length` bytes from `start`, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    remaining = length
    with open(path, "rb") as source:
        source.seek(start)
        while remaining is None or remaining > 0:
            chunk = source.read(1024 * 1024 if remaining is None else min(1024 * 1024, remaining))
            if not chunk:
                break
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    return digest.hexdigest()


def sha256_of(path) -> str:
    return file_digest(path)
