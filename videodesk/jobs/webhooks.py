"""Sending webhook deliveries: one signed POST per attempt, held to the same address policy as URL
imports (ingest/netguard.py, checked on every connection this thread makes, so DNS answers that
change after registration are caught) and to a hard time limit, so a slow receiver cannot hold a
worker. Redirects are not followed: a 3xx is a failed attempt."""
import http.client
import socket
import threading
import time
from urllib.parse import urlsplit

from videodesk.core.settings import current_settings
from videodesk.ingest import netguard
from videodesk.newsroom import webhooks

USER_AGENT = "videodesk-webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024  # read (and dropped) so the receiver sees a clean close


def _cut_off(connection: http.client.HTTPConnection):
    """The time limit: shut the socket down under a blocked read or write (from the timer's thread)."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def post(url: str, body: bytes, headers: dict, *, allow_private: bool, timeout: float) -> tuple[int | None, str | None]:
    """(status code, None) when the receiver answered, (None, reason) when it could not be reached in time."""
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    timer = threading.Timer(timeout, _cut_off, args=(connection,))
    timer.daemon = True
    try:
        with netguard.guarded(allow_private, deadline=started + timeout):
            timer.start()
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(MAX_RESPONSE_BYTES)
            return response.status, None
    except netguard.BlockedAddress as exc:
        return None, str(exc)
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() - started >= timeout:
            return None, f"no answer within {timeout:g} s"
        return None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        timer.cancel()
        connection.close()


def deliver(delivery_id: str) -> float | None:
    """One attempt at a due delivery; returns the delay before the next attempt, or None when there is none."""
    delivery = webhooks.claim(delivery_id)
    if delivery is None:
        return None
    settings = current_settings()
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-Videodesk-Event": delivery.event, "X-Videodesk-Delivery": delivery.id,
               "X-Videodesk-Signature": webhooks.sign(delivery.webhook.secret, body)}
    started = time.monotonic()
    status_code, error = post(delivery.webhook.url, body, headers, allow_private=settings.import_allow_private,
                              timeout=settings.webhook_timeout_s)
    return webhooks.record_attempt(delivery, status_code=status_code, error=error,
                                   duration_ms=round((time.monotonic() - started) * 1000),
                                   backoff_s=settings.webhook_backoff_s)
