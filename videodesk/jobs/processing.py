"""What the queue runs: the media pipeline applied to a Video row, with a lease for crash recovery."""
import copy
import logging
import os
import socket
import time
from datetime import timedelta

from sqlalchemy import delete, or_, select, update

from videodesk.core import changes, db, outbox
from videodesk.core.digests import sha256_of
from videodesk.core.models import LadderPart, Video, utcnow
from videodesk.core.settings import current_settings
from videodesk.ingest import url_import
from videodesk.jobs import clipping
from videodesk.jobs.workspace import Workspace, workspace
from videodesk.media import pipeline
from videodesk.media.overlay import Logo
from videodesk.media.runner import MediaError, bulk_gate
from videodesk.newsroom import branding, clips, library, search, visibility, webhooks
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)
# A running job refreshes its video's updated_at with each progress commit; a processing video
# untouched for JOB_LEASE_S belonged to a worker that died and is queued again.
PROGRESS_COMMIT_INTERVAL = 1.0
IMPORT_SHARE = 0.25
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
# process_video's answer when the ladder is to be encoded in parallel parts (jobs/parallel.py).
CHUNKED = "chunked"
# The quick version's files stay this long after the full ladder replaced it, so a reader who
# started playing it before the switch can finish.
QUICK_GRACE_S = 900
READY = "ready"
TRANSCRIBE = "videodesk.transcribe"  # the outbox kind of an automatic-captions job


def _limits() -> pipeline.Limits:
    settings = current_settings()
    return pipeline.Limits(
        max_duration=settings.max_duration_s, max_dimension=settings.max_dimension,
        ffmpeg_timeout=settings.ffmpeg_timeout_s, ffprobe_timeout=settings.ffprobe_timeout_s,
        loudness_target=settings.loudness_target, whisper_model=settings.whisper_model,
        data_dir=settings.data_dir, translate_to=settings.caption_translate_to,
        chunk_seconds=settings.chunk_seconds,
    )


def context(video: Video, ws: Workspace) -> pipeline.Context:
    """The pipeline's view of the video in the workspace (also for jobs/parallel.py)."""
    return pipeline.Context(source=clipping.pipeline_source(video, ws), media_dir=ws.media_dir, work_dir=ws.work_dir,
                            limits=_limits(), state=copy.deepcopy(video.pipeline_state or {}))


def failure_reason(video: Video, exc: MediaError | StoreError) -> str:
    """What the failed video shows: the media error itself, or what the unanswering store means."""
    if isinstance(exc, MediaError):
        return str(exc)
    log.warning("video %s: media store failed: %s", video.id, exc)
    return f"The media store did not answer, so the processed files could not be stored ({exc}). Try again later."


def every_second(session, apply):
    """A progress callback that applies `fraction` and commits at most once a second (and at the end)."""
    last = {"at": 0.0}

    def report(fraction: float):
        now = time.monotonic()
        if fraction < 1.0 and now - last["at"] < PROGRESS_COMMIT_INTERVAL:
            return
        last["at"] = now
        apply(min(fraction, 1.0))
        session.commit()

    return report


def _progress_reporter(session, video, start: float = 0.0, span: float = 1.0):
    """Progress as start + span * fraction; each commit also renews the lease."""
    def apply(fraction: float):
        video.progress = round(max(video.progress, start + span * fraction), 3)
        video.updated_at = utcnow()

    return every_second(session, apply)


def _playing(outputs: dict | None) -> tuple:
    """What a player loads: when these change, readers switch versions (quick to full ladder)."""
    return tuple((outputs or {}).get(kind) for kind in ("hls", "mp4"))


def saver(session, video, ws: Workspace):
    def save(state: dict):
        ws.publish()  # outputs are stored before the database names them
        playing = _playing(video.outputs)
        video.outputs = dict(state.get("outputs", {}))
        web = state.get("web") or state.get("quick")
        if web:
            video.width, video.height, video.duration = web["width"], web["height"], web["duration"]
        # Once per processing run (reprocessing starts a new one), at the first save that makes it play.
        announce = video.status == "processing" and video.playable and not state.get("playable_announced")
        if announce:
            state["playable_announced"] = True
            webhooks.video_event(video, "video.playable")
        if "probe" in state.get("done", []) and "captions_started" not in state and current_settings().captions_first:
            state["captions_started"] = True
            start_captions(session, video, state)
        # A copy, so SQLAlchemy sees a new value and writes the JSON column.
        video.pipeline_state = copy.deepcopy(state)
        if _playing(video.outputs) != playing:
            # A live story's readers load the public copy: the version they switch to joins it first.
            visibility.refresh_public_copy(video)
        session.commit()
        if announce:
            _on_playable(video)

    return save


def _on_playable(video: Video):
    """The `video.playable` moment (its webhook is queued in the same commit): the first version plays
    in browsers, so pages show the player, and a live story's readers get the public copy."""
    changes.content_changed()
    visibility.publish_after_commit([video])
    log.info("video %s playable (worker %s)", video.id, WORKER_NAME)


def lease_cutoff():
    """Jobs (videos, ladder parts) silent since before this belonged to a worker that stopped."""
    return utcnow() - timedelta(seconds=current_settings().job_lease_s)


def _claim(session, video_id: str) -> Video | None:
    """Take the video for this worker in one UPDATE: a queued video, or one whose worker's lease ran out.
    A job that reaches two workers (a requeued duplicate, a queue that replayed it) runs on one only."""
    claimed = session.execute(
        update(Video)
        .where(Video.id == video_id, or_(Video.status == "queued",
                                         (Video.status == "processing") & (Video.updated_at < lease_cutoff())))
        .values(status="processing", error=None, processed_by=WORKER_NAME, updated_at=utcnow())
    ).rowcount
    session.commit()
    return session.get(Video, video_id) if claimed else None


def process_video(video_id: str) -> str | None:
    """Idempotent: a ready video, or one another worker holds, is left alone; otherwise the steps not
    yet done are run. The outcome for the queue (queue.after_processing): READY, CHUNKED when the
    ladder is to be encoded in parallel parts (jobs/parallel.py), None when failed or not taken."""
    session = db.session()
    video = _claim(session, video_id)
    if video is None:
        return None
    # An imported video spends the first quarter of its progress bar downloading.
    start = IMPORT_SHARE if video.source_kind == "url" else 0.0
    with workspace(video.id) as ws:
        try:
            if video.source_kind == "url" and video.source_sha256 is None:
                _download(session, video, ws)
            cut = prepare_source(video, ws, _progress_reporter(session, video, start, clipping.CUT_SHARE))
            if cut is not None:
                video.pipeline_state = {**(video.pipeline_state or {}), "cut": cut}
                session.commit()
                start += clipping.CUT_SHARE
            if (video.pipeline_state or {}).get("done"):
                ws.restore()
            ctx = context(video, ws)
            finished = pipeline.run_steps(ctx, _progress_reporter(session, video, start, 1.0 - start),
                                          saver(session, video, ws))
        except (MediaError, StoreError) as exc:
            fail(session, video, ws, failure_reason(video, exc))
            return None
    if not finished:
        return CHUNKED
    return finish(session, video, ctx)


def prepare_source(video: Video, ws: Workspace, report=lambda fraction: None) -> dict | None:
    """The source the pipeline reads, in the workspace: the missing cut of a clip or trim is made
    (returned, for the pipeline state), else the original is fetched when the store is remote."""
    if clipping.needs_cut(video, ws):
        with bulk_gate.interactive():
            return clipping.cut_source(video, ws, _limits(), report)
    ws.fetch_original()
    if not video.trim:
        clipping.remove_trimmed_sources(ws)
    return None


def start_captions(session, video: Video, state: dict):
    """Right after the probe (settings.captions_first): automatic captions are queued from the source's sound
    while the rest is made, so the quote can be found minutes before the ladder is ready. A clip
    takes its parent's transcript of its range instead (newsroom/clips.follow_parent)."""
    if state["info"].get("audio") is None or clips.follow_parent(video):
        return
    mark_captioning_queued(video)
    outbox.after_commit(session, TRANSCRIBE, video.id)


def finish(session, video: Video, ctx: pipeline.Context) -> str:
    """The last step is done (in one pass, or after the parallel ladder's assembly): the video is ready,
    and (unless they started after the probe) automatic captions are marked queued when it has sound
    (captions_wanted)."""
    _register_embedded_captions(video, ctx.state)
    video.status, video.progress = "ready", 1.0
    if ctx.info.audio is not None and not ctx.state.get("captions_started") and not clips.follow_parent(video):
        mark_captioning_queued(video)
    webhooks.video_event(video, "video.ready")
    session.commit()
    changes.content_changed()
    visibility.publish_after_commit([video])  # already used by a live story: readers get the public copy
    log.info("video %s ready (worker %s)", video.id, WORKER_NAME)
    return READY


def captions_wanted(video_id: str) -> bool:
    """Whether `finish` queued automatic captions for the ready video (the caller sends the job)."""
    video = db.session().get(Video, video_id)
    return video is not None and video.status == "ready" and (video.captioning or {}).get("status") == "queued"


def fail(session, video: Video, ws: Workspace, reason: str):
    """A failed video shows no player: the quick version goes too (from the store as well), first, so
    a full disk has room again for the database to record the failure."""
    try:
        ws.discard_media(pipeline.QUICK_DIR)
    except StoreError as exc:
        log.warning("video %s: the quick version stays in the store: %s", video.id, exc)
    session.rollback()
    video = session.get(Video, video.id)
    video.status, video.error = "failed", reason
    webhooks.video_event(video, "video.failed")
    session.commit()
    changes.content_changed()
    log.info("video %s failed: %s", video.id, reason)


def remove_quick(video_id: str):
    """The quick version's files, once the full ladder has replaced it (after QUICK_GRACE_S)."""
    video = db.session().get(Video, video_id)
    if video is not None and not (video.outputs or {}).get("hls", "").startswith(pipeline.QUICK_DIR + "/"):
        with workspace(video.id) as ws:
            ws.discard_media(pipeline.QUICK_DIR)
        visibility.refresh_public_copy(video)


def _register_embedded_captions(video: Video, state: dict):
    known = {track.filename for track in video.captions}
    for found in state.get("embedded_captions", []):
        if found["filename"] not in known:
            library.register_caption_track(video, found["filename"], found["lang"], source="embedded")


def _register_auto_captions(video: Video, state: dict):
    """The tracks transcription made; a track already there for the same language (and source
    language, for a translation) gets a new version that needs a new review; a growing track
    (the same file, rewritten) is indexed again."""
    for made in pipeline.auto_caption_tracks(state):
        translated_from = made.get("translated_from")
        existing = next((t for t in video.captions if t.source == "auto" and t.lang == made["lang"]
                         and t.translated_from == translated_from), None)
        if existing is None:
            library.register_caption_track(video, made["filename"], made["lang"], source="auto",
                                           translated_from=translated_from)
        elif existing.filename != made["filename"]:
            library.replace_track_file(existing, made["filename"], machine=True)
        else:
            search.index_track(existing)


def mark_captioning_queued(video: Video):
    video.captioning = {"status": "queued", "progress": 0.0, "error": None, "transcribed_until": 0.0}


def _captioning_reporter(session, video):
    """Transcription progress on the video."""
    def apply(fraction: float):
        video.captioning = {**video.captioning, "progress": round(fraction, 3)}

    return every_second(session, apply)


def _language_hint(video: Video) -> str | None:
    """The language of a live story using the video, else of any story: a hint, never the answer."""
    stories = sorted(video.stories, key=lambda story: not story.is_live)
    return stories[0].language.split("-")[0].lower() if stories and stories[0].language else None


def transcribe(video_id: str):
    """Automatic captions for a probed video, as a job of its own: right after the probe
    (settings.captions_first, while the ladder is made) or once the video is ready. The auto track grows as
    speech is recognised (saved, indexed for search and handed to clips of its range every few
    seconds of speech; captioning["transcribed_until"] says how far). No track is made in a language
    a person already captioned. A missing or damaged model fails the job with its reason in
    video.captioning["error"]."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status == "failed" or "info" not in (video.pipeline_state or {}):
        return
    video.captioning = {"status": "running", "progress": 0.0, "error": None, "transcribed_until": 0.0}
    session.commit()
    captioned = {track.lang for track in video.captions if track.source != "auto"}
    with workspace(video.id) as ws:
        ctx = context(video, ws)

        def grown(auto: dict):
            ws.publish()
            _register_auto_captions(video, {"auto_captions": auto})
            video.captioning = {**video.captioning, "transcribed_until": auto["transcribed_until"]}
            clips.pass_on_captions(video)
            session.commit()
            changes.content_changed()

        try:
            ws.fetch_original()
            pipeline.transcribe(ctx, _captioning_reporter(session, video), language_hint=_language_hint(video),
                                captioned=captioned, on_partial=grown)
            ws.publish()
        except (MediaError, StoreError) as exc:
            mark_captioning_failed(video_id, f"Automatic captions failed: {exc}")
            log.info("captions for video %s failed: %s", video_id, exc)
            return
    _register_auto_captions(video, ctx.state)
    spoken = (ctx.state.get("auto_captions") or {}).get("lang")
    video.captioning = {"status": "done", "progress": 1.0, "error": None, "language": spoken,
                        "transcribed_until": ctx.info.duration}
    clips.pass_on_captions(video)
    session.commit()
    visibility.refresh_public_copy(video)
    changes.content_changed()


def mark_captioning_failed(video_id: str, reason: str):
    session = db.session()
    session.rollback()
    video = session.get(Video, video_id)
    if video is not None:
        video.captioning = {**(video.captioning or {}), "status": "failed", "error": reason}
        session.commit()


def _download(session, video: Video, ws: Workspace):
    """Fetch an imported video's source with yt-dlp; keep its attribution for the page."""
    settings = current_settings()
    folder = ws.root / "import"
    url_import.cleanup(folder)
    path, attribution = url_import.download(
        video.source_url, folder, allow_private=settings.import_allow_private,
        max_bytes=settings.max_upload_bytes, max_duration=settings.max_duration_s,
        timeout=settings.import_timeout_s, report=_progress_reporter(session, video, 0.0, IMPORT_SHARE))
    source = ws.source
    os.replace(path, source)
    ws.store_original()
    video.source_size, video.source_sha256 = source.stat().st_size, sha256_of(source)
    video.pipeline_state = {**(video.pipeline_state or {}), "attribution": attribution}
    if attribution.get("title") and video.title == video.source_url:
        video.title = attribution["title"][:300]
    session.commit()


def render_poster(video_id: str, time_s: float):
    """An editor's poster choice: only the poster is made again, from the web MP4; the video stays ready."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status != "ready":
        return
    previous = library.poster_files(video.outputs)
    with workspace(video.id) as ws:
        ctx = context(video, ws)
        ctx.state["poster_time"] = time_s
        try:
            ws.fetch_media(pipeline.MP4_NAME)
            pipeline.step_poster(ctx, lambda fraction: None)
            video.error = None
            saver(session, video, ws)(ctx.state)
            ws.delete_media(previous - library.poster_files(ctx.outputs))
        except (MediaError, StoreError) as exc:
            session.rollback()
            video.error = f"The new poster could not be made: {exc}"
            session.commit()
            return
    visibility.refresh_public_copy(video)
    changes.content_changed()


def _station_logo() -> Logo | None:
    placement = branding.current()
    if placement is None:
        return None
    return Logo(path=branding.logo_path(), corner=placement["corner"], size=placement["size"],
                opacity=placement["opacity"])


def social_cut(video_id: str, aspect: str, lang: str | None, logo: bool = False):
    """Burn the chosen caption track into a square or vertical cut; without captions, a clean cut.
    With `logo`, the station logo is burned in too (as it is placed at the time of the cut)."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status != "ready":
        return
    tracks = [t for t in video.captions if lang is None or t.lang == lang] or list(video.captions)
    with workspace(video.id) as ws:
        ctx = context(video, ws)
        try:
            captions = ws.fetch_media(tracks[0].filename) if tracks else None
            ws.fetch_media(pipeline.MP4_NAME)
            name = pipeline.make_social_cut(ctx, aspect, captions, _station_logo() if logo else None)
            ws.publish()
        except (MediaError, StoreError) as exc:
            video.error = f"The {aspect} social cut could not be made: {exc}"
            session.commit()
            return
        previous = video.outputs.get("social", {}).get(aspect)
        video.outputs = {**video.outputs, "social": {**video.outputs.get("social", {}), aspect: name}}
        session.commit()
        if previous:
            ws.delete_media([previous])
    visibility.refresh_public_copy(video)


def reset_for_reprocessing(video: Video):
    """Forget what the pipeline made (files stay until overwritten) so every step runs again."""
    keep = {key: value for key, value in (video.pipeline_state or {}).items() if key in ("attribution", "poster_time")}
    # The parts of an earlier parallel ladder (kept as its record until now) are planned afresh.
    db.session().execute(delete(LadderPart).where(LadderPart.video_id == video.id))
    video.pipeline_state, video.status, video.progress, video.error = keep, "queued", 0.0, None


def release(video_id: str):
    """A crashed job that huey will retry gives its video back to the queue (so the retry can claim it)."""
    session = db.session()
    session.rollback()
    session.execute(update(Video).where(Video.id == video_id, Video.status == "processing",
                                        Video.processed_by == WORKER_NAME).values(status="queued"))
    session.commit()


def mark_failed(video_id: str, reason: str):
    """A job that crashed on its last try: failed like any other (the quick version goes too)."""
    session = db.session()
    session.rollback()
    video = session.get(Video, video_id)
    if video is not None and video.status != "ready":
        with workspace(video_id) as ws:
            fail(session, video, ws, reason)


def requeue_stalled() -> list[str]:
    """Put back in the queue the videos whose worker stopped reporting: it was killed or its machine went away."""
    session = db.session()
    # A video whose ladder parts are out with the workers is recovered part by part (jobs/parallel.py).
    in_parts = select(LadderPart.video_id).where(LadderPart.status != "done")
    videos = list(session.scalars(select(Video).where(Video.status == "processing", Video.updated_at < lease_cutoff(),
                                                      Video.id.not_in(in_parts))))
    for video in videos:
        video.status = "queued"
    session.commit()
    return [video.id for video in videos]


def lost_from_queue(waiting: set[str]) -> list[str]:
    """Queued videos older than a lease that no job in the queue names: their job was lost (a queue
    server restarted without persistence, an enqueue that failed during an outage). Touched, so a
    sweep before the new job runs does not send it again."""
    session = db.session()
    videos = [video for video in session.scalars(select(Video).where(Video.status == "queued",
                                                                     Video.updated_at < lease_cutoff()))
              if video.id not in waiting]
    for video in videos:
        video.updated_at = utcnow()
    session.commit()
    return [video.id for video in videos]
