"""Many machines, one newsroom: two web nodes and two queue workers, each with its own data folder,
sharing only PostgreSQL, Redis, an S3 bucket (moto_server) and the secret key."""
import re
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from videodesk.objectstore.s3 import S3Store

from . import media
from .browser import browser
from .helpers import post_video
from .s3server import ACCESS_KEY, SECRET_KEY, s3_server
from .servers import Instance, wait_for_video

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.s3, pytest.mark.server]

BUCKET = "newsroom-media"


@pytest.fixture
def cluster(tmp_path, postgres_server, redis_url):
    createdb, server = postgres_server
    database = "videodesk_many_" + uuid.uuid4().hex[:8]
    subprocess.run([*createdb, database], check=True, capture_output=True)
    with s3_server(tmp_path / "moto.log") as endpoint:
        shared = {"DATABASE_URL": f"{server}/{database}", "VIDEODESK_REDIS_URL": redis_url,
                  "VIDEODESK_S3_BUCKET": BUCKET, "VIDEODESK_S3_ENDPOINT_URL": endpoint, "VIDEODESK_S3_PATH_STYLE": "1",
                  "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": "us-east-1",
                  "VIDEODESK_SECRET_KEY": "one-newsroom-secret-" + uuid.uuid4().hex, "VIDEODESK_WORKERS": "1",
                  "VIDEODESK_TRANSCRIPT_PART_S": "3"}  # a few seconds of speech go out in parts
        a, b = Instance(tmp_path / "a", **shared), Instance(tmp_path / "b", **shared)
        # What `make run` does with `flask storage-setup` (tests/test_media_store.py runs the command).
        S3Store(BUCKET, endpoint_url=endpoint, path_style=True, aws_access_key_id=ACCESS_KEY,
                aws_secret_access_key=SECRET_KEY).prepare()
        a.flask("db-upgrade")
        editor = a.create_token("editor", "ed")
        a.headers = b.headers = {role: {"Authorization": f"Bearer {editor}"} for role in ("producer", "editor")}
        try:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(Instance.start_web, (a, b)))
            for node in (a, b):
                node.start_worker()
            s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                              aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
            yield a, b, endpoint, s3
        finally:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(Instance.stop, (a, b)))


def cache_control(response) -> set:
    return {part.strip() for part in response.headers["Cache-Control"].split(",")}


def keys(s3, video_id):
    found = []
    for prefix in (f"private/{video_id}/", f"public/{video_id}/", f"private/originals/{video_id}/"):
        found += [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    return found


def test_upload_on_one_node_plays_from_the_bucket_on_another(cluster, clips):
    a, b, endpoint, s3 = cluster
    accepted = post_video(a, clips["clip"], captions=clips["srt"])
    assert accepted.status_code == 202, accepted.text
    video_id = accepted.json()["id"]
    # Ready, and its automatic-captions job (which works in a scratch folder too) finished.
    video = wait_for_video(b.base, b.headers["producer"], video_id, what="the video and its captions job", done=lambda v: (
        v["status"] == "failed" or v["status"] == "ready" and (v["captioning"] or {}).get("status") in (None, "done", "failed")))
    assert video["status"] == "ready", (video, a.log_text(), b.log_text())

    # Nothing stays on the nodes: the original and the outputs are objects, scratch folders are gone.
    stored = keys(s3, video_id)
    assert f"private/originals/{video_id}/source" in stored and f"private/{video_id}/hls/master.m3u8" in stored
    for node in (a, b):
        assert not (node.data_dir / "media" / video_id).exists() and not (node.data_dir / "uploads" / video_id).exists()
        assert not (node.data_dir / "scratch" / video_id).exists()

    # Unpublished: the bucket refuses unsigned reads, and so does the app; a signed URL opens it.
    bucket_url = f"{endpoint}/{BUCKET}/private/{video_id}/video.mp4"
    assert requests.get(bucket_url, timeout=10).status_code == 403
    anonymous = requests.Session()
    assert anonymous.get(b.base + video["mp4_url"], timeout=10).status_code == 404
    signed = video["signed_urls"]
    playlist = anonymous.get(b.base + signed["hls_url"], timeout=10)
    assert playlist.status_code == 200 and playlist.text.startswith("#EXTM3U")  # streamed: relative URIs keep the token
    variant = next(line for line in playlist.text.splitlines() if line and not line.startswith("#"))
    variant_url = b.base + signed["hls_url"].rsplit("/", 1)[0] + "/" + variant
    segment = next(line for line in anonymous.get(variant_url, timeout=10).text.splitlines()
                   if line and not line.startswith("#"))
    segment_url = variant_url.rsplit("/", 1)[0] + "/" + segment
    redirect = anonymous.get(segment_url, allow_redirects=False, timeout=10)
    assert redirect.status_code == 302 and cache_control(redirect) == {"private", "max-age=300"}
    assert anonymous.get(segment_url, timeout=10).status_code == 200
    forged = signed["mp4_url"].replace("/media/s/", "/media/s/A")
    assert anonymous.get(b.base + forged, timeout=10).status_code == 404

    # Published through node B: the article on node A plays from the bucket's public copy.
    story = requests.post(b.base + "/api/stories", headers=b.headers["editor"], timeout=30, json={
        "headline": "Ferry back in service", "body": "The ferry sailed again.", "video_id": video_id,
        "status": "published"}).json()
    public_redirect = anonymous.get(a.base + video["mp4_url"], allow_redirects=False, timeout=10)
    assert public_redirect.status_code == 302 and cache_control(public_redirect) == {"public", "max-age=3600"}
    assert f"/{BUCKET}/public/{video_id}/video.mp4" in public_redirect.headers["Location"]
    assert requests.get(f"{endpoint}/{BUCKET}/public/{video_id}/video.mp4", timeout=10).status_code == 200
    with browser() as chromium:
        page = chromium.new_page()
        page.goto(a.base + story["url"], wait_until="domcontentloaded")
        page.locator("video").evaluate("v => { v.muted = true; return v.play(); }")
        page.wait_for_function("() => document.querySelector('video').currentTime > 0.5", timeout=20_000)
        assert page.locator("figure[data-player]").get_attribute("data-engine") in ("hls.js", "native-hls")

    # Unpublished again: the public copy is withdrawn before the change is saved.
    requests.patch(f"{a.base}/api/stories/{story['id']}", headers=a.headers["editor"], json={"status": "draft"},
                   timeout=30).raise_for_status()
    assert requests.get(f"{endpoint}/{BUCKET}/public/{video_id}/video.mp4", timeout=10).status_code in (403, 404)
    assert anonymous.get(a.base + video["mp4_url"], timeout=10).status_code == 404

    # Deleting the video removes its objects.
    assert requests.delete(f"{b.base}/api/videos/{video_id}", headers=b.headers["producer"], timeout=30).ok
    assert keys(s3, video_id) == []


def test_a_recording_is_transcribed_in_parts_by_the_workers_through_the_bucket(cluster, tmp_path):
    """The parts' shared sound travels through the bucket; the merged track has every sentence in order."""
    a, b, _endpoint, s3 = cluster
    script = "The port captain opened the eastern gate at dawn. The harbour master counted forty ships in the bay. " \
             "Fishermen celebrated a record catch of silver herring."
    video_id = post_video(a, media.make_speech_clip(tmp_path / "briefing.mp4", script)).json()["id"]
    video = wait_for_video(b.base, b.headers["producer"], video_id, what="the transcript", done=lambda v: (
        v["status"] == "failed" or (v["captioning"] or {}).get("status") in ("done", "failed")))
    logs = a.log_text(tail=None) + b.log_text(tail=None)
    assert video["captioning"]["status"] == "done", (video, a.log_text() + b.log_text())
    planned = re.findall(rf"captions for video {video_id}: (\d+) parts", logs)
    done_by = re.findall(r"transcript part \d+ done \(worker ([^)]+)\)", logs)
    assert planned and int(planned[0]) >= 3 and len(done_by) == int(planned[0]), (planned, done_by, a.log_text() + b.log_text())
    [track] = [t for t in video["captions"] if t["source"] == "auto"]
    vtt = requests.get(a.base + track["url"], headers=a.headers["producer"], timeout=10).text.lower()
    order = [vtt.find(word) for word in ("captain", "ships", "herring")]
    assert -1 not in order and order == sorted(order), vtt
    # The kept sound went with the parts; no scratch folder stays on either node.
    assert not [key for key in keys(s3, video_id) if "/work/speech/" in key]
    for node in (a, b):
        assert not list((node.data_dir / "scratch").glob(f"{video_id}*"))
    print(f"parts done by workers: {sorted(set(done_by))}")
