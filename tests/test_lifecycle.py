"""The video lifecycle (videodesk/core/lifecycle): edit jobs keep each other's outputs, and every
transition a state does not allow is refused."""
import json
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, text, update

from videodesk.core import db, migrate
from videodesk.core.lifecycle import IllegalTransition, captioning, ladder, transcript, video
from videodesk.core.lifecycle.states import (
    Captioning,
    CaptioningStatus,
    ClipOrigin,
    Cut,
    InvalidRecord,
    Outputs,
    PipelineState,
    Trim,
    VideoStatus,
)
from videodesk.core.models import LadderPart, Video, utcnow

from .helpers import bearer, make_app


def test_choosing_a_poster_after_a_social_cut_keeps_the_cut(ready):
    """Outputs live in one place: the poster job once copied the pipeline's own list over the
    column, and the social cut made before it was lost."""
    client, tokens, video = ready.client, ready.tokens, ready.video
    producer = bearer(tokens["producer"])
    assert client.post(f"/api/videos/{video['id']}/social-cut", headers=producer, json={"aspect": "9:16"}).status_code == 202
    cut = client.get(video["url"], headers=producer).json["social_cuts"]["9:16"]
    assert client.post(f"/api/videos/{video['id']}/poster", headers=producer, json={"time": 1.0}).status_code == 202

    after = client.get(video["url"], headers=producer).json
    assert after["poster_time"] == 1.0 and after["poster_url"] != video["poster_url"]
    assert after["social_cuts"] == {"9:16": cut}
    assert client.get(cut, headers=producer).status_code == 200


# -- transitions refused (unit tests on a real SQLite session) -----------------------------------
@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """One migrated database for the module: each test makes its own rows."""
    with make_app(tmp_path_factory.mktemp("lifecycle")).app_context():
        yield db.session()


def _video(session, status: VideoStatus, **fields) -> Video:
    video = Video(title="t", status=status, **fields)
    session.add(video)
    session.commit()
    return video


ALL = tuple(VideoStatus)
STATE, OUTPUTS = PipelineState(), Outputs(hls="hls/master.m3u8", mp4="video.mp4")
VIDEO_TRANSITIONS = [
    # (transition, the statuses it may start from)
    (lambda s, v: video.mark_ready(v), {VideoStatus.PROCESSING}),
    (lambda s, v: video.mark_failed(v, "broken"), {VideoStatus.QUEUED, VideoStatus.PROCESSING}),
    (lambda s, v: video.record_steps(v, STATE, OUTPUTS), {VideoStatus.PROCESSING}),
    (lambda s, v: video.note_cut(v, Cut(method="copy", start=0.0, end=1.0)), {VideoStatus.PROCESSING}),
    (lambda s, v: video.note_import(v, {"title": "x"}, 1, "0" * 64), {VideoStatus.PROCESSING}),
    (lambda s, v: video.reset(s, v), {VideoStatus.READY, VideoStatus.FAILED}),
    (lambda s, v: video.set_clip_origin(v, ClipOrigin(id="p", start=0.0, end=1.0)), {VideoStatus.QUEUED}),
    (lambda s, v: video.set_trim(v, Trim(start=0.0, end=1.0)), {VideoStatus.READY, VideoStatus.FAILED}),
    (lambda s, v: video.replace_poster(v, STATE, OUTPUTS), {VideoStatus.READY}),
    (lambda s, v: video.add_social_cut(v, "1:1", "social.mp4"), {VideoStatus.READY}),
]


@pytest.mark.parametrize(("transition", "allowed"), VIDEO_TRANSITIONS)
@pytest.mark.parametrize("status", ALL)
def test_a_video_transition_is_refused_from_every_other_status(session, transition, allowed, status):
    subject = _video(session, status)
    if status in allowed:
        transition(session, subject)
    else:
        with pytest.raises(IllegalTransition):
            transition(session, subject)
        assert subject.status == status


def test_reprocessing_a_busy_video_is_refused_as_busy(session):
    with pytest.raises(IllegalTransition) as refused:
        video.reset(session, _video(session, VideoStatus.PROCESSING))
    assert refused.value.code == "busy"


@pytest.mark.parametrize("status", [s for s in ALL if s != VideoStatus.QUEUED])
def test_only_a_queued_or_stalled_video_is_claimed(session, status):
    subject = _video(session, status)
    assert video.claim(session, subject.id, "me:1", stalled_before=utcnow() - timedelta(hours=1)) is None
    stalled = _video(session, VideoStatus.PROCESSING)
    assert video.claim(session, stalled.id, "me:1", stalled_before=utcnow() + timedelta(seconds=1)).processed_by == "me:1"


CAPTIONING_TRANSITIONS = [
    (lambda s, v: captioning.report(v, 0.5), {CaptioningStatus.RUNNING}),
    (lambda s, v: captioning.grow(v, 1.5), {CaptioningStatus.RUNNING}),
    (lambda s, v: captioning.done(v, "en", 3.0), {CaptioningStatus.RUNNING}),
    (lambda s, v: captioning.follow(v, until=1.0, length=2.0, language="en"),
     {None, CaptioningStatus.QUEUED, CaptioningStatus.RUNNING}),
    (lambda s, v: captioning.fail(v, "no model"), {CaptioningStatus.QUEUED, CaptioningStatus.RUNNING}),
]


@pytest.mark.parametrize(("transition", "allowed"), CAPTIONING_TRANSITIONS)
@pytest.mark.parametrize("status", [None, *CaptioningStatus])
def test_a_captioning_transition_is_refused_from_every_other_status(session, transition, allowed, status):
    subject = _video(session, VideoStatus.READY, captioning=Captioning(status=status) if status else None)
    if status in allowed:
        transition(session, subject)
    else:
        with pytest.raises(IllegalTransition):
            transition(session, subject)


@pytest.mark.parametrize("status", ALL)
def test_captions_are_queued_only_for_a_probed_video_that_has_not_failed(session, status):
    probed = PipelineState(info={"duration": 1.0})
    if status == VideoStatus.FAILED:
        with pytest.raises(IllegalTransition):
            captioning.queue(_video(session, status, pipeline_state=probed))
    else:
        captioning.queue(_video(session, status, pipeline_state=probed))
    with pytest.raises(IllegalTransition):
        captioning.queue(_video(session, status))  # not probed: its sound is unknown


def test_a_transcription_whose_worker_died_is_queued_again(session):
    """A worker killed mid-transcription no longer leaves captioning "running" for ever."""
    subject = _video(session, VideoStatus.READY, captioning=Captioning(status=CaptioningStatus.QUEUED),
                     pipeline_state=PipelineState(info={"duration": 1.0}))
    assert captioning.claim(session, subject.id, "dead:1", stalled_before=utcnow()) is not None
    session.commit()
    assert captioning.claim(session, subject.id, "other:2", stalled_before=utcnow() - timedelta(hours=1)) is None
    assert subject.id in captioning.requeue_stalled(session, stalled_before=utcnow() + timedelta(seconds=1))
    assert subject.captioning.status == CaptioningStatus.QUEUED


def test_a_dead_transcription_is_found_while_its_video_is_still_processing(session):
    """Captioning holds a lease of its own: the video's processing, still reporting (the row's
    updated_at is fresh), does not keep a transcription whose worker died looking alive."""
    subject = _video(session, VideoStatus.PROCESSING, processed_by="alive:1",
                     captioning=Captioning(status=CaptioningStatus.QUEUED),
                     pipeline_state=PipelineState(info={"duration": 1.0}))
    assert captioning.claim(session, subject.id, "dead:1", stalled_before=utcnow()) is not None
    session.execute(update(Video).where(Video.id == subject.id).values(
        captioning=Captioning(status=CaptioningStatus.RUNNING, worker="dead:1",
                              renewed_at=(utcnow() - timedelta(minutes=10)).timestamp()), updated_at=utcnow()))
    session.commit()
    cutoff = utcnow() - timedelta(minutes=5)
    assert video.requeue_stalled(session, cutoff, excluding=[]) == []  # processing reports: it is alive
    assert captioning.requeue_stalled(session, cutoff) == [subject.id]
    session.commit()
    assert subject.status == VideoStatus.PROCESSING and subject.captioning.status == CaptioningStatus.QUEUED
    assert captioning.claim(session, subject.id, "other:2", stalled_before=cutoff).captioning.worker == "other:2"
    session.commit()
    assert captioning.requeue_stalled(session, cutoff) == []  # the new worker's lease is fresh


def test_a_dead_processing_job_is_found_while_its_transcription_still_reports(session):
    """Processing holds a lease of its own too: the transcription beside it moves the row's
    updated_at, and must not keep a processing job whose worker died looking alive."""
    subject = _video(session, VideoStatus.QUEUED, pipeline_state=PipelineState(info={"duration": 1.0}))
    assert video.claim(session, subject.id, "dead:1", stalled_before=utcnow()) is not None
    session.execute(update(Video).where(Video.id == subject.id).values(
        processing_renewed_at=utcnow() - timedelta(minutes=10), updated_at=utcnow(),
        captioning=Captioning(status=CaptioningStatus.RUNNING, worker="alive:2", renewed_at=utcnow().timestamp())))
    session.commit()
    cutoff = utcnow() - timedelta(minutes=5)
    assert captioning.requeue_stalled(session, cutoff) == []
    assert video.requeue_stalled(session, cutoff, excluding=[]) == [subject.id]
    session.commit()
    assert subject.status == VideoStatus.QUEUED and subject.captioning.status == CaptioningStatus.RUNNING
    assert video.claim(session, subject.id, "other:3", stalled_before=cutoff).processed_by == "other:3"
    session.commit()
    assert video.requeue_stalled(session, cutoff, excluding=[]) == []  # the new worker's lease is fresh


def test_a_ladder_part_moves_only_forward(session):
    subject = _video(session, VideoStatus.PROCESSING)
    ladder.plan(session, subject.id, {"0000": 1.0})
    session.commit()
    assert not ladder.done(session, subject.id, "0000")  # queued: not running, so not done
    assert ladder.claim(session, subject.id, "0000", "me:1", stalled_before=utcnow() - timedelta(hours=1))
    assert not ladder.claim(session, subject.id, "0000", "other:2", stalled_before=utcnow() - timedelta(hours=1))
    assert ladder.done(session, subject.id, "0000")
    assert not ladder.claim(session, subject.id, "0000", "other:2", stalled_before=utcnow() + timedelta(hours=1))
    assert not ladder.done(session, subject.id, "0000")


# -- typed state: validated on load, old rows still load ------------------------------------------
def test_old_rows_load_and_wrong_shapes_are_refused():
    old = {"info": {"duration": 3.0}, "done": ["probe"], "outputs": {"hls": "quick/hls/index.m3u8"},
           "language_hint": "fr", "cut": {"method": "copy", "start": 0, "end": 2}}
    state = PipelineState.from_json(old)
    assert state.done == ("probe",) and state.cut == Cut(method="copy", start=0.0, end=2.0)
    assert "outputs" not in state.to_json()
    assert Captioning.from_json({"status": "failed", "error": "stopped"}).progress == 0.0
    assert ClipOrigin.from_json({"id": "v1", "start": 1, "end": 2}).to_json() == {"id": "v1", "start": 1.0, "end": 2.0}
    assert ClipOrigin.from_json({"live_id": "l1", "start": 1, "end": 2}).live_id == "l1"
    for wrong in ({"status": "sleeping"}, {"status": "done", "progress": "half"}, {"status": "done", "colour": 1}):
        with pytest.raises(InvalidRecord):
            Captioning.from_json(wrong)
    with pytest.raises(InvalidRecord):
        ClipOrigin.from_json({"start": 1, "end": 2})


def test_an_edit_jobs_failure_moves_out_of_the_processing_error(tmp_path):
    """0014_lifecycle: a ready video's `error` came from its poster or social-cut job; it becomes that
    job's failure, and `error` means processing again."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(migrate.alembic_config(url), "0019_analytics")
    rows = {"v0000000000000000001": ("ready", "The new poster could not be made: no frame"),
            "v0000000000000000002": ("ready", "The 9:16 social cut could not be made: disk"),
            "v0000000000000000003": ("failed", "The poster step failed: broken file")}
    with create_engine(url).begin() as connection:
        for video_id, (status, error) in rows.items():
            connection.execute(text(
                "INSERT INTO videos (id, title, status, progress, error, source_kind, source_name, outputs, "
                "pipeline_state, created_at, updated_at) VALUES (:id, 't', :status, 1, :error, 'upload', 'a.mp4', "
                "'{}', '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"),
                {"id": video_id, "status": status, "error": error})
    migrate.upgrade(url)
    with create_engine(url).connect() as connection:
        found = {row[0]: (row[1], json.loads(row[2])) for row in connection.execute(
            text("SELECT id, error, edit_errors FROM videos"))}
    assert found == {"v0000000000000000001": (None, {"poster": rows["v0000000000000000001"][1]}),
                     "v0000000000000000002": (None, {"social_cut": rows["v0000000000000000002"][1]}),
                     "v0000000000000000003": (rows["v0000000000000000003"][1], {})}


def test_the_sweep_recovers_a_dead_transcription_and_a_lost_ladder_part(tmp_path):
    """Every job kind is recovered alike: a transcription whose worker was killed is queued and sent
    again, and a queued ladder part whose queue message was lost is sent again (once)."""
    from videodesk.jobs.queue import queue
    app = make_app(tmp_path / "data")  # a real (SQLite) queue, nothing consuming it
    with app.app_context():
        session = db.session()
        probed = PipelineState(info={"duration": 9.0, "audio": {"codec": "aac"}})
        dead = Video(title="dead worker", status=VideoStatus.READY, pipeline_state=probed,
                     captioning=Captioning(status=CaptioningStatus.RUNNING, worker="gone:1"))
        chunked = Video(title="in parts", status=VideoStatus.PROCESSING)
        session.add_all([dead, chunked])
        session.flush()
        ladder.plan(session, chunked.id, {"0000": 0.5, "0001": 0.5, ladder.ASSEMBLE: 0.0})
        session.commit()
        old = utcnow() - timedelta(seconds=app.settings.job_lease_s + 1)
        session.execute(update(Video).values(updated_at=old))
        session.execute(update(LadderPart).values(updated_at=old))
        session.commit()
        queue().recover_stalled()
        sent = sorted((task.name, *task.args) for task in queue().huey.pending())
        assert sent == [("videodesk.ladder_part", chunked.id, "0000"), ("videodesk.ladder_part", chunked.id, "0001"),
                        ("videodesk.transcribe", dead.id)]
        session.refresh(dead)
        assert dead.captioning.status == CaptioningStatus.QUEUED
        queue().recover_stalled()  # sent and touched: not sent twice
        assert len(queue().huey.pending()) == 3


def test_a_transcript_in_parts_is_taken_in_order_and_merged_once(session):
    subject = _video(session, VideoStatus.PROCESSING)
    transcript.plan(session, subject.id, "en", "captions-en-auto-x.vtt", [(0.0, 4.2), (4.2, 8.1), (8.1, 12.0)])
    session.commit()
    long_ago, later = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    assert not transcript.claim(session, subject.id, transcript.MERGE, "me:1", long_ago)  # parts still wait
    assert transcript.claim_next(session, subject.id, "me:1", long_ago) == "0000"
    assert transcript.claim(session, subject.id, "0002", "other:2", long_ago)  # another machine, further on
    transcript.report(session, subject.id, "0000", words=[["The", 0.5, 0.7]], until_s=2.0)
    words, until = transcript.prefix(transcript.parts(session, subject.id))
    assert (words, until) == ([["The", 0.5, 0.7]], 2.0)  # no gap: part 0002's words wait for 0001
    assert transcript.done(session, subject.id, "0000", [["The", 0.5, 0.7], ["port", 0.8, 1.0]], [])
    assert transcript.done(session, subject.id, "0002", [["herring", 9.0, 9.5]], [])
    assert transcript.prefix(transcript.parts(session, subject.id)) == ([["The", 0.5, 0.7], ["port", 0.8, 1.0]], 4.2)
    assert transcript.claim_next(session, subject.id, "me:1", long_ago) == "0001"
    assert not transcript.claim(session, subject.id, "0001", "other:2", long_ago)  # held, its lease fresh
    assert transcript.requeue_stalled(session, later) == [(subject.id, "0001")]  # its worker went silent
    assert transcript.claim(session, subject.id, "0001", "other:2", long_ago)
    assert transcript.done(session, subject.id, "0001", [["gate", 5.0, 5.3]], [])
    assert transcript.prefix(transcript.parts(session, subject.id))[1] == 12.0
    assert transcript.claim_next(session, subject.id, "me:1", long_ago) == transcript.MERGE
    assert transcript.claim_next(session, subject.id, "other:2", long_ago) is None  # merged once
    transcript.remove(session, subject.id)
    assert transcript.parts(session, subject.id) == {}
