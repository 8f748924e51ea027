"""What of a URL may be shown to people who must not hold its secrets: a URL's user name,
password, path and query can be credentials (a chat webhook's path is its key, an import link
may carry `user:password@` or a `?token=`)."""
from urllib.parse import urlsplit, urlunsplit


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


def has_credentials(url: str) -> bool:
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None


def public_link(url: str | None, *, keep_query: bool = False) -> str | None:
    """A link fit to print on a public page: http(s) only, never a user name or password, no
    fragment, and no query string unless it is kept on purpose (it often carries a token)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unclosed [IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    netloc = origin(url).split("://", 1)[1]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query if keep_query else "", ""))
