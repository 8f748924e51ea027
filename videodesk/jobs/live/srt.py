"""An SRT listener on Debian's libsrt (the library ffmpeg's SRT protocol uses), through ctypes.

ffmpeg's own SRT listener takes any caller; a newsroom needs the stream key checked before the
connection is accepted. libsrt's listen callback sees the caller's `streamid` during the handshake
and may reject it, so a wrong or reset key is refused at connect (the caller's ffmpeg reports
"connection rejected") and nothing is read from it. An accepted connection's bytes (MPEG-TS, as
encoders send over SRT) are handed to a callback; the packager's ffmpeg reads them on its stdin."""
import ctypes
import ctypes.util
import logging
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

LIBRARY_NAMES = ("srt-gnutls", "srt-openssl", "srt")
SRTO_STREAMID = 46
SRT_REJX_FORBIDDEN = 1403
SRT_ERROR = -1
MAX_PACKET = 1500
STREAMID_MAX = 512

_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                             ctypes.c_char_p)


class SrtUnavailable(RuntimeError):
    pass


def _library():
    for name in LIBRARY_NAMES:
        path = ctypes.util.find_library(name)
        if path:
            lib = ctypes.CDLL(path)
            break
    else:
        for candidate in ("libsrt-gnutls.so.1.5", "libsrt-openssl.so.1.5", "libsrt.so.1.5"):
            try:
                lib = ctypes.CDLL(candidate)
                break
            except OSError:
                continue
        else:
            raise SrtUnavailable("libsrt is not installed (Debian: libsrt1.5-gnutls, which ffmpeg depends on).")
    lib.srt_getlasterror_str.restype = ctypes.c_char_p
    lib.srt_listen_callback.argtypes = [ctypes.c_int, _CALLBACK, ctypes.c_void_p]
    lib.srt_bind.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    lib.srt_accept.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    lib.srt_recvmsg.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.srt_getsockflag.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    lib.srt_startup()
    return lib


def _sockaddr(host: str, port: int) -> bytes:
    """A struct sockaddr_in / sockaddr_in6 for bind()."""
    family, _type, _proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    if family == socket.AF_INET6:
        return (family.to_bytes(2, "little") + port.to_bytes(2, "big") + bytes(4)
                + socket.inet_pton(socket.AF_INET6, address[0]) + bytes(4))
    return family.to_bytes(2, "little") + port.to_bytes(2, "big") + socket.inet_aton(address[0]) + bytes(8)


class SrtListener:
    """Listens on host:port. `admit(streamid)` decides at the handshake (a token, or None to refuse);
    `connected(token, receive)` then runs in a thread of its own, where `receive()` returns the next
    packet's bytes, or b"" once the caller has gone."""

    def __init__(self, host: str, port: int, admit: Callable[[str], object],
                 connected: Callable[[object, Callable[[], bytes]], None]):
        self.lib = _library()
        self.admit, self.connected = admit, connected
        self.admitted: dict[int, object] = {}
        self.lock = threading.Lock()
        self.sock = self.lib.srt_create_socket()
        address = _sockaddr(host, port)
        if self.lib.srt_bind(self.sock, address, len(address)) == SRT_ERROR:
            raise OSError(f"SRT cannot listen on {host}:{port}: {self._error()}")
        self._hook = _CALLBACK(self._on_handshake)  # kept: libsrt holds only the pointer
        self.lib.srt_listen_callback(self.sock, self._hook, None)
        if self.lib.srt_listen(self.sock, 16) == SRT_ERROR:
            raise OSError(f"SRT cannot listen on {host}:{port}: {self._error()}")
        self.open = True

    def _error(self) -> str:
        return (self.lib.srt_getlasterror_str() or b"").decode(errors="replace")

    def _on_handshake(self, _opaque, new_socket, _version, _peer, streamid) -> int:
        try:
            token = self.admit((streamid or b"").decode("utf-8", errors="replace"))
        except Exception:
            log.exception("SRT: checking a stream id failed")
            token = None
        if token is None:
            self.lib.srt_setrejectreason(new_socket, SRT_REJX_FORBIDDEN)
            return -1
        with self.lock:
            self.admitted[new_socket] = token
        return 0

    def serve_forever(self):
        while self.open:
            peer, size = ctypes.create_string_buffer(128), ctypes.c_int(128)
            conn = self.lib.srt_accept(self.sock, peer, ctypes.byref(size))
            if conn == SRT_ERROR:
                if self.open:
                    log.warning("SRT accept failed: %s", self._error())
                continue
            with self.lock:
                token = self.admitted.pop(conn, None)
            if token is None:
                self.lib.srt_close(conn)
                continue
            threading.Thread(target=self._run, args=(conn, token), daemon=True, name=f"srt-{conn}").start()

    def _run(self, conn: int, token):
        buffer = ctypes.create_string_buffer(MAX_PACKET)

        def receive() -> bytes:
            size = self.lib.srt_recvmsg(conn, buffer, MAX_PACKET)
            return buffer.raw[:size] if size > 0 else b""

        try:
            self.connected(token, receive)
        finally:
            self.lib.srt_close(conn)

    def close(self):
        self.open = False
        self.lib.srt_close(self.sock)
