"""The job queue (huey): SQLite in the data folder by default, Redis when VIDEODESK_REDIS_URL is set."""
import logging

from flask import current_app
from huey import PriorityRedisHuey, SqliteHuey, crontab
from redis.exceptions import RedisError

from videodesk.core import db, outbox, storage
from videodesk.core.errors import Conflict
from videodesk.core.settings import EXTENSION as SETTINGS_EXTENSION
from videodesk.core.settings import Settings
from videodesk.ingest import resumable
from videodesk.jobs import parallel
from videodesk.jobs import processing as jobs
from videodesk.jobs import webhooks as webhook_jobs
from videodesk.media.runner import bulk_gate
from videodesk.newsroom import live, visibility, webhooks

EXTENSION = "videodesk.huey"
PROCESS_VIDEO = "videodesk.process_video"
# A streamed request body older than this belongs to no live request (gunicorn's timeout is 120 s).
STALE_TMP_S = 3600
# Huey serves higher priorities first: what a desk waits for (transcription, clips, quick versions,
# edits) before bulk work (the parts of a ladder). docs/PERFORMANCE.md, "Quote to clip".
INTERACTIVE = 100
BULK = 0
BULK_RETRY_S = 1.0
log = logging.getLogger(__name__)


def make_huey(settings: Settings):
    if settings.redis_url:
        return PriorityRedisHuey("videodesk", url=settings.redis_url)
    return SqliteHuey(
        "videodesk", filename=str(settings.data_dir / "queue.db"), immediate=settings.queue_immediate
    )


def _waits_for_interactive(task, *args) -> bool:
    """A bulk job that comes up while interactive work runs in this worker goes back to the queue
    for a moment instead of holding a thread (a stopped encode would keep the next clip waiting)."""
    if not bulk_gate.paused:
        return False
    task.schedule(args, delay=BULK_RETRY_S)
    return True


def _enqueue_or_leave_to_the_sweep(task):
    """The video row is saved before its job is sent; if Redis is down at that moment, the upload still
    succeeds and the recovery sweep (recover_stalled) sends the job once the lease has passed."""
    def enqueue(video_id):
        try:
            task(video_id)
        except RedisError as exc:
            log.warning("queue unavailable (%s); video %s waits for the recovery sweep", exc, video_id)

    return enqueue


class Queue:
    """The app's huey with the app's tasks registered on it (the consumer builds the same app)."""

    def __init__(self, app):
        settings = app.extensions[SETTINGS_EXTENSION]
        self.huey = huey = make_huey(settings)
        bulk_gate.enabled = settings.bulk_yields

        @huey.task(name=PROCESS_VIDEO, retries=2, retry_delay=10, context=True, priority=INTERACTIVE)
        def process_video(video_id, task=None):
            with app.app_context():
                try:
                    self.after_processing(video_id, jobs.process_video(video_id))
                except Exception as exc:
                    log.exception("processing video %s crashed", video_id)
                    if task is None or task.retries == 0:
                        jobs.mark_failed(video_id, f"Processing stopped on an internal error ({type(exc).__name__}).")
                    else:
                        jobs.release(video_id)
                    raise

        @huey.task(name="videodesk.ladder_part", retries=2, retry_delay=10, priority=BULK)
        def ladder_part(video_id, name):
            if _waits_for_interactive(ladder_part, video_id, name):
                return
            with app.app_context():
                if parallel.run_part(video_id, name):
                    self.assemble_ladder(video_id)

        @huey.task(name="videodesk.assemble_ladder", retries=2, retry_delay=10, priority=BULK)
        def assemble_ladder(video_id):
            if _waits_for_interactive(assemble_ladder, video_id):
                return
            with app.app_context():
                self.after_processing(video_id, parallel.assemble(video_id))

        @huey.task(name="videodesk.remove_quick", retries=1, retry_delay=60)
        def remove_quick(video_id):
            with app.app_context():
                jobs.remove_quick(video_id)

        @huey.task(name="videodesk.render_poster", retries=1, retry_delay=5, priority=INTERACTIVE)
        def render_poster(video_id, time_s):
            with app.app_context(), bulk_gate.interactive():
                jobs.render_poster(video_id, time_s)

        @huey.task(name="videodesk.social_cut", retries=1, retry_delay=5, priority=INTERACTIVE)
        def social_cut(video_id, aspect, lang, logo=False):
            with app.app_context(), bulk_gate.interactive():
                jobs.social_cut(video_id, aspect, lang, logo)

        @huey.task(name="videodesk.deliver_webhook")
        def deliver_webhook(delivery_id):
            """Retries are scheduled here, not by huey's fixed retry delay, to back off exponentially."""
            with app.app_context():
                delay = webhook_jobs.deliver(delivery_id)
            if delay is not None:
                deliver_webhook.schedule((delivery_id,), delay=delay)

        @huey.periodic_task(crontab(minute="*"), name="videodesk.resend_overdue_webhooks")
        def resend_overdue_webhooks():
            with app.app_context():
                for delivery_id in webhooks.overdue():
                    deliver_webhook(delivery_id)

        @huey.task(name=jobs.TRANSCRIBE, retries=1, retry_delay=30, context=True, priority=INTERACTIVE)
        def transcribe(video_id, task=None):
            with app.app_context(), bulk_gate.interactive():
                try:
                    jobs.transcribe(video_id)
                except Exception as exc:
                    # Known failures (no model, damaged model) end the job in jobs.transcribe;
                    # anything else gets one more try, then stays failed: no crash loop.
                    log.exception("captioning video %s crashed", video_id)
                    if task is None or task.retries == 0:
                        jobs.mark_captioning_failed(
                            video_id, f"Automatic captions stopped on an internal error ({type(exc).__name__}).")
                    raise

        @huey.periodic_task(crontab(minute="17"), name="videodesk.remove_expired_uploads")
        def remove_expired_uploads():
            with app.app_context():
                resumable.remove_expired()
                storage.remove_stale_tmp(STALE_TMP_S)

        # Scheduled stories go live by the clock; earlier publish failures are retried here too.
        @huey.periodic_task(crontab(minute="*"), name="videodesk.sync_media_visibility")
        def sync_media_visibility():
            with app.app_context():
                visibility.sync_all()

        def recover_in_app():
            with app.app_context():
                self.recover_stalled()

        huey.periodic_task(crontab(minute="*"), name="videodesk.recover_stalled")(recover_in_app)
        self.recover_stalled_later = huey.task(name="videodesk.recover_stalled_once")(recover_in_app)
        self.process_video = _enqueue_or_leave_to_the_sweep(process_video)
        self.ladder_part = ladder_part
        self.assemble_ladder = assemble_ladder
        self.remove_quick = remove_quick
        self.render_poster = render_poster
        self.social_cut = social_cut
        self.transcribe = transcribe
        self.deliver_webhook = deliver_webhook
        outbox.set_dispatcher(app, webhooks.OUTBOX_KIND, deliver_webhook)
        outbox.set_dispatcher(app, jobs.TRANSCRIBE, transcribe)

    def reprocess(self, video):
        """Run the whole pipeline again from the original (after a failure or a pipeline upgrade)."""
        if video.status in ("queued", "processing"):
            raise Conflict(code="busy", message="The video is already waiting or being processed.")
        jobs.reset_for_reprocessing(video)
        db.session().commit()
        self.process_video(video.id)

    def caption(self, video):
        """Queue automatic captions again (after a model change, or a worker that died mid-way)."""
        jobs.mark_captioning_queued(video)
        db.session().commit()
        self.transcribe(video.id)

    def after_processing(self, video_id, outcome):
        """What follows a pipeline run (a single pass, or the assembly of a parallel ladder): a long
        clip's ladder goes out to the workers in parts; a ready video gets its automatic captions
        as a job of its own (the video does not wait for them), and its quick version is removed
        after a grace period."""
        if outcome == jobs.CHUNKED:
            self.queue_parts(video_id)
        elif outcome == jobs.READY:
            live.recording_ready(video_id)
            if jobs.captions_wanted(video_id):
                self.transcribe(video_id)
            self.remove_quick.schedule((video_id,), delay=jobs.QUICK_GRACE_S)

    def queue_parts(self, video_id):
        for name in parallel.start(video_id):
            self._queue_part(video_id, name)

    def _queue_part(self, video_id, name):
        if name == parallel.ASSEMBLE:
            self.assemble_ladder(video_id)
        else:
            self.ladder_part(video_id, name)

    def recover_stalled(self):
        for video_id in jobs.requeue_stalled():
            log.warning("requeueing video %s: its worker stopped", video_id)
            self.process_video(video_id)
        for video_id, name in parallel.requeue_stalled():
            log.warning("requeueing part %s of video %s: its worker stopped", name, video_id)
            self._queue_part(video_id, name)
        for video_id in jobs.lost_from_queue(self._videos_waiting()):
            log.warning("requeueing video %s: its job was lost from the queue", video_id)
            self.process_video(video_id)

    def _videos_waiting(self) -> set[str]:
        """Videos with a processing job in the queue or waiting for a retry."""
        tasks = [*self.huey.pending(), *self.huey.scheduled()]
        return {task.args[0] for task in tasks if task.name == PROCESS_VIDEO and task.args}

    def consumer(self, workers: int):
        # Poll at least every second so an idle SQLite-backed worker picks up uploads quickly.
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         initial_delay=0.1, backoff=1.15, max_delay=1.0)


def init_app(app):
    app.extensions[EXTENSION] = Queue(app)


def queue() -> Queue:
    return current_app.extensions[EXTENSION]
