"""VIDEODESK_REDIS_URL: a real redis-server on loopback, two worker processes sharing the jobs."""
import pytest
import requests

from .helpers import post_video
from .servers import Instance, wait_for_video

pytestmark = [pytest.mark.redis, pytest.mark.server]


def test_two_workers_share_jobs_through_redis(tmp_path, redis_url, clips):
    site = Instance(tmp_path / "data", VIDEODESK_REDIS_URL=redis_url, VIDEODESK_WORKERS="1")
    site.flask("db-upgrade")
    token = site.create_token("producer", "p")
    site.headers = {"producer": {"Authorization": f"Bearer {token}"}}
    site.start_web()
    try:
        site.start_worker()
        site.start_worker()
        ids = [post_video(site, clips["clip"]).json()["id"] for _ in range(6)]
        videos = [wait_for_video(site.base, site.headers["producer"], i) for i in ids]
        assert [v["status"] for v in videos] == ["ready"] * 6, videos
        assert len({v["processed_by"] for v in videos}) == 2, site.log_text()
        assert not (site.data_dir / "queue.db").exists()  # the SQLite queue was not used
        assert requests.get(site.base + "/healthz", timeout=5).ok
    finally:
        site.stop()
