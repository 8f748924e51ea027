"""VIDEODESK_REDIS_URL: a real redis-server on loopback, two worker processes sharing the jobs."""
import shutil
import subprocess

import pytest
import redis
import requests

from .helpers import post_video, video_state
from .servers import Instance, free_port, wait_until


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing; `make test` installs it")
    port = free_port()
    server = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    wait_until(lambda: _pings(client), timeout=10, what="redis-server")
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def _pings(client):
    try:
        return client.ping()
    except Exception:
        return False



def test_two_workers_share_jobs_through_redis(tmp_path, redis_url, clips):
    site = Instance(tmp_path / "data", VIDEODESK_REDIS_URL=redis_url, VIDEODESK_WORKERS="1")
    site.flask("db-upgrade")
    token = site.flask("create-token", "--role", "producer", "--name", "p").stdout.strip().splitlines()[-1]
    site.headers = {"producer": {"Authorization": f"Bearer {token}"}}
    site.start_web()
    try:
        site.start_worker()
        site.start_worker()
        ids = [post_video(site, clips["clip"]).json()["id"] for _ in range(6)]
        videos = [wait_until(lambda i=i: (v := video_state(site, i))["status"] == "ready" and v, timeout=120,
                             what=f"video {i}") for i in ids]
        assert len({v["processed_by"] for v in videos}) == 2, site.log_text()
        assert not (site.data_dir / "queue.db").exists()  # the SQLite queue was not used
        assert requests.get(site.base + "/healthz", timeout=5).ok
    finally:
        site.stop()
