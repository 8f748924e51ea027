"""Keeping URL imports on the public internet (no SSRF into the newsroom's own network).

`check_url` refuses a URL up front: wrong scheme, unresolvable host, or an address that is
loopback, private, link-local, multicast or reserved. `guarded` then checks every connection the
importing thread actually makes, so redirects and DNS answers that change later (rebinding)
are held to the same rule."""
import contextlib
import ipaddress
import socket
import threading
from urllib.parse import urlsplit

_local = threading.local()
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class BlockedAddress(OSError):
    """Raised instead of connecting to an address the policy refuses."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global excludes private, loopback, link-local, shared (CGNAT), reserved and documentation ranges.
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool) -> str:
    """Return a reason the URL may not be imported, or '' when it may."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return "The link is not a valid URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Only http:// and https:// links can be imported."
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, ValueError, UnicodeError):
        return f"The host '{parts.hostname}' could not be found."
    if not allow_private and not all(is_public(a) for a in addresses):
        return f"'{parts.hostname}' points to a private or local address; only public sites can be imported."
    return ""


def _check(sock, address):
    if getattr(_local, "allow_private", True) or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    if not is_public(address[0]):
        raise BlockedAddress(f"connection to {address[0]} refused: not a public address")


def _connect(self, address):
    _check(self, address)
    return _original_connect(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _original_connect_ex(self, address)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex


@contextlib.contextmanager
def guarded(allow_private: bool):
    """Within the block, this thread's sockets may only reach public addresses (unless allowed)."""
    _local.allow_private = allow_private
    try:
        yield
    finally:
        _local.allow_private = True
