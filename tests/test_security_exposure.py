"""Third security review (docs/SECURITY.md, findings 3 to 10): changes to live pages are audited,
nothing private or replaced is published, sign-in cannot be locked by strangers, backups and
stored media are private to their owner, import URLs keep their secrets, unreviewed machine text
stays off pages, and finished work has a quota and rate limits."""
import io
import json
import os
import re
import stat
import uuid
from datetime import timedelta

import boto3
import pytest
import requests
from sqlalchemy import create_engine, select, text

from videodesk.auth import logins
from videodesk.core import db, migrate, storage
from videodesk.core.models import AuditEvent, LoginAttempt, User, Video, utcnow
from videodesk.newsroom import library

from .helpers import TUS, FileServer, bearer, csrf_from, database_before, make_app, make_tokens, sign_in, upload
from .s3server import ACCESS_KEY, SECRET_KEY, s3_server
from .servers import wait_until


@pytest.fixture
def queued_app(tmp_path):
    """An app whose jobs stay queued (no ffmpeg): enough for rules that look at rows and files."""
    return make_app(tmp_path / "data", max_upload_mb=5, import_allow_private=True)


@pytest.fixture
def people(queued_app) -> dict:
    from videodesk.auth.tokens import issue_token
    result = {}
    with queued_app.app_context():
        for name, role in (("pat", "producer"), ("bea", "producer"), ("eddie", "editor"), ("ada", "admin")):
            user = User(name=name, role=role)
            db.session().add(user)
            result[name] = issue_token(user)
        db.session().commit()
    return result


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEvent).where(AuditEvent.action == action)
                                         .order_by(AuditEvent.id)))


# Finding 8 ---------------------------------------------------------------------------------------

def test_the_audit_log_names_only_the_scheme_and_host_of_a_webhook(queued_app, people):
    secret_url = "https://127.0.0.1:8443/services/T0001/B0002/XXXXsecretXXXX?token=abc"
    client = queued_app.test_client()
    created = client.post("/api/webhooks", headers=bearer(people["ada"]),
                          json={"url": secret_url, "events": ["video.ready"]})
    assert created.status_code == 201, created.json
    assert client.delete(f"/api/webhooks/{created.json['id']}", headers=bearer(people["ada"])).status_code == 204
    details = [event.detail for action in ("webhook_create", "webhook_delete") for event in _audit(queued_app, action)]
    assert [detail["url"] for detail in details] == ["https://127.0.0.1:8443"] * 2
    sign_in(client, people["eddie"])
    page = client.get("/studio/audit").get_data(as_text=True)
    assert "https://127.0.0.1:8443" in page and "XXXXsecretXXXX" not in page and "T0001" not in page


# Finding 6 ---------------------------------------------------------------------------------------

def _modes(folder) -> dict:
    return {path.relative_to(folder).as_posix() + ("/" if path.is_dir() else ""): stat.S_IMODE(path.stat().st_mode)
            for path in [folder, *folder.rglob("*")]}


def test_backups_and_stored_media_are_readable_by_their_owner_only(tmp_path, clips):
    old = os.umask(0o022)  # the usual umask of a shell
    try:
        app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5)
        tokens = make_tokens(app, [("pat", "producer")])
        client = app.test_client()
        video = upload(client, tokens["pat"], clips["clip"], captions=(open(clips["srt"], "rb"), "c.srt")).json
        assert client.get(video["url"], headers=bearer(tokens["pat"])).json["status"] == "ready"
        os.umask(0o022)
        with app.app_context():
            storage.media_store().put_bytes(f"{video['id']}/note.txt", b"stored through the interface")
        media = tmp_path / "data" / "media" / video["id"]
        stored = {name: mode for name, mode in _modes(media).items() if not name.endswith("/")}
        assert len(stored) > 10 and "note.txt" in stored
        assert {name: mode for name, mode in stored.items() if mode & 0o077} == {}
        (media / "note.txt").chmod(0o644)  # a file from before this release keeps its mode on disk...
        os.umask(0o022)
        made = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
        assert made.exit_code == 0, made.output
    finally:
        os.umask(old)
    modes = _modes(tmp_path / "backup")  # ...but not in the backup
    assert {"database.sqlite3", "secret_key", f"media/{video['id']}/note.txt", "videodesk-backup.json"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != (0o700 if name.endswith("/") else 0o600)} == {}


# Finding 9 ---------------------------------------------------------------------------------------

def _json_ld(page: str) -> str:
    return re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)


def test_pages_publish_only_the_words_of_the_track_the_player_shows(tmp_path, clips):
    app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5)
    tokens = make_tokens(app, [("pat", "producer"), ("eddie", "editor")])
    client = app.test_client()
    video = upload(client, tokens["pat"], clips["clip"]).json
    with app.app_context():
        row = db.session().get(Video, video["id"])
        library.add_caption_track(row, "WEBVTT\n\n00:00.000 --> 00:02.000\nmachine heard words\n", "en",
                                  source="auto")
        db.session().commit()
    story = client.post("/api/stories", headers=bearer(tokens["eddie"]), json={
        "headline": "Harbour", "video_id": video["id"], "status": "published"}).json
    pages = (story["url"], f"/videos/{video['id']}")
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert "<track" in page and " default>" not in page, path  # the player hides the machine track...
        assert "machine heard words" not in page, path  # ...and so do the transcript and JSON-LD
    human = client.post(f"/api/videos/{video['id']}/captions", headers=bearer(tokens["pat"]), data={
        "file": (io.BytesIO(b"WEBVTT\n\n00:00.000 --> 00:02.000\nwords a person wrote\n"), "c.vtt"), "lang": "en"})
    assert human.status_code == 201, human.json
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        default = re.search(r'<track [^>]*src="([^"]+)"[^>]* default>', page).group(1)
        assert client.get(default).get_data(as_text=True).endswith("words a person wrote\n"), path
        assert "machine heard words" not in page, path
        assert "words a person wrote" in _json_ld(page) and page.count("words a person wrote") == 2, path


# Finding 7 ---------------------------------------------------------------------------------------

@pytest.fixture
def agency(clips):
    """A local site whose video is only handed out with a token in the query string."""
    site = FileServer("127.0.0.1")
    site.add("/clip.mp4?token=SECRET-IN-QUERY", clips["clip"].read_bytes(), "video/mp4")
    yield site
    site.close()


def test_import_urls_never_publish_their_credentials(tmp_path, agency):
    app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5, import_allow_private=True)
    tokens = make_tokens(app, [("pat", "producer"), ("eddie", "editor")])
    client, headers = app.test_client(), bearer(tokens["pat"])
    with_password = agency.url.replace("http://", "http://reporter:hunter2@") + "/clip.mp4"
    refused = client.post("/api/videos", json={"source_url": with_password}, headers=headers)
    assert refused.status_code == 400 and refused.json["error"]["code"] == "url_not_allowed"
    assert "hunter2" not in refused.get_data(as_text=True) and agency.requests == []

    source = agency.url + "/clip.mp4?token=SECRET-IN-QUERY"
    plain = client.post("/api/videos", json={"source_url": source}, headers=headers).json
    chosen = client.post("/api/videos", headers=headers, json={
        "source_url": source, "credit_url": "https://agency.example/watch?v=storm"}).json
    for video, link in ((plain, agency.url + "/clip.mp4"), (chosen, "https://agency.example/watch?v=storm")):
        view = client.get(video["url"], headers=headers).json
        assert view["status"] == "ready" and view["credit_url"] == link, view
        story = client.post("/api/stories", headers=bearer(tokens["eddie"]), json={
            "headline": f"Storm {video['id']}", "video_id": video["id"], "status": "published"}).json
        for path in (story["url"], f"/videos/{video['id']}"):
            page = client.get(path).get_data(as_text=True)
            assert f'<a href="{link}" rel="noopener nofollow">' in page, path
            assert "SECRET-IN-QUERY" not in page, path
    bad = client.post("/api/videos", headers=headers, json={
        "source_url": source, "credit_url": "https://user:pw@agency.example/watch"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_field"


# Finding 5 ---------------------------------------------------------------------------------------

def _sign_in_from(app, address: str, forwarded_for: str | None = None, **form) -> int:
    """A sign-in by a fresh browser at `address` (or behind the proxy at `address`, for `forwarded_for`)."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    page = client.get("/studio/login", environ_base=environ, headers=headers).get_data(as_text=True)
    return client.post("/studio/login", data={**form, "csrf_token": csrf_from(page)}, environ_base=environ,
                       headers=headers).status_code


def _passwords(app, **passwords):
    from videodesk.auth.passwords import hash_password
    with app.app_context():
        for name, password in passwords.items():
            db.session().scalar(select(User).where(User.name == name)).password_hash = hash_password(password)
        db.session().commit()


def test_bogus_tokens_from_one_address_do_not_lock_out_anyone_else(queued_app, people):
    for _ in range(6):
        assert _sign_in_from(queued_app, "203.0.113.9", token="not-a-token") in (401, 429)
    assert _sign_in_from(queued_app, "203.0.113.9", token=people["pat"]) == 429  # that address is paused
    assert _sign_in_from(queued_app, "198.51.100.20", token=people["pat"]) == 302  # nobody else is


def test_behind_a_trusted_proxy_sign_ins_are_counted_per_client(tmp_path):
    app = make_app(tmp_path / "data", trusted_proxies=1)
    make_tokens(app, [("pat", "producer"), ("eddie", "editor")])
    _passwords(app, pat="pat's long passphrase", eddie="eddie's long passphrase")
    proxy = "127.0.0.1"
    for _ in range(5):
        assert _sign_in_from(app, proxy, "203.0.113.9", name="nobody", password="guess") == 401
    # The guesser is paused, even when it forges an earlier hop; the proxy's other clients are not.
    assert _sign_in_from(app, proxy, "203.0.113.9", name="pat", password="pat's long passphrase") == 429
    assert _sign_in_from(app, proxy, "10.9.9.9, 203.0.113.9", name="pat", password="pat's long passphrase") == 429
    assert _sign_in_from(app, proxy, "198.51.100.20", name="pat", password="pat's long passphrase") == 302
    # Without trusted proxies the header is ignored: a client cannot pick its own address.
    direct = make_app(tmp_path / "direct")
    make_tokens(direct, [("pat", "producer")])
    for index in range(6):
        _sign_in_from(direct, "203.0.113.9", f"198.51.100.{index}", name="pat", password="guess")
    assert _sign_in_from(direct, "203.0.113.9", "198.51.100.99", token="not-a-token") == 429


def test_guessing_one_account_from_many_addresses_slows_it_down_without_locking_it(queued_app, people):
    _passwords(queued_app, eddie="eddie's long passphrase")
    for index in range(logins.MAX_FAILURES + 1):
        assert _sign_in_from(queued_app, f"203.0.113.{index}", name="eddie", password="guess") == 401
    # The account now waits between checks (from any address), however many addresses guess...
    assert _sign_in_from(queued_app, "198.51.100.20", name="eddie", password="eddie's long passphrase") == 429
    with queued_app.app_context():
        wait = db.session().get(LoginAttempt, "name:eddie").locked_until - utcnow()
    assert timedelta(0) < wait <= logins.MAX_DELAY
    # ...but only for a moment: its owner gets in once the delay has passed.
    wait_until(lambda: _sign_in_from(queued_app, "198.51.100.20", name="eddie",
                                     password="eddie's long passphrase") == 302, timeout=10, what="the delay to end")


# Finding 3 ---------------------------------------------------------------------------------------

def test_every_change_to_a_video_on_a_live_page_is_audited(ready, clips):
    app, client, tokens, live = ready.app, ready.client, ready.tokens, ready.video
    pat, eddie = bearer(tokens["producer"]), bearer(tokens["editor"])
    draft = upload(client, tokens["producer"], clips["clip"]).json
    client.post("/api/stories", headers=eddie, json={"headline": "Live story", "video_id": live["id"],
                                                      "status": "published"})
    client.post("/api/stories", headers=eddie, json={"headline": "Draft story", "video_id": draft["id"]})
    with app.app_context():
        row = db.session().get(Video, live["id"])
        library.add_caption_track(row, "WEBVTT\n\n00:00.000 --> 00:02.000\nmachine words\n", "fr", source="auto")
        db.session().commit()
    vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nChanged words\n"
    changes = (("put", "/chapters", {"chapters": [{"start": 0, "title": "Intro"}]}, 200),
               ("post", "/poster", {"time": 1}, 202),
               ("post", "/trim", {"start": 0.5, "end": 2.5}, 202),
               ("delete", "/trim", None, 202),
               ("post", "/reprocess", None, 202))
    # One hook notes every change (web/change_log.py): the draft gets one change of each kind (an
    # edit, a job, a reprocessing) rather than every reprocessing again.
    for video, made in ((live, changes), (draft, changes[:3])):
        base = f"/api/videos/{video['id']}"
        for method, path, body, status in made:
            answer = getattr(client, method)(base + path, json=body, headers=pat)
            assert answer.status_code == status, (path, answer.json)
        assert client.put(f"{base}/captions/en", data=vtt, content_type="text/vtt", headers=pat).status_code in (200, 201)
    # Producers may not vouch for machine captions (docs/CAPTIONS.md: editors do).
    refused = client.post(f"/api/videos/{live['id']}/captions/fr/review", headers=pat)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert client.post(f"/api/videos/{live['id']}/captions/fr/review", headers=eddie).status_code == 200
    sign_in(client, tokens["producer"])
    studio_csrf = csrf_from(client.get(f"/studio/videos/{live['id']}").get_data(as_text=True))
    assert client.post(f"/studio/videos/{live['id']}/reprocess", data={"csrf_token": studio_csrf}).status_code == 302

    events = [(e.user_name, e.target, e.detail) for e in _audit(app, "video_change")]
    stories = {"stories": ["live-story"]}
    target = f"video:{live['id']}"
    assert events == [("producer", target, {"change": change, **stories}) for change in (
        "put_chapters", "choose_poster", "trim", "untrim", "reprocess")] + [
        ("producer", target, {"change": "edit_captions", "lang": "en", **stories}),
        ("editor", target, {"change": "review_captions", "lang": "fr", **stories}),
        ("producer", target, {"change": "reprocess", **stories})]


# Finding 10 --------------------------------------------------------------------------------------

def test_finished_work_is_held_to_a_storage_quota_per_user(tmp_path, clips):
    size = clips["clip"].stat().st_size
    app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5, import_allow_private=True,
                   storage_quota_mb=1.5 * size / (1024 * 1024))
    tokens = make_tokens(app, [("pat", "producer"), ("bea", "producer"), ("eddie", "editor")])
    client, pat = app.test_client(), bearer(tokens["pat"])
    first = upload(client, tokens["pat"], clips["clip"])
    assert first.status_code == 202  # the original fits; with its renditions it fills the quota
    # The same installation with jobs left queued: what follows is about accepting work, not doing it.
    client = make_app(tmp_path / "data", max_upload_mb=5, import_allow_private=True,
                      storage_quota_mb=1.5 * size / (1024 * 1024)).test_client()
    refusals = [upload(client, tokens["pat"], clips["clip"]),
                client.post(f"/api/videos/{first.json['id']}/clips", json={"start": 0, "end": 1}, headers=pat),
                client.post("/api/videos", json={"source_url": "http://127.0.0.1:9/clip.mp4"}, headers=pat),
                client.post("/api/uploads/", headers={**TUS, **pat, "Upload-Length": str(size)})]
    for answer in refusals:
        assert answer.status_code == 413 and answer.json["error"]["code"] == "quota_exceeded", answer.json
        assert "quota" in answer.json["error"]["message"]
    assert upload(client, tokens["bea"], clips["clip"]).status_code == 202  # a quota per user
    assert upload(client, tokens["eddie"], clips["clip"]).status_code == 202  # editors are not held to it
    assert client.delete(f"/api/videos/{first.json['id']}", headers=pat).status_code == 204
    assert upload(client, tokens["pat"], clips["clip"]).status_code == 202  # deleting frees the quota


def test_clips_reprocessing_and_transcription_are_rate_limited(ready):
    video = ready.video
    app = make_app(ready.app.settings.data_dir, max_upload_mb=5, clip_rate_per_hour=2, reprocess_rate_per_hour=1,
                   transcribe_rate_per_hour=1)  # the same installation, with jobs left queued
    client, pat = app.test_client(), bearer(ready.tokens["producer"])
    base = f"/api/videos/{video['id']}"
    for _ in range(2):
        assert client.post(f"{base}/clips", json={"start": 0, "end": 1}, headers=pat).status_code == 202
    assert client.post(f"{base}/captions/auto", headers=pat).status_code == 202
    limited = [client.post(f"{base}/clips", json={"start": 0, "end": 1}, headers=pat),
               client.post(f"{base}/captions/auto", headers=pat)]
    assert client.post(f"{base}/reprocess", headers=pat).status_code == 202
    limited.append(client.post(f"{base}/trim", json={"start": 0.5, "end": 2.5}, headers=pat))  # reprocesses too
    for answer in limited:
        assert answer.status_code == 429 and answer.json["error"]["code"] == "rate_limited", answer.json
        assert "an hour" in answer.json["error"]["message"]


# Finding 4 ---------------------------------------------------------------------------------------

def _media_name(url: str) -> str:
    return url.split("/", 3)[3]  # /media/<video_id>/<name>


def _replace_files_of_a_published_video(app, tokens, clips) -> tuple[dict, dict, dict]:
    """A published video, then its files replaced: a caption edit, and a trim (new posters, captions,
    ladder; the social cut made before it is dropped). Returns (story, before, after)."""
    client, pat = app.test_client(), bearer(tokens["pat"])
    video = upload(client, tokens["pat"], clips["clip"], captions=(open(clips["srt"], "rb"), "c.srt")).json
    assert client.post(f"/api/videos/{video['id']}/social-cut", json={"aspect": "1:1"}, headers=pat).status_code == 202
    story = client.post("/api/stories", headers=bearer(tokens["eddie"]), json={
        "headline": "Harbour", "video_id": video["id"], "status": "published"}).json
    before = client.get(video["url"], headers=pat).json
    redacted = "WEBVTT\n\n00:00.000 --> 00:01.000\n[name withheld]\n"
    assert client.put(f"/api/videos/{video['id']}/captions/en", data=redacted, content_type="text/vtt",
                      headers=pat).status_code == 200
    assert client.post(f"/api/videos/{video['id']}/trim", json={"start": 0.5, "end": 2.5}, headers=pat).status_code == 202
    after = client.get(video["url"], headers=pat).json
    assert after["status"] == "ready" and after["poster_url"] != before["poster_url"]
    return story, before, after


def _old_and_current(before: dict, after: dict) -> tuple[set, set]:
    def names(view):
        return {_media_name(url) for url in (view["poster_url"], view["mp4_url"], view["hls_url"],
                                            *(track["url"] for track in view["captions"]),
                                            *view["social_cuts"].values()) if url}
    return names(before) - names(after), names(after)


def test_only_the_files_a_published_video_names_are_served_to_readers(tmp_path, clips):
    app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5)
    tokens = make_tokens(app, [("pat", "producer"), ("eddie", "editor")])
    story, before, after = _replace_files_of_a_published_video(app, tokens, clips)
    old, current = _old_and_current(before, after)
    assert {name for name in old if name.startswith("captions-")} and {n for n in old if n.startswith("social-")}
    reader, base = app.test_client(), f"/media/{after['id']}/"
    assert reader.get(story["url"]).status_code == 200
    for name in current | {"hls/180p/index.m3u8", "hls/180p/seg_00000.m4s"}:
        assert reader.get(base + name).status_code == 200, name
    for name in old | {"quick/video.mp4", "quick/hls/index.m3u8"}:  # replaced, and left by processing
        assert reader.get(base + name).status_code == 404, name
    kept = next(name for name in old if name.startswith("captions-"))
    assert (tmp_path / "data" / "media" / after["id"] / kept).exists()  # history is kept, for the newsroom
    assert not any((tmp_path / "data" / "media" / after["id"] / name).exists() for name in old
                   if name.startswith("poster-"))  # a replaced poster is not: it is made again from the video
    assert reader.get(base + kept, headers=bearer(tokens["pat"])).status_code == 200  # its managers still read it
    # Names that must be kept are not guessable: a caption version, a social cut, a poster.
    for name in old | current:
        if name.startswith(("captions-", "social-", "poster-")):
            assert re.search(r"-[a-z0-9]{16}[-.]", name), name


@pytest.mark.s3
def test_the_buckets_public_prefix_holds_only_the_files_a_published_video_names(tmp_path, clips, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    bucket = "history-" + uuid.uuid4().hex[:12]
    with s3_server(tmp_path / "moto.log") as endpoint:
        app = make_app(tmp_path / "data", queue_immediate=True, max_upload_mb=5, s3_bucket=bucket,
                       s3_endpoint_url=endpoint, s3_path_style=True, store_retry_delays_s=(0.1, 0.1))
        assert app.test_cli_runner().invoke(args=["storage-setup"]).exit_code == 0
        tokens = make_tokens(app, [("pat", "producer"), ("eddie", "editor")])
        _story, before, after = _replace_files_of_a_published_video(app, tokens, clips)
        old, current = _old_and_current(before, after)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                for o in page.get("Contents", [])}
        video_id = after["id"]
        published = {key.split("/", 2)[2] for key in keys if key.startswith(f"public/{video_id}/")}
        assert current <= published and "hls/180p/seg_00000.m4s" in published
        assert published & (old | {"quick/video.mp4"}) == set(), published & old
        posters = {name for name in old if name.startswith("poster-")}
        assert posters and {f"private/{video_id}/{name}" for name in old - posters} <= keys  # kept, privately
        assert not {key for key in keys if key.split("/")[-1] in posters}  # replaced posters are deleted, as on disk
        for name in old:  # and not readable without a signature
            assert requests.get(f"{endpoint}/{bucket}/public/{video_id}/{name}", timeout=10).status_code in (403, 404)
        assert requests.get(f"{endpoint}/{bucket}/public/{video_id}/{next(iter(current))}", timeout=10).status_code == 200


def test_webhook_urls_already_in_the_audit_log_are_cut_to_their_origin(tmp_path):
    url = database_before(tmp_path, "0015_security")
    with create_engine(url).begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_events (at, user_name, action, target, detail) VALUES "
            "('2026-01-01 00:00:00', 'ada', 'webhook_create', 'webhook:w1', "
            "'{\"url\": \"https://hooks.chat.example/services/T1/B2/secret\", \"events\": [\"video.ready\"]}')"))
    migrate.upgrade(url)
    with create_engine(url).connect() as connection:
        detail = connection.execute(text("SELECT detail FROM audit_events")).scalar()
    assert json.loads(detail) == {"url": "https://hooks.chat.example", "events": ["video.ready"]}
