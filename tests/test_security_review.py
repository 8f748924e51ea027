"""Third security review (docs/SECURITY.md, issue 21), in-process: CSRF tokens that are not ASCII
(finding 11), the page cache's key, safe names, draft headlines (finding 12) and ids beyond any row on
every route (finding 14)."""
import pytest
from yt_dlp.postprocessor import FFmpegFixupM3u8PP

from videodesk.core import db, storage
from videodesk.core.models import Story
from videodesk.ingest import url_import
from videodesk.web import caching

from .helpers import bearer, make_app, make_tokens, sign_in

HUGE_IDS = ("6189005991346942", str(2 ** 31), str(2 ** 64 + 5), "9" * 40)


@pytest.fixture
def site(tmp_path):
    app = make_app(tmp_path / "data", base_url="https://news.example.com/")
    return app, make_tokens(app)


# Finding 11 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", ["é" * 64, "\u2028", "x" * 5000])
def test_a_malformed_csrf_token_is_refused_not_a_500(site, token):
    app, tokens = site
    client = app.test_client()
    sign_in(client, tokens["producer"])
    form = client.post("/studio/logout", data={"csrf_token": token})
    assert form.status_code == 400, form.get_data(as_text=True)
    header = client.post("/api/stories", json={"headline": "x"},
                         headers={"X-CSRF-Token": token.encode("utf-8").decode("latin-1")})
    assert header.status_code == 401, header.get_data(as_text=True)


# Finding 12 ---------------------------------------------------------------------------------------

def test_forged_hosts_share_one_cached_page_when_the_base_url_is_set(site):
    app, _ = site
    client = app.test_client()
    for number in range(50):
        assert client.get("/", headers={"Host": f"forged{number}.example"}).status_code == 200
    assert [key for key in app.extensions[caching.EXTENSION] if key[0] == "home"] == [
        ("home", "https://news.example.com")]


def test_a_safe_name_has_no_trailing_newline():
    assert storage.safe_media_name("k2v7q9x1", "captions-en.vtt")
    assert not storage.safe_media_name("k2v7q9x1", "captions-en.vtt\n")
    assert not storage.safe_media_name("k2v7q9x1\n", "captions-en.vtt")


def test_producers_do_not_see_the_headlines_of_draft_stories(site):
    app, tokens = site
    client = app.test_client()
    with app.app_context():
        from videodesk.newsroom.library import new_video
        video = new_video(None, "Harbour", "clip.mp4")
        db.session().commit()
        video_id = video.id
    # The producer's own video: give it an owner, then an editor's draft and a published story use it.
    with app.app_context():
        from videodesk.core.models import User
        producer = db.session().query(User).filter_by(name="producer").one()
        db.session().get(type(video), video_id).owner_id = producer.id
        db.session().commit()
    for headline, status in (("Secret merger talks", "draft"), ("Harbour reopens", "published")):
        answer = client.post("/api/stories", headers=bearer(tokens["editor"]),
                             json={"headline": headline, "body": "Text.", "video_id": video_id, "status": status})
        assert answer.status_code == 201, answer.json
    sign_in(client, tokens["producer"])
    for page in (f"/studio/videos/{video_id}", f"/studio/videos/{video_id}/delete"):
        html = client.get(page).get_data(as_text=True)
        assert "Harbour reopens" in html and "Secret merger talks" not in html, page
        assert "1 unpublished story" in html, page
    editor = app.test_client()
    sign_in(editor, tokens["editor"])
    assert "Secret merger talks" in editor.get(f"/studio/videos/{video_id}").get_data(as_text=True)


# Finding 14 ---------------------------------------------------------------------------------------

def _api_operations(client):
    document = client.get("/api/openapi.json").json
    for path, methods in document["paths"].items():
        if "{" not in path:
            continue
        for method, operation in methods.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_every_api_route_answers_as_documented_whatever_the_id(site, huge):
    app, tokens = site
    client = app.test_client()
    checked = 0
    for path, method, operation in _api_operations(client):
        url = path.replace("/api", "", 0)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", huge if parameter["name"].endswith("id") else "en")
        answer = client.open(url, method=method.upper(), headers=bearer(tokens["admin"]), json={})
        documented = set(operation["responses"])
        assert str(answer.status_code) in documented, (method, url, answer.status_code, answer.get_data(as_text=True))
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_studio_story_routes_answer_404_whatever_the_id(site, huge):
    app, tokens = site
    client = app.test_client()
    csrf = sign_in(client, tokens["editor"])
    assert client.get(f"/studio/stories/{huge}").status_code == 404
    assert client.post(f"/studio/stories/{huge}", data={"csrf_token": csrf}).status_code == 404
    assert client.get(f"/studio/stories/{huge}/preview").status_code == 404
    assert client.post(f"/studio/stories/1/revisions/{huge}/restore", data={"csrf_token": csrf}).status_code == 404
    with app.app_context():
        assert db.session().query(Story).count() == 0


class _CommandLines:
    """A yt-dlp logger that keeps the command lines its post-processors print in verbose mode."""

    def __init__(self):
        self.lines = []

    def debug(self, message):
        if "command line:" in message:
            self.lines.append(message)

    info = warning = error = debug


def test_yt_dlp_post_processors_probe_only_local_files(tmp_path, clips):
    """yt-dlp's HLS fix-up probes the download with ffprobe; postprocessor_args reach only ffmpeg, so
    the probe must get the protocol whitelist another way (a download that is a playlist would
    otherwise have ffprobe open what it names, within ffmpeg's defaults for files)."""
    download = tmp_path / "download.mp4"
    download.write_bytes(clips["clip"].read_bytes())
    logger = _CommandLines()
    with url_import._SafeYoutubeDL({"verbose": True, "logger": logger}) as ydl:
        ydl.run_pp(FFmpegFixupM3u8PP(ydl), {"filepath": str(download), "ext": "mp4", "protocol": "m3u8_native",
                                            "id": "x", "__files_to_move": {}})
    probes = [line for line in logger.lines if "ffprobe" in line.split("command line:")[1].split()[0]]
    assert probes, logger.lines
    assert all("-protocol_whitelist file " in line for line in probes), probes
