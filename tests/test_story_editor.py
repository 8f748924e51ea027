"""The studio's story editor: placement of the video, scheduling, unpublishing, previews, revisions."""
import re
from datetime import UTC, datetime, timedelta

from .helpers import bearer, sign_in

BODY = "First paragraph.\n\nSecond paragraph.\n\nThird paragraph."


def make_story(client, tokens, video_id=None, **fields):
    data = {"headline": "Editor test", "body": BODY, **({"video_id": video_id} if video_id else {}), **fields}
    return client.post("/api/stories", headers=bearer(tokens["editor"]), json=data).json


def test_watch_block_goes_after_the_chosen_paragraph(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    story = make_story(client, tokens, video["id"], status="published", video_position=1)
    html = client.get(story["url"]).get_data(as_text=True)
    assert html.index("First paragraph.") < html.index("Watch video below:") < html.index("Second paragraph.")
    client.patch(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"]), json={"video_position": None})
    html = client.get(story["url"]).get_data(as_text=True)
    assert html.index("Third paragraph.") < html.index("Watch video below:")


def test_scheduled_stories_appear_only_when_their_time_comes(client, tokens):
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    story = make_story(client, tokens, status="published", published_at=later)
    assert client.get(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"])).json["scheduled"] is True
    assert client.get(story["url"]).status_code == 404
    assert story["url"] not in client.get("/sitemap.xml").get_data(as_text=True)
    earlier = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    client.patch(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"]), json={"published_at": earlier})
    assert client.get(story["url"]).status_code == 200
    bad = client.patch(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"]), json={"published_at": "soon"})
    assert bad.status_code == 400 and "ISO 8601" in bad.json["error"]["message"]


def editor_form(client, story_id) -> dict:
    html = client.get(f"/studio/stories/{story_id}").get_data(as_text=True)
    value = dict(re.findall(r'name="(headline|dek|byline|section|video_id)"[^>]*value="([^"]*)"', html))
    value["body"] = re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    value["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return value


def test_editor_publishes_unpublishes_and_restores_revisions(client, tokens):
    story = make_story(client, tokens)
    sign_in(client, tokens["editor"])
    form = editor_form(client, story["id"])
    saved = client.post(f"/studio/stories/{story['id']}", data={**form, "headline": "Changed headline",
                                                                 "action": "publish"})
    assert saved.status_code == 200 and "Saved." in saved.get_data(as_text=True)
    assert "Changed headline" in client.get(story["url"]).get_data(as_text=True)

    bad = client.post(f"/studio/stories/{story['id']}", data={**form, "headline": " ", "action": "save"})
    assert bad.status_code == 400 and "headline" in bad.get_data(as_text=True)

    client.post(f"/studio/stories/{story['id']}", data={**form, "headline": "Changed headline", "action": "unpublish"})
    assert client.get(story["url"]).status_code == 404
    preview = client.get(f"/studio/stories/{story['id']}/preview").get_data(as_text=True)
    assert "Preview as readers will see it (draft)" in preview and 'content="noindex"' in preview

    page = client.get(f"/studio/stories/{story['id']}").get_data(as_text=True)
    revision = re.search(r'“Editor test”\s*<form method="post" action="[^"]*/revisions/(\d+)/restore"', page).group(1)
    client.post(f"/studio/stories/{story['id']}/revisions/{revision}/restore", data={"csrf_token": form["csrf_token"]})
    assert client.get(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"])).json["headline"] == "Editor test"
    audit = client.get("/studio/audit").get_data(as_text=True)
    assert "unpublish" in audit and "publish" in audit


def test_the_editor_lists_the_latest_revisions_of_a_busy_story(client, tokens):
    from videodesk.newsroom.stories import REVISIONS_LISTED
    story = make_story(client, tokens)
    for n in range(REVISIONS_LISTED + 3):
        client.patch(f"/api/stories/{story['id']}", headers=bearer(tokens["editor"]), json={"headline": f"Take {n}"})
    sign_in(client, tokens["editor"])
    page = client.get(f"/studio/stories/{story['id']}").get_data(as_text=True)
    assert page.count("/restore") == REVISIONS_LISTED and "older ones are kept" in page
    assert f"Take {REVISIONS_LISTED + 1}" in page and "“Editor test”" not in page


def test_live_preview_is_sanitized_and_editors_only(client, tokens):
    token = sign_in(client, tokens["editor"])
    answer = client.post("/studio/preview", json={"body": "**bold** <script>alert(1)</script>"},
                         headers={"X-CSRF-Token": token})
    assert answer.json["html"].strip() == "<p><strong>bold</strong> </p>"
    for odd in ([1, 2], "text", {"body": 5}, None):
        answer = client.post("/studio/preview", json=odd, headers={"X-CSRF-Token": token})
        assert answer.status_code == 200 and answer.json["html"] == ""
    story = make_story(client, tokens)
    sign_in(client, tokens["producer"])
    assert client.get(f"/studio/stories/{story['id']}").status_code == 403
    assert client.get(f"/studio/stories/{story['id']}/preview").status_code == 403
