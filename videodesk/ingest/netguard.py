"""Keeping URL imports on the public internet (no SSRF into the newsroom's own network).

`check_url` refuses a URL up front: wrong scheme, unresolvable host, or an address that is
loopback, private, link-local, multicast or reserved (also when it is embedded in an IPv6 form:
IPv4-mapped/-compatible, NAT64, 6to4, Teredo). `guarded` then checks every connection the
importing thread actually makes, so redirects and DNS answers that change later (rebinding)
are held to the same rule, and it can hold those connections to a wall-clock deadline.

Importing this module changes nothing: `socket.socket.connect` is wrapped only while at least
one thread is inside `guarded(...)` (reference counted), and the wrapper is a pass-through for
every thread that is not inside `guarded`."""
import contextlib
import ipaddress
import socket
import threading
import time
from urllib.parse import urlsplit

_local = threading.local()
_install_lock = threading.Lock()
_installed = 0
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local-use translation, never public
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # ::a.b.c.d, also :: and ::1
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT ::ffff:0:a.b.c.d


class BlockedAddress(OSError):
    """Raised instead of connecting to an address the policy refuses."""


class DeadlinePassed(TimeoutError):
    """Raised instead of connecting once the guarded block's deadline has passed (it reads 'timed out')."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (the traffic may end up there)."""
    found = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip in _IPV4_TRANSLATED or ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)  # (server, client)
    return found


def _parse(address) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(str(address).split("%", 1)[0])


def is_public(address: str, also_public=()) -> bool:
    """True when `address` is a globally reachable unicast address (and so is any IPv4 address it
    embeds). `also_public` lists extra addresses to treat as public: a test hook, e.g. to play a
    "public site" on 127.0.0.2 while 127.0.0.1 stays the "internal" network."""
    ip = _parse(address)
    if also_public and ip in {_parse(a) for a in also_public}:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL or ip in _IPV4_COMPATIBLE:  # ::a.b.c.d is deprecated (RFC 4291): never public
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(is_public(str(v4), also_public) for v4 in embedded)
    # is_global excludes private, loopback, link-local, shared (CGNAT), reserved and documentation ranges.
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool, also_public=()) -> str:
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
    if not allow_private and not all(is_public(a, also_public) for a in addresses):
        return f"'{parts.hostname}' points to a private or local address; only public sites can be imported."
    return ""


def _check(sock, address):
    policy = getattr(_local, "policy", None)
    if policy is None:  # this thread is not inside guarded(): not our business
        return
    allow_private, also_public, deadline = policy
    if deadline is not None and time.monotonic() > deadline:
        raise DeadlinePassed("import timed out: the time limit for the download has passed")
    if allow_private or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    if not is_public(address[0], also_public):
        raise BlockedAddress(f"connection to {address[0]} refused: not a public address")


def _connect(self, address):
    _check(self, address)
    return _original_connect(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _original_connect_ex(self, address)


def _install():
    global _installed
    with _install_lock:
        if _installed == 0:
            socket.socket.connect = _connect
            socket.socket.connect_ex = _connect_ex
        _installed += 1


def _uninstall():
    global _installed
    with _install_lock:
        _installed -= 1
        if _installed == 0:
            socket.socket.connect = _original_connect
            socket.socket.connect_ex = _original_connect_ex


def installed() -> bool:
    """Whether socket.connect is wrapped right now (only while some thread is inside guarded)."""
    return socket.socket.connect is _connect


@contextlib.contextmanager
def guarded(allow_private: bool, *, also_public=(), deadline: float | None = None):
    """Within the block, this thread's sockets may only connect to public addresses (unless
    `allow_private`), and not at all after `deadline` (a time.monotonic() value)."""
    previous = getattr(_local, "policy", None)
    _local.policy = (allow_private, frozenset(also_public), deadline)
    _install()
    try:
        yield
    finally:
        _uninstall()
        _local.policy = previous
