"""Findings of the security review against a real gunicorn (docs/SECURITY.md): a 50 MB beacon is
refused without being read, and sixteen parallel sign-in guesses get at most five password checks."""
import contextlib
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from videodesk.auth import logins
from videodesk.auth.passwords import hash_password
from videodesk.core import db
from videodesk.core.models import LoginAttempt, User

from .helpers import make_app
from .servers import Instance

pytestmark = pytest.mark.server

PASSWORD = "the right passphrase"


def site_app(site):
    """An in-process app on the instance's data folder and database (faster than the CLI)."""
    return make_app(site.data_dir)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("security"))
    with site_app(instance).app_context():
        db.session().add(User(name="eddie", role="editor", password_hash=hash_password(PASSWORD)))
        db.session().commit()
    instance.start_web()
    yield instance
    instance.stop()


def _workers_rss_kb(site) -> int:
    pid = site.web.pid
    children = open(f"/proc/{pid}/task/{pid}/children").read().split()
    total = 0
    for child in children:
        status = open(f"/proc/{child}/status").read()
        total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
    return total


def test_a_50_mb_beacon_is_refused_without_being_read(site):
    size = 50 * 1024 * 1024
    before = _workers_rss_kb(site)
    sent = [0]
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(f"POST /beacon HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     f"Content-Length: {size}\r\n\r\n".encode())

        def send_body():
            chunk = b"0" * 65536
            try:
                while sent[0] < size:
                    sock.sendall(chunk)
                    sent[0] += len(chunk)
            except OSError:
                pass  # the test closed the connection after the answer

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        started = time.monotonic()
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            answer += sock.recv(65536)
        sent_when_answered = sent[0]
        elapsed = time.monotonic() - started
        with contextlib.suppress(OSError):  # the server may have closed its side already
            sock.shutdown(socket.SHUT_RDWR)
    sender.join(timeout=10)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer
    assert json.loads(body)["error"]["code"] == "too_large"
    assert sent_when_answered < size and elapsed < 5
    assert _workers_rss_kb(site) - before < 20 * 1024  # no 50 MB were buffered
    assert requests.get(site.base + "/healthz", timeout=5).json() == {"ok": True}


def _guess(site, password, barrier=None):
    browser = requests.Session()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(site.base + "/studio/login", timeout=10).text)
    if barrier is not None:
        barrier.wait(timeout=30)
    return browser.post(site.base + "/studio/login", data={"name": "eddie", "password": password,
                                                           "csrf_token": csrf.group(1)},
                        allow_redirects=False, timeout=60).status_code


def test_parallel_wrong_passwords_get_at_most_five_checks(site):
    barrier = threading.Barrier(16)
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: _guess(site, "wrong guess", barrier), range(16)))
    assert 500 not in statuses, site.log_text()
    assert sorted(set(statuses)) == [401, 429] and statuses.count(401) <= 5, statuses
    checked = (site.logs / "web.log").read_text().count("sign-in failed after a password check")
    assert 1 <= checked <= 5, site.log_text()
    with site_app(site).app_context():
        # Every attempt that reached the counter was counted (none lost to a race, no 500); attempts that
        # arrived once the name was locked are refused before counting, so the total depends on timing.
        assert checked <= db.session().get(LoginAttempt, "name:eddie").failures <= 16
        assert db.session().get(LoginAttempt, "name:eddie").failures >= logins.MAX_FAILURES
    assert _guess(site, PASSWORD) == 429  # locked, even with the right password
