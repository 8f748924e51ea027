"""A real S3-protocol server for tests: moto's server mode (`moto_server`) as a subprocess.

What moto 5.2 enforces (checked by tests/test_objectstore.py):
* an unsigned GET/HEAD of an object is refused (403) unless a bucket policy or the object's
  ACL allows anonymous reads -- so "private unless published" is tested for real;
* a bucket policy granting s3:GetObject to "*" on a prefix makes those objects readable.
What it does NOT enforce: signatures are not verified (any request with an Authorization
header or "Signature=" in the query is accepted, expired or forged), and anonymous bucket
listing and PUT are allowed. Tests must not rely on those being refused.
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from . import needs

BIN = Path(sys.executable).parent
ACCESS_KEY = "videodesk-test"
SECRET_KEY = "videodesk-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def s3_server(log_path=None, timeout=30.0):
    """Start moto_server on 127.0.0.1:<free port>; yield its endpoint URL; stop it afterwards."""
    needs.require("s3")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
           "AWS_DEFAULT_REGION": "us-east-1"}
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto_server exited with {proc.returncode}")
            try:
                # moto's own health endpoint; any answer means it is serving.
                requests.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not answer within {timeout} s") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if log_path:
            log.close()
