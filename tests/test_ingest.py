"""Resumable uploads (tus 1.0.0), duplicates, expiry, and import by URL (yt-dlp) from a local
HTTP server. Every connection stays on 127.0.0.0/8."""
import hashlib
import json
import time

import pytest

from videodesk.ingest import netguard, resumable

from .helpers import TUS, FileServer, bearer, make_app, tus_create, tus_patch


def tus_offset(client, token, location):
    head = client.head(location, headers={**TUS, **bearer(token)})
    assert head.status_code == 200 and head.headers["Cache-Control"] == "no-store"
    return int(head.headers["Upload-Offset"])


def test_options_advertises_the_extensions(client):
    response = client.options("/api/uploads/")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0" and response.headers["Tus-Resumable"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    assert int(response.headers["Tus-Max-Size"]) == 5 * 1024 * 1024


def test_chunked_upload_with_an_interruption_resumes_and_becomes_a_ready_identical_video(app, client, tokens, clips):
    data = clips["clip"].read_bytes()
    token = tokens["producer"]
    location = tus_create(client, token, len(data))
    upload_id = location.rsplit("/", 1)[1]
    assert tus_offset(client, token, location) == 0
    # First chunk arrives whole; the second is cut off mid-way (the connection dropped).
    third = len(data) // 3
    assert tus_patch(client, token, location, 0, data[:third]).headers["Upload-Offset"] == str(third)
    part = app.settings.data_dir / "resumable" / f"{upload_id}.part"
    with open(part, "ab") as partial:  # what the server had stored when the connection broke
        partial.write(data[third:third + 1000])
    # The client asks where to resume, and a stale offset is refused.
    offset = tus_offset(client, token, location)
    assert offset == third + 1000
    assert tus_patch(client, token, location, third, data[third:]).status_code == 409
    for start in range(offset, len(data), 50_000):
        response = tus_patch(client, token, location, start, data[start:start + 50_000])
        assert response.status_code == 204 and response.headers["Upload-Expires"].endswith("GMT")
    assert tus_offset(client, token, location) == len(data)

    created = client.post("/api/videos", json={"upload_id": upload_id, "title": "Resumed"}, headers=bearer(token))
    assert created.status_code == 202, created.json
    video = client.get(created.json["url"], headers=bearer(token)).json
    assert video["status"] == "ready" and video["title"] == "Resumed" and video["source"]["name"] == "clip.mp4"
    assert video["source"]["sha256"] == hashlib.sha256(data).hexdigest() and video["source"]["size"] == len(data)
    stored = app.settings.data_dir / "uploads" / video["id"] / "source"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert client.head(location, headers={**TUS, **bearer(token)}).status_code == 404  # consumed


def test_identical_file_is_offered_as_the_existing_video(client, tokens, clips):
    data = clips["clip"].read_bytes()
    ids = []
    for _ in range(2):
        location = tus_create(client, tokens["producer"], len(data))
        tus_patch(client, tokens["producer"], location, 0, data)
        ids.append(client.post("/api/videos", json={"upload_id": location.rsplit("/", 1)[1]},
                               headers=bearer(tokens["producer"])))
    assert ids[0].status_code == 202 and ids[1].status_code == 200
    assert ids[1].json["duplicate"] is True and ids[1].json["id"] == ids[0].json["id"]
    # The contract's multipart upload still creates a video, and says what it duplicates.
    again = client.post("/api/videos", headers=bearer(tokens["producer"]),
                        data={"file": (open(clips["clip"], "rb"), "again.mp4")})
    assert again.status_code == 202 and again.json["duplicate_of"] == ids[0].json["id"]


def test_protocol_errors(client, tokens):
    token = tokens["producer"]
    assert client.post("/api/uploads/", headers={**bearer(token), "Upload-Length": "10"}).status_code == 412
    assert client.post("/api/uploads/", headers={**TUS, **bearer(token)}).status_code == 400
    # Latin-1 '²' passes str.isdigit() but is no size.
    assert client.post("/api/uploads/", headers={**TUS, **bearer(token), "Upload-Length": "\xb2"}).status_code == 400
    assert client.post("/api/uploads/", headers={**TUS, **bearer(token), "Upload-Length": str(6 * 1024 * 1024)}).status_code == 413
    assert client.post("/api/uploads/", headers={**TUS, "Upload-Length": "10"}).status_code == 401
    location = tus_create(client, token, 10)
    wrong_type = client.patch(location, data=b"x", headers={**TUS, **bearer(token), "Upload-Offset": "0",
                                                           "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    odd_offset = client.patch(location, data=b"x", headers={**TUS, **bearer(token), "Upload-Offset": "\xb2",
                                                            "Content-Type": "application/offset+octet-stream"})
    assert odd_offset.status_code == 409
    assert client.head(location, headers={**TUS, **bearer(tokens["other"])}).status_code == 404
    assert client.post("/api/videos", json={"upload_id": location.rsplit("/", 1)[1]},
                       headers=bearer(token)).json["error"]["code"] == "incomplete_upload"
    assert client.delete(location, headers={**TUS, **bearer(token)}).status_code == 204
    assert client.head(location, headers={**TUS, **bearer(token)}).status_code == 404
    assert client.head("/api/uploads/..%2f..%2fvideodesk", headers={**TUS, **bearer(token)}).status_code == 404


def test_abandoned_uploads_expire_and_are_cleaned_up(app, client, tokens):
    location = tus_create(client, tokens["producer"], 100)
    tus_patch(client, tokens["producer"], location, 0, b"x" * 40)
    upload_id = location.rsplit("/", 1)[1]
    folder = app.settings.data_dir / "resumable"
    record = json.loads((folder / f"{upload_id}.json").read_text())
    record["expires"] = time.time() - 1
    (folder / f"{upload_id}.json").write_text(json.dumps(record))
    fresh = tus_create(client, tokens["producer"], 100)
    with app.app_context():
        assert resumable.remove_expired() == 1
    assert not list(folder.glob(f"{upload_id}.*"))
    assert client.head(location, headers={**TUS, **bearer(tokens["producer"])}).status_code == 404
    assert tus_offset(client, tokens["producer"], fresh) == 0


@pytest.fixture
def agency(clips):
    """A local 'agency' site: a page with JSON-LD metadata and the video it points to."""
    site = FileServer("127.0.0.1")
    site.clip = clips["clip"].read_bytes()
    site.add("/clip.mp4", site.clip, "video/mp4")
    ld = {"@context": "https://schema.org", "@type": "VideoObject", "name": "Harbour storm footage",
          "description": "Waves over the pier.", "uploadDate": "2026-11-20",
          "author": {"@type": "Person", "name": "Agency Camera"},
          "contentUrl": site.url + "/clip.mp4", "thumbnailUrl": site.url + "/t.jpg",
          "license": "https://creativecommons.org/licenses/by/4.0/"}
    site.add("/story.html", f'<html><head><title>Harbour storm footage</title><script type="application/ld+json">'
                            f'{json.dumps(ld)}</script></head><body>Storm</body></html>', "text/html")
    site.add("/plain.html", "<html><head><title>Just text</title></head><body>No video here.</body></html>", "text/html")
    yield site
    site.close()


def test_loopback_urls_are_refused_by_default(client, tokens, agency):
    for url in (agency.url + "/clip.mp4", "http://localhost/x.mp4", "http://10.0.0.8/x.mp4", "http://[::1]/x",
                "ftp://example.com/x.mp4", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data",
                "http://[::1/x.mp4"):
        response = client.post("/api/videos", json={"source_url": url}, headers=bearer(tokens["producer"]))
        assert response.status_code == 400 and response.json["error"]["code"] == "url_not_allowed", url
    assert agency.requests == []


@pytest.fixture
def import_app(tmp_path):
    return make_app(tmp_path / "data", queue_immediate=True, import_allow_private=True, import_rate_per_hour=3)


def _token(app, role="producer", name="importer"):
    from videodesk.auth.tokens import issue_token
    from videodesk.core import db
    from videodesk.core.models import User
    with app.app_context():
        user = User(name=name, role=role)
        db.session().add(user)
        token = issue_token(user)
        db.session().commit()
    return token


def test_url_import_end_to_end_keeps_attribution(import_app, agency):
    client, token = import_app.test_client(), _token(import_app)
    accepted = client.post("/api/videos", json={"source_url": agency.url + "/story.html"}, headers=bearer(token))
    assert accepted.status_code == 202
    video = client.get(accepted.json["url"], headers=bearer(token)).json
    assert video["status"] == "ready", video["error"]
    assert video["title"] == "Harbour storm footage" and video["source"]["kind"] == "url"
    credit = video["attribution"]
    assert credit["description"] == "Waves over the pier." and credit["original_url"] == agency.url + "/story.html"
    assert credit["upload_date"] == "20261120" and credit.get("uploader") == "Agency Camera"
    assert video["source"]["sha256"] == hashlib.sha256(agency.clip).hexdigest()
    assert "/clip.mp4" in agency.requests

    story = client.post("/api/stories", headers=bearer(_token(import_app, "editor", "editor-x")), json={
        "headline": "Storm", "video_id": video["id"], "status": "published"}).json
    html = client.get(story["url"]).get_data(as_text=True)
    assert 'class="attribution"' in html and "Harbour storm footage" in html and "Agency Camera" in html


def test_url_import_failures_are_clear(import_app, agency):
    client, token = import_app.test_client(), _token(import_app)
    missing = client.post("/api/videos", json={"source_url": agency.url + "/missing.mp4"}, headers=bearer(token))
    video = client.get(missing.json["url"], headers=bearer(token)).json
    assert video["status"] == "failed" and "404" in video["error"]
    client.post("/api/videos", json={"source_url": agency.url + "/clip.mp4"}, headers=bearer(token))
    client.post("/api/videos", json={"source_url": agency.url + "/clip.mp4"}, headers=bearer(token))
    limited = client.post("/api/videos", json={"source_url": agency.url + "/clip.mp4"}, headers=bearer(token))
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"


def test_yt_dlp_connections_are_checked_at_connect_time(agency, tmp_path):
    """Even a URL that passed the up-front check (think DNS rebinding or a redirect) cannot make
    the importer connect to a private address: yt-dlp's sockets are guarded."""
    from videodesk.ingest.url_import import download
    from videodesk.media.runner import MediaError
    with pytest.raises(MediaError, match="private or local address"):
        download(agency.url + "/clip.mp4", tmp_path, allow_private=False, max_bytes=10**8, max_duration=3600, timeout=5)
    assert agency.requests == []


def test_a_refused_address_is_named_even_when_its_port_reads_404():
    """The reason comes from what happened, not from digits in the URL (a port like 40412 once
    turned a refused private address into "not found")."""
    from yt_dlp.utils import DownloadError

    from videodesk.ingest.url_import import _reason
    blocked = DownloadError("ERROR: Unable to download webpage: <urlopen error connection to 127.0.0.1 refused:"
                            " not a public address> (caused by http://127.0.0.1:40412/clip.mp4)")
    assert "private or local address" in _reason(blocked)
    assert "404" not in _reason(DownloadError("ERROR: Unable to download http://127.0.0.1:40412/a.mp4: timed out"))
    assert "404" in _reason(DownloadError("ERROR: Unable to download webpage: HTTP Error 404: Not Found"))


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True), ("127.0.0.1", False),
    ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False), ("169.254.169.254", False),
    ("100.64.0.1", False), ("224.0.0.1", False), ("0.0.0.0", False), ("::1", False), ("fe80::1%eth0", False),
    ("fc00::1", False), ("::ffff:127.0.0.1", False),
])
def test_address_policy(address, public):
    assert netguard.is_public(address) is public


def test_page_without_a_video_is_an_unsupported_link(import_app, agency):
    client, token = import_app.test_client(), _token(import_app)
    accepted = client.post("/api/videos", json={"source_url": agency.url + "/plain.html"}, headers=bearer(token))
    video = client.get(accepted.json["url"], headers=bearer(token)).json
    assert video["status"] == "failed" and video["error"] == "This site or link is not supported for import."
