"""Faults a newsroom server meets: a full disk, Redis or PostgreSQL restarting, a web worker killed
mid-request; and backups restored elsewhere. Real gunicorn, workers, Redis and PostgreSQL."""
import os
import shutil
import signal
import socket
import sqlite3
import subprocess

import pytest
import redis
import requests

from videodesk.app import create_app
from videodesk.auth.tokens import issue_token
from videodesk.core import db
from videodesk.core.models import User
from videodesk.jobs.priority import IOPRIO_CLASS_BEST_EFFORT, IOPRIO_LOWEST_LEVEL, io_priority

from . import media, needs
from .helpers import bearer, make_app, post_video, video_state
from .servers import Instance, free_port, wait_for_video, wait_until

TUS = {"Tus-Resumable": "1.0.0"}


def new_site(data_dir, database_url=None, **env) -> Instance:
    """An installation with a producer and an editor, set up in-process (a CLI start costs seconds)."""
    site = Instance(data_dir, VIDEODESK_JOB_LEASE_S="3", **({"DATABASE_URL": database_url} if database_url else {}),
                    **env)
    app = make_app(data_dir, **({"database_url": database_url} if database_url else {}))
    with app.app_context():
        session = db.session()
        users = {role: User(name=role, role=role) for role in ("producer", "editor")}
        session.add_all(users.values())
        site.headers = {role: bearer(issue_token(user)) for role, user in users.items()}
        session.commit()
    return site


def wait_for_status(site, video_id):
    def finished(video):
        if "status" not in video and video["error"]["code"] == "unavailable":
            return False  # the disk is full this instant (the API records token use): ask again
        assert "status" in video, (video, site.log_text())
        return video["status"] in ("ready", "failed")

    return wait_for_video(site.base, site.headers["producer"], video_id, done=finished)


def publish(site, video_id, headline) -> str:
    story = requests.post(site.base + "/api/stories", headers=site.headers["editor"], timeout=10, json={
        "headline": headline, "body": "Boats stayed in port.", "video_id": video_id, "status": "published"})
    assert story.status_code == 201, story.text
    return story.json()["url"]


def healthy(site) -> bool:
    try:
        return requests.get(site.base + "/healthz", timeout=5).json() == {"ok": True}
    except (requests.RequestException, ValueError):
        return False


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


@pytest.mark.server
def test_a_full_disk_fails_the_video_readably_and_keeps_everything_else(small_disk, tmp_path, clips):
    site = new_site(small_disk / "data", VIDEODESK_WORKERS="1")
    bigger = media.make_clip(tmp_path / "bigger.mp4", seconds=4, size="640x360")
    site.start_web()
    try:
        site.start_worker()
        first = wait_for_status(site, post_video(site, clips["clip"], captions=clips["srt"]).json()["id"])
        assert first["status"] == "ready", (first, site.log_text())
        first_mp4 = requests.get(site.base + first["mp4_url"], timeout=10).content

        # Room for the upload, its quick version (a stream copy of the same size) and the database's
        # journal, not for the renditions.
        fill_leaving(small_disk, 2 * bigger.stat().st_size + 512 * 1024)
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


# --- Redis restarted -------------------------------------------------------------------------------

class RedisServer:
    """redis-server with an append-only file, so a restart keeps what was queued (docs/SECURITY.md)."""

    def __init__(self, folder):
        needs.require("redis")
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is missing; `make test` installs it")
        self.port = free_port()
        self.args = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "yes",
                     "--appendfsync", "always", "--dir", str(folder)]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        wait_until(lambda: _pings(client), timeout=10, what="redis-server")

    def stop(self):
        Instance.stop_process(self.process)


def _pings(client):
    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.mark.redis
@pytest.mark.server
def test_jobs_complete_exactly_once_across_a_redis_restart(tmp_path, clips):
    server = RedisServer(tmp_path)
    site = new_site(tmp_path / "data", VIDEODESK_REDIS_URL=server.url, VIDEODESK_WORKERS="1")
    site.start_web()
    try:
        worker = site.start_worker()
        ids = [post_video(site, clips["clip"], captions=clips["srt"]).json()["id"] for _ in range(2)]
        wait_until(lambda: video_state(site, ids[0])["status"] == "processing", timeout=60, what="the first job")
        server.stop()  # one job running, one waiting in Redis
        # The running job finishes: the video plays; its ladder job, which it could not send, waits.
        assert wait_for_video(site.base, site.headers["producer"], ids[0], what="the first job",
                              done=lambda video: video["playable"] or video["status"] != "processing")["playable"]
        wait_until(lambda: "Error reading from queue" in (site.logs / "worker0.log").read_text(), timeout=20,
                   what="the worker to find Redis gone")
        server.start()  # the sweep sends the lost ladder job again
        assert wait_for_status(site, ids[0])["status"] == "ready", site.log_text()
        assert wait_for_status(site, ids[1])["status"] == "ready", site.log_text()
        log = (site.logs / "worker0.log").read_text()
        for video_id in ids:
            assert log.count(f"video {video_id} ready") == 1, log
        assert worker.poll() is None and healthy(site)
    finally:
        site.stop()
        server.stop()


def test_a_queued_video_whose_job_was_lost_is_queued_again(tmp_path):
    """Redis without persistence loses its list on restart; the sweep finds queued videos no job names."""
    from datetime import timedelta

    from videodesk.core.models import Video, utcnow
    from videodesk.jobs.queue import queue
    app = make_app(tmp_path / "data")  # a real (SQLite) queue, nothing consuming it
    with app.app_context():
        session = db.session()
        lost = Video(title="lost", source_name="lost.mp4")
        waiting = Video(title="waiting", source_name="waiting.mp4")
        session.add_all([lost, waiting])
        session.commit()
        queue().process_video(waiting.id)
        for video in (lost, waiting):
            video.updated_at = utcnow() - timedelta(seconds=app.settings.job_lease_s + 1)
        session.commit()
        queue().recover_stalled()
        queued = [task.args[0] for task in queue().huey.pending()]
        assert sorted(queued) == sorted([waiting.id, lost.id])
        queue().recover_stalled()  # touched: not sent twice
        assert len(queue().huey.pending()) == 2


# --- PostgreSQL restarted --------------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.server
def test_a_postgresql_restart_answers_503_then_recovers_without_a_restart(tmp_path, postgres_cluster):
    site = new_site(tmp_path / "data", database_url=postgres_cluster.new_database("faults_restart"))
    site.start_web()
    api, producer = site.base + "/api/videos/no-such-video", site.headers["producer"]
    try:
        assert requests.get(api, headers=producer, timeout=10).status_code == 404
        postgres_cluster.stop()
        try:
            for _ in range(3):  # every pooled connection is dead, and new ones are refused
                down = requests.get(api, headers=producer, timeout=10)
                assert down.status_code == 503, down.text
                assert down.json()["error"]["code"] == "unavailable"
            page = requests.get(site.base + "/stories/some-story", headers={"Accept": "text/html"}, timeout=10)
            assert page.status_code == 503 and page.headers["Content-Type"].startswith("text/html")
            assert "Traceback" not in page.text and "psycopg" not in page.text
            assert requests.get(site.base + "/healthz", timeout=10).status_code == 503
        finally:
            postgres_cluster.start()
        assert requests.get(api, headers=producer, timeout=10).status_code == 404
        assert healthy(site) and site.web.poll() is None
    finally:
        site.stop()


# --- a web worker killed mid-request, and backups --------------------------------------------------

@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory, clips):
    """A SQLite installation whose first video processes while the tests before the backup run."""
    site = new_site(tmp_path_factory.mktemp("faults") / "data")
    site.start_web()
    site.start_worker()
    site.first_video = post_video(site, clips["clip"], captions=clips["srt"]).json()["id"]
    yield site
    site.stop()


def gunicorn_workers(site) -> list[int]:
    children = f"/proc/{site.web.pid}/task/{site.web.pid}/children"
    return [int(pid) for pid in open(children).read().split()]


@pytest.mark.server
def test_a_web_worker_killed_mid_upload_leaves_no_half_made_video(sqlite_site, clips):
    """The row is made only after the whole body has arrived; a killed worker's request leaves none."""
    site = sqlite_site
    before = sqlite3.connect(site.data_dir / "videodesk.db").execute("SELECT count(*) FROM videos").fetchone()
    video = clips["clip"].read_bytes()
    boundary = "faultsboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n").encode() + video + f"\r\n--{boundary}--\r\n".encode()
    token = site.headers["producer"]["Authorization"]
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as connection:
        connection.sendall((f"POST /api/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {token}\r\n"
                            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                            f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:len(body) // 2])
        wait_until(lambda: list((site.data_dir / "tmp").glob("part-*")), timeout=10, what="the body to stream")
        killed = gunicorn_workers(site)
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        assert connection.recv(100) == b""  # the connection died with the worker, unanswered
    wait_until(lambda: gunicorn_workers(site) and not set(gunicorn_workers(site)) & set(killed) and healthy(site),
               timeout=30, what="gunicorn to replace its workers")
    with sqlite3.connect(site.data_dir / "videodesk.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*) FROM videos").fetchone() == before
        queued = [row[0] for row in connection.execute("SELECT id FROM videos WHERE status = 'queued'")]
    assert all((site.data_dir / "uploads" / video_id / "source").exists() for video_id in queued)


@pytest.mark.server
def test_a_backup_restored_elsewhere_renders_the_same_article(sqlite_site, tmp_path):
    site = sqlite_site
    video = wait_for_status(site, site.first_video)
    assert video["status"] == "ready", site.log_text()
    story = publish(site, video["id"], "Harbour closed by the storm")
    host = {"Host": "news.example"}  # absolute links in the page name the host
    page = requests.get(site.base + story, headers=host, timeout=10)
    mp4 = requests.get(site.base + video["mp4_url"], timeout=10)
    assert page.status_code == 200 and mp4.status_code == 200

    backup = tmp_path / "backup"
    assert "written to" in site.flask("backup", str(backup)).stdout
    elsewhere = Instance(tmp_path / "another" / "place")
    restored = elsewhere.flask("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    again = make_app(elsewhere.data_dir).test_cli_runner().invoke(args=["restore", str(backup)])
    assert again.exit_code != 0 and "already holds data" in again.output
    elsewhere.start_web()
    try:
        assert requests.get(elsewhere.base + story, headers=host, timeout=10).content == page.content
        assert requests.get(elsewhere.base + video["mp4_url"], timeout=10).content == mp4.content
        assert (elsewhere.data_dir / "secret_key").read_bytes() == (site.data_dir / "secret_key").read_bytes()
    finally:
        elsewhere.stop()


@pytest.mark.server
def test_workers_run_below_the_web_server(sqlite_site):
    """Readers come before encoders: the worker (and every ffmpeg it starts) is niced and I/O-deprioritised."""
    worker = sqlite_site.workers[0]
    wait_until(lambda: os.getpriority(os.PRIO_PROCESS, worker.pid) == 19, timeout=30, what="the worker to lower its priority")
    assert os.getpriority(os.PRIO_PROCESS, sqlite_site.web.pid) == 0
    assert io_priority(worker.pid) == (IOPRIO_CLASS_BEST_EFFORT, IOPRIO_LOWEST_LEVEL)


@pytest.mark.postgres
def test_a_postgresql_backup_restores_into_a_fresh_database(tmp_path, postgres_cluster):
    """pg_dump/pg_restore: the restored database knows the same users and tokens; the files come along."""
    source = make_app(tmp_path / "a", database_url=postgres_cluster.new_database("faults_backup_a"))
    with source.app_context():
        user = User(name="pat", role="producer")
        db.session().add(user)
        token = issue_token(user)
        db.session().commit()
    (tmp_path / "a" / "uploads" / "v1").mkdir()
    (tmp_path / "a" / "uploads" / "v1" / "source").write_bytes(b"original bytes")
    backup = tmp_path / "backup"
    made = source.test_cli_runner().invoke(args=["backup", str(backup)])
    assert made.exit_code == 0, made.output
    assert (backup / "database.pgdump").stat().st_size > 0

    target = create_app({"data_dir": tmp_path / "b", "redis_url": None,
                         "database_url": postgres_cluster.new_database("faults_backup_b")})
    restored = target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert (tmp_path / "b" / "uploads" / "v1" / "source").read_bytes() == b"original bytes"
    answer = target.test_client().get("/api/videos/none", headers=bearer(token))
    assert answer.status_code == 404  # the token is known (401 otherwise) and the schema is in place
    again = target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert again.exit_code != 0 and "already holds data" in again.output
