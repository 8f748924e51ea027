"""Playback analytics without a browser: beacon validation, bucket math, percentiles from the
startup histogram, the period rules, and beacons summed into the database by the Flask client."""
import json
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select, text

from videodesk.core import db, migrate
from videodesk.core.errors import Invalid
from videodesk.core.models import PlaybackBin, PlaybackMinute, Story, User, Video
from videodesk.newsroom.playback import beacons, report, sums
from videodesk.web.studio import charts

from .helpers import bearer, check_against_document, csrf_from, database_before, make_app, make_tokens
from .servers import wait_until

VIDEO = "abcdefghjkmnpqrs"


def beacon(**fields):
    return beacons.parse({"video": VIDEO, "surface": "article", **fields})


@pytest.mark.parametrize("bad", [
    None, [], "x", {"video": VIDEO}, {"video": "../etc", "surface": "article"},
    {"video": VIDEO, "surface": "studio"}, {"video": VIDEO, "surface": "article", "ip": "1.2.3.4"},
    {"video": VIDEO, "surface": "article", "watch_ms": -1}, {"video": VIDEO, "surface": "article", "watch_ms": 1.5},
    {"video": VIDEO, "surface": "article", "watch_ms": True}, {"video": VIDEO, "surface": "article", "view": 1},
    {"video": VIDEO, "surface": "article", "startup_ms": 10 ** 9},
    {"video": VIDEO, "surface": "article", "seen": [100]}, {"video": VIDEO, "surface": "article", "seen": [3, 3]},
    {"video": VIDEO, "surface": "article", "seen": list(range(101))},
    {"video": VIDEO, "surface": "article", "heights": [[720]]}, {"video": VIDEO, "surface": "article", "heights": [[0, 5]]},
    {"video": VIDEO, "surface": "article", "error": {"code": 2, "stack": "..."}},
    {"video": VIDEO, "surface": "article", "error": {"code": "x"}},
])
def test_bad_beacons_are_refused(bad):
    with pytest.raises(Invalid) as refused:
        beacons.parse(bad)
    assert refused.value.code == "invalid_beacon"


def test_a_full_beacon_is_read():
    read = beacon(view=True, startup_ms=640, watch_ms=9000, stall_ms=300, stalls=1, seen=[0, 1, 2],
                  heights=[[720, 8000], [360, 1000]], switches=1, error={"code": 2, "fatal": False})
    assert read.startup_ms == 640 and read.seen == (0, 1, 2) and read.heights == ((720, 8000), (360, 1000))
    assert read.error_code == 2 and read.error_fatal is False


def test_the_biggest_beacon_the_player_sends_is_under_2_kb():
    biggest = {"video": VIDEO, "surface": "article", "view": True, "startup_ms": 600000, "watch_ms": 3600000,
               "stall_ms": 3600000, "stalls": 1000, "seen": list(range(100)), "heights": [[8192, 3600000]] * 8,
               "switches": 1000, "error": {"code": 99, "fatal": True}, "exit_before_start": False}
    assert len(json.dumps(biggest, separators=(",", ":"))) < 2048
    beacons.parse(biggest)


def test_beacons_sum_into_minute_buckets_and_histograms():
    total = sums.Sums()
    total.add(beacon(view=True, startup_ms=500, seen=[0, 1]), minute=100)
    total.add(beacon(watch_ms=4000, stall_ms=1000, stalls=1, seen=[2], heights=[[720, 4000]]), minute=100)
    total.add(beacon(view=True, startup_ms=8000, seen=[0]), minute=101)
    total.add(beacons.parse({"video": VIDEO, "surface": "embed", "view": True, "exit_before_start": True}), minute=101)
    first = total.minutes[(VIDEO, 100, "article")]
    assert (first.views, first.plays, first.watch_ms, first.stall_ms, first.stalls) == (1, 1, 4000, 1000, 1)
    assert first.startup_score_sum == pytest.approx(8 / 8.5)
    assert total.minutes[(VIDEO, 101, "article")].startup_score_sum == pytest.approx(0.5)
    assert total.minutes[(VIDEO, 101, "embed")].exits_before_start == 1
    assert total.bins[(VIDEO, 100, sums.RETENTION, 0)] == 1 and total.bins[(VIDEO, 101, sums.RETENTION, 0)] == 1
    assert total.bins[(VIDEO, 100, sums.STARTUP, sums.startup_bin(500))] == 1
    assert total.bins[(VIDEO, 100, sums.RENDITION, 720)] == 4000
    other = sums.Sums()
    other.add(beacon(view=True), minute=100)
    total.merge(other)
    assert total.minutes[(VIDEO, 100, "article")].views == 2


def test_beacons_naming_too_many_videos_wait_for_the_next_interval(monkeypatch):
    monkeypatch.setattr(sums, "MAX_VIDEOS", 2)
    total = sums.Sums()
    added = [total.add(beacons.parse({"video": video, "surface": "embed", "view": True}), minute=1)
             for video in ("a" * 16, "b" * 16, "a" * 16, "c" * 16)]
    assert added == [True, True, True, False] and total.videos == {"a" * 16, "b" * 16}


def test_startup_classes_and_percentiles_from_the_histogram():
    assert sums.startup_bin(0) == 0 and sums.startup_bin(99) == 0 and sums.startup_bin(100) == 1
    assert sums.startup_bin(599_999) == len(sums.STARTUP_EDGES_MS) - 1
    assert report.percentile({}, 0.5) is None
    # 10 plays in [500, 750): the median interpolates to the middle of the class.
    assert report.percentile({sums.startup_bin(600): 10}, 0.5) == pytest.approx(625)
    # 90 fast plays and 10 slow ones: p50 is fast, p95 falls in the slow class.
    histogram = {sums.startup_bin(150): 90, sums.startup_bin(3500): 10}
    assert 100 <= report.percentile(histogram, 0.5) < 200
    assert 3000 <= report.percentile(histogram, 0.95) < 5000


def test_periods_default_to_the_last_7_days_and_refuse_bad_values():
    now = datetime(2026, 12, 4, 15, 30, 20, tzinfo=UTC)
    span = report.period(None, None, now=now)
    assert span.end == datetime(2026, 12, 4, 15, 31, tzinfo=UTC) and (span.end - span.start).days == 7
    days = report.period("2026-12-01", "2026-12-03")
    assert days.start == datetime(2026, 12, 1, tzinfo=UTC) and days.end == datetime(2026, 12, 4, tzinfo=UTC)
    assert [d.isoformat() for d in days.days()] == ["2026-12-01", "2026-12-02", "2026-12-03"]
    moment = report.period("2026-12-01T10:00:00+01:00", "2026-12-01T12:00")
    assert moment.start == datetime(2026, 12, 1, 9, tzinfo=UTC) and moment.minutes[1] - moment.minutes[0] == 180
    for bad in (("yesterday", None), ("2026-12-05", "2026-12-01"), ("2020-01-01", "2026-01-01"), (None, "2026-13-01"),
                (None, "0001-01-01"), (None, "9999-12-31"), ("9999-12-31T23:59:00-14:00", None)):
        with pytest.raises(Invalid):
            report.period(*bad)


def _library(app) -> dict:
    """A producer's video with a published story, and one no story publishes."""
    with app.app_context():
        session = db.session()
        owner = session.scalar(select(User).where(User.name == "producer"))
        public, private = Video(title="Flood", owner_id=owner.id, duration=20.0), Video(title="Draft", owner_id=owner.id)
        session.add_all([public, private])
        session.flush()
        session.add(Story(slug="flood", headline="Flood", status="published", published_at=datetime.now(UTC),
                          video_id=public.id))
        session.commit()
        return {"public": public.id, "private": private.id}


@pytest.fixture
def site(tmp_path):
    app = make_app(tmp_path / "data", analytics_flush_s=0)
    tokens = make_tokens(app)
    return app.test_client(), tokens, _library(app)


def _send(client, video_id, **fields):
    return client.post("/beacon", data=json.dumps({"video": video_id, "surface": "article", **fields}),
                       content_type="text/plain")  # sendBeacon's Blob type; the route reads any


def test_beacons_become_the_video_report(site):
    client, tokens, videos = site
    video = videos["public"]
    for startup in (400, 600, 2500):
        assert _send(client, video, view=True, startup_ms=startup, seen=list(range(50))).status_code == 204
        assert _send(client, video, watch_ms=9000, stall_ms=1000, stalls=1, seen=list(range(50, 60)),
                     heights=[[720, 9000]]).status_code == 204
    _send(client, video, surface="embed", view=True, exit_before_start=True)
    _send(client, video, surface="watch", view=True, error={"code": 4, "fatal": True})
    answer = client.get(f"/api/videos/{video}/analytics", headers=bearer(tokens["producer"]))
    assert answer.status_code == 200, answer.json
    data = answer.json
    check_against_document(client, data, "PlaybackReport")
    assert (data["views"], data["plays"], data["exits_before_start"], data["errors"]) == (5, 3, 1, 1)
    assert data["watch_time_s"] == 27.0 and data["rebuffer_ratio"] == pytest.approx(0.1)
    assert data["error_rate"] == pytest.approx(0.2)
    assert 500 <= data["startup_ms"]["p50"] < 750 and 2000 <= data["startup_ms"]["p95"] < 3000
    assert data["startup_score"] == pytest.approx((8 / 8.4 + 8 / 8.6 + 8 / 10.5) / 3, abs=1e-4)
    assert len(data["retention"]) == 100 and data["retention"][0] == 1.0 and data["retention"][59] == 1.0
    assert data["retention"][60] == 0.0
    assert data["by_surface"] == {"article": {"views": 3, "plays": 3, "watch_time_s": 27.0},
                                  "watch": {"views": 1, "plays": 0, "watch_time_s": 0.0},
                                  "embed": {"views": 1, "plays": 0, "watch_time_s": 0.0}}
    assert len(data["by_day"]) == 8 and data["by_day"][-1]["views"] == 5 and data["by_day"][0]["views"] == 0
    assert data["renditions"] == [{"height": 720, "watch_share": 1.0}]


def test_bad_beacons_get_a_json_error_and_private_videos_are_not_counted(site):
    client, tokens, videos = site
    refused = _send(client, videos["public"], surface="studio")
    assert refused.status_code == 400 and refused.json["error"]["code"] == "invalid_beacon"
    assert client.post("/beacon", data="not json").status_code == 400
    assert client.post("/beacon", data="x" * 5000).status_code == 413
    assert _send(client, videos["private"], view=True).status_code == 204
    assert _send(client, "a" * 16, view=True).status_code == 204  # no such video: nothing to refuse cheaply
    private = client.get(f"/api/videos/{videos['private']}/analytics", headers=bearer(tokens["producer"])).json
    assert private["views"] == 0 and private["retention"] == [0.0] * 100 and private["startup_score"] is None


def test_who_sees_analytics_and_the_rankings(site):
    client, tokens, videos = site
    _send(client, videos["public"], view=True, startup_ms=300, seen=list(range(25)))
    path = f"/api/videos/{videos['public']}/analytics"
    assert client.get(path, headers=bearer(tokens["other"])).status_code == 404
    assert client.get(path, headers=bearer(tokens["editor"])).status_code == 200
    assert client.get(path).status_code == 401
    bad = client.get(path + "?from=last-week", headers=bearer(tokens["editor"]))
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_field"
    ranking = client.get("/api/analytics?from=2026-01-01", headers=bearer(tokens["editor"]))
    assert ranking.status_code == 200, ranking.json
    check_against_document(client, ranking.json, "PlaybackRanking")
    top = ranking.json["videos"]["by_views"][0]
    assert top["id"] == videos["public"] and top["views"] == 1 and top["completion"] == 0.25
    assert ranking.json["stories"]["by_completion"][0]["slug"] == "flood"
    assert client.get("/api/analytics", headers=bearer(tokens["other"])).json["videos"]["by_views"] == []
    assert client.get("/api/analytics?limit=0", headers=bearer(tokens["editor"])).status_code == 400


def test_a_process_writes_its_sums_in_the_background(tmp_path):
    app = make_app(tmp_path / "data", analytics_flush_s=0.2)
    tokens = make_tokens(app)
    videos = _library(app)
    client = app.test_client()
    for _ in range(20):
        _send(client, videos["public"], view=True)

    def views():
        return client.get(f"/api/videos/{videos['public']}/analytics", headers=bearer(tokens["editor"])).json["views"]

    assert wait_until(lambda: views() == 20, timeout=10, what="the recorder's thread to write 20 views")


@pytest.mark.postgres
def test_many_writers_add_to_the_same_rows_on_postgresql(pg_app):
    make_tokens(pg_app)
    video = _library(pg_app)["public"]
    writers, rounds = 6, 20

    def write():
        for _ in range(rounds):
            batch = sums.Sums()
            for surface in ("embed", "article"):  # opposite key orders in each batch
                batch.add(beacons.parse({"video": video, "surface": surface, "view": True, "startup_ms": 700,
                                         "seen": [0, 1, 2]}), minute=29_000_000)
            with pg_app.app_context():
                batch.write()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with pg_app.app_context():
        session = db.session()
        assert session.scalar(select(func.sum(PlaybackMinute.views))) == writers * rounds * 2
        assert session.scalar(select(PlaybackBin.count).where(PlaybackBin.kind == "retention", PlaybackBin.bin == 2)) \
            == writers * rounds * 2


def test_chart_geometry():
    assert [charts.nice_ceiling(v) for v in (0, 3, 7, 12, 180, 2400)] == [1, 5, 10, 20, 200, 2500]
    retention = charts.retention_chart([1.0] * 60 + [0.0] * 40, 20.0, [{"start": 0, "title": "Intro"},
                                                                         {"start": 10, "title": "Weather"}], 5.0)
    assert [(m.kind, m.label) for m in retention.marks] == [("chapter", "Intro"), ("chapter", "Weather"), ("poster", "Poster")]
    assert retention.marks[1].x == pytest.approx((charts.LEFT + charts.RIGHT) / 2)
    assert [t.label for t in retention.x_ticks] == ["0:00", "0:05", "0:10", "0:15", "0:20"]
    assert "100% at the middle" in retention.summary and "0% at the end" in retention.summary
    days = [{"day": f"2026-12-0{n}", "views": n, "startup_ms": {"p50": None if n == 2 else 100.0 * n, "p95": None}}
            for n in (1, 2, 3)]
    startup = charts.startup_chart(days)
    assert startup.lines[1].path.count("M") == 2  # the day without plays breaks the median line
    views = charts.views_chart(days)
    assert [bar.label for bar in views.bars][-1] == "2026-12-03: 3 views" and views.y_ticks[-1].label == "5"
    assert charts.views_chart(days[:1]).y_ticks[-1].label == "2"


def test_the_studio_shows_the_charts_and_the_dashboard_the_top_videos(site):
    client, tokens, videos = site
    _send(client, videos["public"], view=True, startup_ms=450, seen=list(range(30)), watch_ms=6000)
    login = csrf_from(client.get("/studio/login").get_data(as_text=True))
    client.post("/studio/login", data={"token": tokens["editor"], "csrf_token": login})
    page = client.get(f"/studio/videos/{videos['public']}").get_data(as_text=True)
    assert 'data-chart="retention"' in page and 'data-chart="views"' in page and 'data-chart="startup"' in page
    assert '<dd class="figure-views">1</dd>' in page and '<dd class="figure-startup-score">95</dd>' in page
    dashboard = client.get("/studio/dashboard").get_data(as_text=True)
    assert "Most watched" in dashboard and dashboard.count(f"/studio/videos/{videos['public']}") == 2


def test_the_migration_keeps_the_old_watch_counts_as_views_and_errors(tmp_path):
    url = database_before(tmp_path, "0019_analytics")
    with create_engine(url).begin() as connection:
        connection.execute(text(
            "INSERT INTO videos (id, title, status, progress, source_kind, source_name, outputs, pipeline_state, "
            "created_at, updated_at) VALUES ('abcdefghjkmnpqrs', 'Old', 'ready', 1, 'upload', 'old.mp4', '{}', '{}', "
            "'2026-11-01 00:00:00', '2026-11-01 00:00:00')"))
        for day, event, count in (("2026-11-30", "play", 7), ("2026-11-30", "error", 1), ("2026-11-30", "q25", 5),
                                  ("2026-12-01", "play", 2)):
            connection.execute(text("INSERT INTO watch_counts VALUES ('abcdefghjkmnpqrs', :day, :event, :count)"),
                               {"day": day, "event": event, "count": count})
    migrate.upgrade(url)
    with create_engine(url).connect() as connection:
        rows = connection.execute(text("SELECT minute, surface, views, plays, errors FROM playback_minutes ORDER BY minute")).all()
    november_30 = int(datetime(2026, 11, 30, tzinfo=UTC).timestamp() // 60)
    assert rows == [(november_30, "article", 7, 0, 1), (november_30 + 1440, "article", 2, 0, 0)]
