"""The app on an S3 bucket (a real moto_server), in-process: CDN URLs for published media, the store
failing while a worker publishes outputs, and the storage-migrate / storage-check commands."""
import shutil
import uuid

import boto3
import m3u8
import pytest
import requests
from sqlalchemy import select

from videodesk.core import db, storage
from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle.states import Outputs
from videodesk.core.models import LadderPart, Video
from videodesk.jobs.queue import queue
from videodesk.newsroom import library

from . import media
from .helpers import bearer, make_app, make_tokens, ready_video, upload
from .s3server import ACCESS_KEY, SECRET_KEY, s3_server

pytestmark = pytest.mark.s3

CDN = "https://cdn.example.test/media"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)


def s3_app(data_dir, endpoint, bucket, **settings):
    app = make_app(data_dir, queue_immediate=True, max_upload_mb=5, s3_bucket=bucket, s3_endpoint_url=endpoint,
                   s3_path_style=True, store_retry_delays_s=(0.1, 0.1), **settings)
    result = app.test_cli_runner().invoke(args=["storage-setup"])
    assert result.exit_code == 0 and "S3Store" in result.output, result.output
    return app


def bucket_keys(endpoint, bucket) -> set:
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    return {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])}


def publish(client, tokens, video_id, status="published"):
    response = client.post("/api/stories", headers=bearer(tokens["editor"]), json={
        "headline": f"Story {uuid.uuid4().hex[:6]}", "body": "Text.", "video_id": video_id, "status": status})
    assert response.status_code == 201, response.json
    return response.json


def test_published_media_comes_from_the_cdn_and_private_media_never(tmp_path, endpoint, clips):
    bucket = "cdn-" + uuid.uuid4().hex[:12]
    app = s3_app(tmp_path / "data", endpoint, bucket, media_base_url=CDN)
    client = app.test_client()
    tokens = make_tokens(app)
    video = ready_video(client, tokens, clips)
    assert video["mp4_url"] == f"/media/{video['id']}/video.mp4" and video["signed_urls"]["mp4_url"].startswith("/media/s/")

    story = publish(client, tokens, video["id"])
    public = client.get(video["url"], headers=bearer(tokens["producer"])).json
    assert public["mp4_url"] == f"{CDN}/{video['id']}/video.mp4" and public["hls_url"] == f"{CDN}/{video['id']}/hls/master.m3u8"
    assert public["signed_urls"] is None and public["captions"][0]["url"].startswith(CDN + "/")
    page = client.get(story["url"])
    assert f'poster="{public["poster_url"]}"' in page.get_data(as_text=True)
    policy = page.headers["Content-Security-Policy"]
    assert "https://cdn.example.test" in policy and endpoint in policy and "connect-src 'self'" in policy
    # The CDN's origin is the bucket's public/ copy, readable without a signature.
    assert requests.get(f"{endpoint}/{bucket}/public/{video['id']}/video.mp4", timeout=10).status_code == 200

    client.patch(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"]), json={"status": "draft"})
    private = client.get(video["url"], headers=bearer(tokens["producer"])).json
    assert private["mp4_url"] == video["mp4_url"]
    assert not any(key.startswith("public/") for key in bucket_keys(endpoint, bucket))


def test_store_down_fails_the_video_readably_and_published_pages_keep_working(tmp_path, clips):
    bucket = "down-" + uuid.uuid4().hex[:12]
    moto = s3_server(tmp_path / "moto.log")
    app = s3_app(tmp_path / "data", moto.__enter__(), bucket)
    try:
        client, tokens = app.test_client(), make_tokens(app)
        published = ready_video(client, tokens, clips)
        story = publish(client, tokens, published["id"])
        with app.app_context():
            pending = library.new_video(None, "pending", "clip.mp4")
            db.session().commit()
            # A worker that already fetched the original into its scratch folder.
            source = storage.scratch_dir(pending.id) / "source"
            source.parent.mkdir(parents=True)
            shutil.copyfile(clips["clip"], source)
            pending_id = pending.id
    finally:
        moto.__exit__(None, None, None)

    with app.app_context():
        queue().run_now(JobName.PROCESS_VIDEO, pending_id)
        failed = db.session().get(Video, pending_id)
        assert failed.status == "failed" and "media store did not answer" in failed.error, failed.error
        assert failed.outputs == Outputs() and not storage.scratch_dir(pending_id).exists()  # nothing half-stored is named
    # Readers of published videos only need redirects: no store call on the page path.
    assert client.get(story["url"]).status_code == 200
    assert client.get(published["mp4_url"]).status_code == 302
    refused = client.post("/api/videos", headers=bearer(tokens["producer"]), content_type="multipart/form-data",
                          data={"file": (open(clips["clip"], "rb"), "clip.mp4")})
    assert refused.status_code == 503 and refused.json["error"]["code"] == "unavailable"


def test_storage_migrate_copies_a_local_installation_and_check_finds_gaps(tmp_path, endpoint, clips):
    local = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5)
    client, tokens = local.test_client(), make_tokens(local)
    video = ready_video(client, tokens, clips)
    publish(client, tokens, video["id"])
    bucket = "migrate-" + uuid.uuid4().hex[:12]
    app = s3_app(tmp_path / "data", endpoint, bucket)
    cli = app.test_cli_runner()

    first = cli.invoke(args=["storage-migrate"])
    assert first.exit_code == 0 and "failed 0; videos published 1" in first.output, first.output
    keys = bucket_keys(endpoint, bucket)
    assert f"private/originals/{video['id']}/source" in keys and f"public/{video['id']}/video.mp4" in keys
    copied = len([key for key in keys if key.startswith("private/")])
    again = cli.invoke(args=["storage-migrate"])  # resumable: what is there with the same checksum is skipped
    assert again.exit_code == 0 and f"uploaded 0, already there {copied}, failed 0" in again.output, again.output
    assert app.test_client().get(video["mp4_url"]).status_code == 302  # served from the bucket now
    assert cli.invoke(args=["storage-check"]).exit_code == 0

    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    s3.delete_object(Bucket=bucket, Key=f"private/{video['id']}/video.mp4")
    s3.put_object(Bucket=bucket, Key="private/gone123/video.mp4", Body=b"x")
    check = cli.invoke(args=["storage-check"])
    assert check.exit_code == 1 and f"missing: {video['id']}/video.mp4" in check.output
    assert "orphaned: gone123/video.mp4" in check.output and "1 missing, 1 orphaned" in check.output
    assert "1 orphaned (deleted)" in cli.invoke(args=["storage-check", "--delete-orphans"]).output
    assert "1 missing, 0 orphaned" in cli.invoke(args=["storage-check"]).output


def test_a_chunked_ladder_goes_through_the_store(tmp_path, endpoint):
    """On a remote store each ladder part's job stores its outputs under the video's work keys, the
    assembly job fetches them (whichever machine it runs on), joins them and deletes them."""
    bucket = "parts-" + uuid.uuid4().hex[:12]
    app = s3_app(tmp_path / "data", endpoint, bucket, chunk_seconds=4)
    client = app.test_client()
    tokens = make_tokens(app)
    response = upload(client, tokens["producer"], media.make_clip(tmp_path / "long.mp4", seconds=9), title="Long")
    assert response.status_code == 202, response.json
    video = client.get(response.json["url"], headers=bearer(tokens["producer"])).json
    assert video["status"] == "ready" and video["playable"] and video["hls_url"].endswith("/hls/master.m3u8"), video
    with app.app_context():
        parts = db.session().scalars(select(LadderPart).where(LadderPart.video_id == video["id"])).all()
    assert {"0000", "0001", "0002", "audio", "assemble"} <= {part.name for part in parts}
    assert all(part.status == "done" for part in parts)
    keys = bucket_keys(endpoint, bucket)
    assert any(key.endswith(f"{video['id']}/hls/master.m3u8") for key in keys)
    assert not any("ladder-parts" in key for key in keys), sorted(keys)
    master = client.get(video["hls_url"], headers=bearer(tokens["producer"])).get_data(as_text=True)
    variant = m3u8.loads(master).playlists[0].uri
    playlist = client.get(video["hls_url"].rsplit("/", 1)[0] + "/" + variant, headers=bearer(tokens["producer"]))
    seconds = sum(segment.duration for segment in m3u8.loads(playlist.get_data(as_text=True)).segments)
    assert abs(seconds - 9.0) < 0.2, seconds
    assert not any((tmp_path / "data" / "scratch").iterdir())  # every job's scratch folder went


def test_a_caption_saved_on_a_published_video_copies_only_itself_to_the_public_copy(tmp_path, endpoint, clips):
    """Visibility follows the change: a new caption version joins the public copy alone; the
    video's other objects are not copied again (a public copy removed behind the app's back stays
    removed, where copying the whole folder would bring it back)."""
    bucket = "one-" + uuid.uuid4().hex[:12]
    app = s3_app(tmp_path / "data", endpoint, bucket)
    client = app.test_client()
    tokens = make_tokens(app)
    video = ready_video(client, tokens, clips)
    publish(client, tokens, video["id"])
    prefix = f"public/{video['id']}/"
    before = {key[len(prefix):] for key in bucket_keys(endpoint, bucket) if key.startswith(prefix)}
    assert "video.mp4" in before and "storyboard.jpg" in before
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").delete_object(
        Bucket=bucket, Key=prefix + "storyboard.jpg")

    saved = client.put(f"/api/videos/{video['id']}/captions/en", headers=bearer(tokens["producer"]),
                       json={"cues": [{"start": 0.5, "end": 2.0, "text": "New words."}]})
    assert saved.status_code in (200, 201), saved.json
    after = {key[len(prefix):] for key in bucket_keys(endpoint, bucket) if key.startswith(prefix)}
    new = after - before
    assert len(new) == 1 and new.pop().startswith("captions-en-")
    assert "storyboard.jpg" not in after
