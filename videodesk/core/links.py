"""What of a URL may be shown to people who must not hold its secrets: a URL's user name,
password, path and query can be credentials (a chat webhook's path is its key, an import link
may carry `user:password@` or a `?token=`)."""
from urllib.parse import urlsplit


def origin(url: str) -> str:
    """`scheme://host[:port]`, nothing else: enough to tell receivers apart in the audit log."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")
