"""The whole product as a newcomer runs it: gunicorn, a separate queue consumer, the CLI, SQLite,
real ffmpeg. Nothing is mocked."""
import signal
import time

import pytest
import requests

from . import media
from .helpers import post_video, video_state
from .servers import Instance, wait_for_video, wait_until

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    instance = Instance(tmp_path_factory.mktemp("site"), VIDEODESK_JOB_LEASE_S="3")
    instance.flask("db-upgrade")
    producer = instance.create_token("producer", "pat")
    editor = instance.create_token("editor", "eddie")
    instance.start_web()
    instance.start_worker()
    instance.headers = {"producer": {"Authorization": f"Bearer {producer}"},
                        "editor": {"Authorization": f"Bearer {editor}"}}
    yield instance
    instance.stop()


def wait_for_status(site, video_id):
    return wait_for_video(site.base, site.headers["producer"], video_id)


def test_create_token_prints_the_token_last(site):
    output = site.flask("create-token", "--role", "admin", "--name", "ada").stdout.strip().splitlines()
    assert output[-1].startswith("vd_") and len(output[-1]) > 30


def test_upload_to_published_article(site, clips):
    accepted = post_video(site, clips["clip"], captions=clips["srt"])
    assert accepted.status_code == 202 and accepted.json()["status"] == "queued"
    video = wait_for_status(site, accepted.json()["id"])
    assert video["status"] == "ready", (video, site.log_text())

    story = requests.post(site.base + "/api/stories", headers=site.headers["editor"], timeout=10, json={
        "headline": "Storm closes the harbour", "body": "Boats stayed in port on **Tuesday**.",
        "byline": "Harbour desk", "video_id": video["id"], "status": "published"}).json()
    page = requests.get(site.base + story["url"], timeout=10)
    assert page.status_code == 200
    assert "Watch video below:" in page.text and "<strong>Tuesday</strong>" in page.text
    assert f'poster="{video["poster_url"]}"' in page.text and '<track kind="captions"' in page.text

    anonymous = requests.Session()
    poster = anonymous.get(site.base + video["poster_url"], timeout=10)
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg" and poster.content[:2] == b"\xff\xd8"
    vtt = anonymous.get(site.base + video["captions"][0]["url"], timeout=10)
    assert vtt.text.startswith("WEBVTT") and "First caption line" in vtt.text
    ranged = anonymous.get(site.base + video["mp4_url"], headers={"Range": "bytes=100-1099"}, timeout=10)
    assert ranged.status_code == 206 and len(ranged.content) == 1000
    assert ranged.headers["Content-Range"].startswith("bytes 100-1099/")


def test_bad_inputs_fail_clearly_and_the_service_stays_up(site, clips):
    empty = post_video(site, clips["empty"])
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "empty_file"
    for name in ("text", "truncated"):
        accepted = post_video(site, clips[name])
        assert accepted.status_code == 202
        failed = wait_for_status(site, accepted.json()["id"])
        assert failed["status"] == "failed" and failed["error"], failed
    assert requests.get(site.base + "/healthz", timeout=5).json() == {"ok": True}


def test_queued_jobs_survive_restarts_of_web_and_worker(site, clips):
    for worker in site.workers:
        site.stop_process(worker)
    accepted = post_video(site, clips["clip"]).json()
    site.stop_process(site.web)
    site.start_web()
    assert video_state(site, accepted["id"])["status"] == "queued"
    site.start_worker()
    assert wait_for_status(site, accepted["id"])["status"] == "ready"


def test_a_worker_killed_mid_job_leaves_no_partial_output_and_the_job_finishes(site, tmp_path):
    long_clip = media.make_clip(tmp_path / "long.mp4", seconds=40, size="960x540")
    accepted = post_video(site, long_clip).json()
    wait_until(lambda: video_state(site, accepted["id"])["progress"] > 0.05, timeout=60, interval=0.1,
               what="transcoding to start")
    for worker in site.workers:
        site.stop_process(worker, signal.SIGKILL)
    media_dir = site.data_dir / "media" / accepted["id"]
    assert not (media_dir / "video.mp4").exists()
    assert video_state(site, accepted["id"])["status"] == "processing"

    site.start_worker()  # its start-up recovery re-queues the video once the lease (3 s here) runs out
    video = wait_for_status(site, accepted["id"])
    assert video["status"] == "ready", site.log_text()
    assert video["duration"] == pytest.approx(40, abs=0.5)
    assert not list(media_dir.glob(".tmp-*"))


def test_tus_upload_cut_off_mid_request_resumes_on_a_real_server(site, clips):
    """The connection really drops in the middle of a PATCH body: the server keeps what arrived,
    HEAD reports it, and the upload resumes from there to a ready, byte-identical video."""
    import hashlib
    import socket

    data = clips["clip"].read_bytes()
    auth = site.headers["producer"]
    tus = {**auth, "Tus-Resumable": "1.0.0"}
    location = requests.post(site.base + "/api/uploads/", headers={**tus, "Upload-Length": str(len(data))},
                             timeout=10).headers["Location"]
    half = len(data) // 2
    with socket.create_connection(("127.0.0.1", site.port)) as raw:
        head = (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth['Authorization']}\r\n"
                f"Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                f"Content-Length: {len(data)}\r\n\r\n").encode()
        raw.sendall(head + data[:half])
        time.sleep(1)
    offset = wait_until(lambda: int(requests.head(site.base + location, headers=tus, timeout=10)
                                     .headers["Upload-Offset"]) == half and half, timeout=20, what="partial bytes stored")
    rest = requests.patch(site.base + location, data=data[offset:], timeout=30, headers={
        **tus, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})
    assert rest.status_code == 204 and int(rest.headers["Upload-Offset"]) == len(data)
    created = requests.post(site.base + "/api/videos", json={"upload_id": location.rsplit("/", 1)[1],
                                                             "allow_duplicate": True}, headers=auth, timeout=10)
    assert created.status_code == 202
    video = wait_for_status(site, created.json()["id"])
    assert video["status"] == "ready" and video["source"]["sha256"] == hashlib.sha256(data).hexdigest()
