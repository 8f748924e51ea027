"""Find the quote: caption cues in full-text search (SQLite FTS5 here, PostgreSQL below), following
edits and deletions, limited to the videos the asker may manage, and in the studio library."""
import pytest

from .helpers import bearer, make_tokens, ready_video, sign_in

EDITED = {"cues": [{"start": 0.5, "end": 1.5, "text": "Harbour wall repairs begin"},
                   {"start": 1.7, "end": 2.8, "text": "Ferries keep running"}]}


def search(client, token, q):
    response = client.get("/api/search", query_string={"q": q}, headers=bearer(token))
    assert response.status_code == 200, response.json
    return response.json["results"]


def check_search_follows_edits_and_deletion(client, tokens, video):
    producer = tokens["producer"]
    [hit] = search(client, producer, "second line")
    assert hit == {"video_id": video["id"], "title": "Flood defences", "track_id": video["captions"][0]["id"],
                   "lang": "en", "start": 1.4, "end": 2.6, "text": "Second caption line"}
    assert len(search(client, producer, "caption")) == 2
    assert client.put(f"{video['url']}/captions/en", json=EDITED, headers=bearer(producer)).status_code == 200
    assert search(client, producer, "second line") == []
    [hit] = search(client, producer, "ferries")
    assert (hit["start"], hit["end"], hit["text"]) == (1.7, 2.8, "Ferries keep running")
    assert search(client, tokens["other"], "ferries") == []
    assert search(client, tokens["editor"], "ferries") == [hit]
    assert client.delete(video["url"], headers=bearer(producer)).status_code == 204
    assert search(client, tokens["editor"], "ferries") == []


def test_search_follows_edits_and_deletion(ready):
    check_search_follows_edits_and_deletion(ready.client, ready.tokens, ready.video)


@pytest.mark.postgres
def test_search_on_postgresql(pg_app, clips):
    client, tokens = pg_app.test_client(), make_tokens(pg_app)
    check_search_follows_edits_and_deletion(client, tokens, ready_video(client, tokens, clips))


@pytest.mark.parametrize("query, code", [({}, "missing_field"), ({"q": "  "}, "missing_field"),
                                         ({"q": "x" * 201}, "invalid_field"), ({"q": "?! --"}, "invalid_field")])
def test_a_search_needs_words(client, tokens, query, code):
    response = client.get("/api/search", query_string=query, headers=bearer(tokens["producer"]))
    assert response.status_code == 400 and response.json["error"]["code"] == code


def test_search_syntax_is_just_words(ready):
    client, tokens = ready.client, ready.tokens
    assert search(client, tokens["producer"], 'first" OR NEAR(line*') == []
    assert len(search(client, tokens["producer"], "FIRST, line!")) == 1
    assert client.get("/api/search?q=line").status_code == 401


def test_studio_library_shows_quotes_that_open_the_player_at_their_second(ready):
    client, tokens = ready.client, ready.tokens
    video = ready.video
    sign_in(client, tokens["producer"])
    page = client.get("/studio/?q=second+line").get_data(as_text=True)
    link = f'/studio/videos/{video["id"]}?t=1'
    assert f'href="{link}"' in page and "Second caption line" in page and ">0:01</time>" in page
    assert client.get(link).status_code == 200  # static/player.js starts any player at ?t= (tests/test_editing_browser.py)


SPLIT = {"cues": [{"start": 10.0, "end": 12.5, "text": "The minister said the talks were useful"},
                  {"start": 12.6, "end": 15.0, "text": "but difficult, and that more rounds"},
                  {"start": 15.2, "end": 17.0, "text": "would follow in the spring."},
                  {"start": 30.0, "end": 32.0, "text": "Talks were useful but difficult, she repeated."}]}


def check_a_phrase_split_over_two_cues_is_found(client, tokens, video):
    producer = tokens["producer"]
    assert client.put(f"{video['url']}/captions/en", json=SPLIT, headers=bearer(producer)).status_code == 200
    exact, split = search(client, producer, "talks were useful but difficult")
    # The phrase inside one cue ranks first; the split one starts at its first cue and ends with the second.
    assert (exact["start"], exact["end"]) == (30.0, 32.0)
    assert (split["start"], split["end"]) == (10.0, 15.0)
    assert split["text"] == "The minister said the talks were useful but difficult, and that more rounds"
    # Recogniser differences: another form of the words, an inserted or dropped "the".
    assert sorted(hit["start"] for hit in search(client, producer, "talk was useful")) == [10.0, 30.0]
    assert search(client, producer, "said talks were useful")[0]["start"] == 10.0
    assert search(client, producer, "rounds would follow the spring")[0]["start"] == 12.6
    # Words wholly inside the second cue answer with that cue, not the window before it.
    assert [hit["start"] for hit in search(client, producer, "spring")] == [15.2]


def test_a_phrase_split_over_two_cues_is_found(ready):
    check_a_phrase_split_over_two_cues_is_found(ready.client, ready.tokens, ready.video)


@pytest.mark.postgres
def test_a_phrase_split_over_two_cues_is_found_on_postgresql(pg_app, clips):
    client, tokens = pg_app.test_client(), make_tokens(pg_app)
    check_a_phrase_split_over_two_cues_is_found(client, tokens, ready_video(client, tokens, clips))


def test_a_search_is_bounded_in_words(client, tokens):
    response = client.get("/api/search", query_string={"q": "a " * 30}, headers=bearer(tokens["producer"]))
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_field"
