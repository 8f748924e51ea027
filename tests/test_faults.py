"""Faults a newsroom server meets: a full disk, Redis or PostgreSQL restarting, a web worker killed
mid-request; and backups restored elsewhere. Real gunicorn, workers, Redis and PostgreSQL."""
import os
import shutil
import signal
import sqlite3
import subprocess
import time

import pytest
import redis
import requests

from . import media
from .helpers import post_video, video_state
from .servers import Instance, free_port, wait_until

TUS = {"Tus-Resumable": "1.0.0"}


def new_site(data_dir, **env) -> Instance:
    site = Instance(data_dir, VIDEODESK_JOB_LEASE_S="3", **env)
    site.flask("db-upgrade")
    producer = site.flask("create-token", "--role", "producer", "--name", "pat").stdout.strip().splitlines()[-1]
    editor = site.flask("create-token", "--role", "editor", "--name", "eddie").stdout.strip().splitlines()[-1]
    site.headers = {"producer": {"Authorization": f"Bearer {producer}"},
                    "editor": {"Authorization": f"Bearer {editor}"}}
    return site


def wait_for_status(site, video_id, timeout=90):
    def finished():
        video = video_state(site, video_id)
        if "status" not in video and video["error"]["code"] == "unavailable":
            return False  # the disk is full this instant (the API records token use): ask again
        assert "status" in video, (video, site.log_text())
        return video["status"] in ("ready", "failed") and video

    return wait_until(finished, timeout=timeout, what=f"video {video_id} to finish")


def publish(site, video_id, headline) -> str:
    story = requests.post(site.base + "/api/stories", headers=site.headers["editor"], timeout=10, json={
        "headline": headline, "body": "Boats stayed in port.", "video_id": video_id, "status": "published"})
    assert story.status_code == 201, story.text
    return story.json()["url"]


def healthy(site) -> bool:
    return requests.get(site.base + "/healthz", timeout=5).json() == {"ok": True}


def sqlite_is_intact(site) -> bool:
    with sqlite3.connect(site.data_dir / "videodesk.db") as connection:
        return connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# --- a full disk -----------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 40 MB tmpfs as the data folder, so filling it costs nothing."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def fill_leaving(folder, free_bytes: int):
    """Grow one filler file until only about `free_bytes` stay free on the folder's disk."""
    stats = os.statvfs(folder)
    with open(folder / "filler", "ab") as filler:
        filler.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - free_bytes))


def test_a_full_disk_fails_the_video_readably_and_keeps_everything_else(small_disk, tmp_path, clips):
    site = new_site(small_disk / "data", VIDEODESK_WORKERS="1")
    bigger = media.make_clip(tmp_path / "bigger.mp4", seconds=4, size="640x360")
    site.start_web()
    try:
        site.start_worker()
        first = wait_for_status(site, post_video(site, clips["clip"], captions=clips["srt"]).json()["id"])
        assert first["status"] == "ready", (first, site.log_text())
        first_mp4 = requests.get(site.base + first["mp4_url"], timeout=10).content

        # Room for the upload and the database's journal, not for the renditions.
        fill_leaving(small_disk, bigger.stat().st_size + 512 * 1024)
        second = post_video(site, bigger, captions=clips["srt"]).json()["id"]
        failed = wait_for_status(site, second)
        assert failed["status"] == "failed", site.log_text()
        assert "ran out of disk space" in failed["error"], failed["error"]
        media_dir = site.data_dir / "media" / second
        assert not [p.name for p in media_dir.rglob("*") if p.name.startswith(".tmp-")]  # nothing half-written
        for name in ("video.mp4", "hls/master.m3u8", "preview.mp4"):
            assert requests.get(f"{site.base}/media/{second}/{name}", headers=site.headers["producer"],
                                timeout=10).status_code == 404

        fill_leaving(small_disk, 64 * 1024)
        refused = post_video(site, clips["clip"])
        assert refused.status_code == 507, refused.text
        assert refused.json()["error"]["code"] == "insufficient_storage"
        assert "ran out of disk space" in refused.json()["error"]["message"]
        assert not list((site.data_dir / "tmp").iterdir())  # the streamed part is gone
        length = clips["clip"].stat().st_size
        created = requests.post(site.base + "/api/uploads", headers={
            **site.headers["producer"], **TUS, "Upload-Length": str(length)}, timeout=10)
        assert created.status_code == 201, created.text
        patch = requests.patch(created.headers["Location"] if created.headers["Location"].startswith("http")
                               else site.base + created.headers["Location"],
                               data=clips["clip"].read_bytes(), timeout=10, headers={
                                   **site.headers["producer"], **TUS, "Upload-Offset": "0",
                                   "Content-Type": "application/offset+octet-stream"})
        assert patch.status_code == 507 and patch.json()["error"]["code"] == "insufficient_storage", patch.text

        assert requests.get(site.base + first["mp4_url"], timeout=10).content == first_mp4
        assert video_state(site, first["id"])["status"] == "ready"
        assert healthy(site) and sqlite_is_intact(site)
        assert all(worker.poll() is None for worker in site.workers) and site.web.poll() is None
    finally:
        site.stop()
