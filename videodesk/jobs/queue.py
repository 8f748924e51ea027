"""The job queue (huey): SQLite in the data folder by default, Redis when VIDEODESK_REDIS_URL is set.

Every job kind is one row of TASKS: its function, retries, priority and what a crash on its last
try means; one wrapper (`Queue._register`) gives each the app context, the claim of its work (the
lifecycle's compare-and-set and lease, core/lifecycle), the interactive/bulk rule and the failure
ritual. Every kind is recovered by the same sweep (`recover_stalled`): jobs whose worker stopped,
and waiting work whose queue message was lost."""
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from huey import PriorityRedisHuey, SqliteHuey, crontab
from redis.exceptions import RedisError

from videodesk.core import changes, db, outbox, storage
from videodesk.core.errors import Conflict
from videodesk.core.jobnames import JobName
from videodesk.core.lifecycle import captioning
from videodesk.core.lifecycle import video as lifecycle
from videodesk.core.lifecycle.states import EditJob
from videodesk.core.settings import EXTENSION as SETTINGS_EXTENSION
from videodesk.core.settings import Settings
from videodesk.ingest import resumable
from videodesk.jobs import audio_edits, edits, parallel, recovery, transcription
from videodesk.jobs import processing as jobs
from videodesk.jobs import webhooks as webhook_jobs
from videodesk.media.runner import bulk_gate
from videodesk.newsroom import live, visibility, webhooks

EXTENSION = "videodesk.huey"
PROCESS_VIDEO = JobName.PROCESS_VIDEO  # (tests look for its tasks in the queue)
# A streamed request body older than this belongs to no live request (gunicorn's timeout is 120 s).
STALE_TMP_S = 3600
# Huey serves higher priorities first: what a desk waits for (transcription, clips, quick versions,
# edits) before bulk work (the parts of a ladder). docs/PERFORMANCE.md, "Quote to clip".
INTERACTIVE = 100
BULK = 0
BULK_RETRY_S = 1.0
SPEECH_RETRY_S = 5.0  # another speech job of this worker runs (a recording's parts: it goes on with them)
log = logging.getLogger(__name__)


def _internal(exc: Exception) -> str:
    return f"stopped on an internal error ({type(exc).__name__})."


def _processing_crashed(video_id, *, exc, last_try: bool):
    """A crashed run that huey will retry gives its video back to the queue; the last one fails it."""
    if last_try:
        jobs.mark_failed(video_id, f"Processing {_internal(exc)}")
    else:
        jobs.release(video_id)


def _part_crashed(video_id, *_part, exc, last_try: bool):
    if last_try:
        jobs.mark_failed(video_id, f"Processing {_internal(exc)}")


def _captioning_crashed(video_id, *_part, exc, last_try: bool):
    """Known failures (no model, damaged model) end the job in transcription.transcribe; anything
    else gets one more try, then stays failed: no crash loop."""
    if last_try:
        transcription.mark_failed(video_id, f"Automatic captions {_internal(exc)}")


def _edit_crashed(job: EditJob):
    def crashed(video_id, *_options, exc, last_try: bool):
        if last_try:
            edits.mark_failed(video_id, job, f"The {job.value.replace('_', ' ')} {_internal(exc)}")
    return crashed


@dataclass(frozen=True)
class Task:
    """One kind of job. `run(queue, *args)` runs in an app context, once `claim` took the work; a
    number it returns is a delay after which the same job is sent again (a webhook's backoff).
    `crashed(*args, exc=, last_try=)` is the failure ritual of an unexpected exception."""

    name: JobName
    run: Callable
    claim: Callable | None = None  # claim(session, *args) -> bool: take the work for this worker (the lifecycle's
    #                                compare-and-set, committed by the wrapper); False: nothing waits or another holds it
    retries: int = 0
    retry_delay: int = 0
    priority: int | None = None  # higher first; None: huey's default
    interactive: bool = False    # holds bulk work back while it runs (media.runner.bulk_gate)...
    speech: bool = False         # ...on the cores Whisper leaves (settings.whisper_threads) rather than stopping it
    yields: bool = False         # bulk work that steps aside while interactive work runs
    crashed: Callable | None = None


def _process(queue, video_id):
    """The ladder goes out to the workers as bulk jobs (jobs/parallel.py)."""
    if jobs.process_video(video_id) == jobs.LADDER_QUEUED:
        parallel.start(video_id)


TASKS = (
    Task(JobName.PROCESS_VIDEO, _process, claim=jobs.claim, retries=2, retry_delay=10, priority=INTERACTIVE,
         crashed=_processing_crashed),
    Task(JobName.LADDER_PART, lambda queue, video_id, name: parallel.run_part(video_id, name), claim=parallel.claim_part,
         retries=2, retry_delay=10, priority=BULK, yields=True, crashed=_part_crashed),
    Task(JobName.ASSEMBLE_LADDER, lambda queue, video_id: parallel.assemble(video_id), claim=parallel.claim_assembly,
         retries=2, retry_delay=10, priority=BULK, yields=True, crashed=_part_crashed),
    Task(JobName.REMOVE_QUICK, lambda queue, video_id: jobs.remove_quick(video_id), retries=1, retry_delay=60),
    Task(JobName.RENDER_POSTER, lambda queue, video_id, time_s: edits.render_poster(video_id, time_s), retries=1,
         retry_delay=5, priority=INTERACTIVE, interactive=True, crashed=_edit_crashed(EditJob.POSTER)),
    Task(JobName.SOCIAL_CUT, lambda queue, video_id, aspect, lang, logo=False: edits.social_cut(video_id, aspect, lang,
                                                                                                logo),
         retries=1, retry_delay=5, priority=INTERACTIVE, interactive=True, crashed=_edit_crashed(EditJob.SOCIAL_CUT)),
    Task(JobName.TRANSCRIBE, lambda queue, video_id: transcription.transcribe(video_id), claim=transcription.claim,
         retries=1, retry_delay=30, priority=INTERACTIVE, interactive=True, speech=True, crashed=_captioning_crashed),
    Task(JobName.TRANSCRIBE_PART, lambda queue, video_id, name: transcription.transcribe_part(video_id, name),
         claim=transcription.claim_part, retries=1, retry_delay=30, priority=INTERACTIVE, interactive=True, speech=True,
         crashed=_captioning_crashed),
    Task(JobName.TRANSCRIBE_AUDIO_TRACK, lambda queue, track_id: transcription.transcribe_audio_track(track_id),
         retries=1, retry_delay=30, priority=INTERACTIVE, interactive=True, speech=True),
    Task(JobName.LANGUAGE_MP4, lambda queue, track_id: audio_edits.language_mp4(track_id), retries=1, retry_delay=5,
         priority=INTERACTIVE, interactive=True),
    # Retries are scheduled by the delivery itself, not by huey's fixed delay, to back off exponentially.
    Task(JobName.DELIVER_WEBHOOK, lambda queue, delivery_id: webhook_jobs.deliver(delivery_id)),
)

PERIODIC = (
    # (name, when, function(queue))
    ("videodesk.resend_overdue_webhooks", crontab(minute="*"),
     lambda queue: [queue.send(JobName.DELIVER_WEBHOOK, delivery_id) for delivery_id in webhooks.overdue()]),
    ("videodesk.remove_expired_uploads", crontab(minute="17"),
     lambda queue: (resumable.remove_expired(), storage.remove_stale_tmp(STALE_TMP_S))),
    # Scheduled stories go live by the clock; earlier publish failures are retried here too.
    ("videodesk.sync_media_visibility", crontab(minute="*"), lambda queue: visibility.sync_all()),
    ("videodesk.recover_stalled", crontab(minute="*"), lambda queue: queue.recover_stalled()),
)


def make_huey(settings: Settings):
    if settings.redis_url:
        return PriorityRedisHuey("videodesk", url=settings.redis_url)
    return SqliteHuey(
        "videodesk", filename=str(settings.data_dir / "queue.db"), immediate=settings.queue_immediate
    )


class Threads:
    """A consumer's threads. Bulk work leaves the last free ones to the desk (one of three, two of
    four or more), so a transcription and a clip asked for while the ladder runs start at once
    instead of after a ladder part; and one speech job runs at a time (they would share one model
    and the cores it was given)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.count = 0   # 0: no consumer in this process (jobs run where they are sent)
        self._busy = 0
        self._speaking = 0

    @contextlib.contextmanager
    def take(self, bulk: bool = False, speech: bool = False):
        """Yields False (and takes nothing) when the job must wait for another turn."""
        with self._lock:
            kept_for_desk = min(2, max(0, self.count - 2))
            kept_free = bulk and kept_for_desk and self._busy + 1 + kept_for_desk > self.count
            taken = self.count == 0 or not (kept_free or (speech and self._speaking))
            self._busy += taken
            self._speaking += taken and speech
        try:
            yield taken
        finally:
            with self._lock:
                self._busy -= taken
                self._speaking -= taken and speech


class Queue:
    """The app's huey with the app's tasks registered on it (the consumer builds the same app)."""

    def __init__(self, app):
        settings = app.extensions[SETTINGS_EXTENSION]
        self.huey = make_huey(settings)
        self.threads = Threads()
        self.speech_cores = settings.whisper_threads
        bulk_gate.enabled = settings.bulk_yields
        self.tasks = {task.name: self._register(app, task) for task in TASKS}
        for name, when, function in PERIODIC:
            self.huey.periodic_task(when, name=name)(self._in_app(app, function))
        self.recover_stalled_later = self.huey.task(name="videodesk.recover_stalled_once")(
            self._in_app(app, lambda queue: queue.recover_stalled()))

    def _in_app(self, app, function):
        def run():
            with app.app_context():
                function(self)
        return run

    def _register(self, app, kind: Task):
        """The one wrapper every job runs in."""
        @self.huey.task(name=kind.name.value, retries=kind.retries, retry_delay=kind.retry_delay, priority=kind.priority,
                        context=True)
        def run(*args, task=None, **kwargs):
            with self.threads.take(bulk=kind.yields, speech=kind.speech) as taken:
                if not taken or (kind.yields and bulk_gate.paused):
                    # Back to the queue for a moment instead of holding a thread (a stopped encode,
                    # or one on a thread kept for the desk, would keep the next clip waiting).
                    run.schedule(args, kwargs, delay=SPEECH_RETRY_S if kind.speech else BULK_RETRY_S)
                    return
                again = self._run(app, kind, task, args, kwargs)
            if again is not None:
                run.schedule(args, kwargs, delay=again)

        return run

    def _run(self, app, kind: Task, task, args, kwargs):
        gate = bulk_gate.interactive(cores=self.speech_cores if kind.speech else None) if kind.interactive \
            else contextlib.nullcontext()
        with app.app_context(), gate:
            try:
                if kind.claim is not None and not self._claimed(kind, args):
                    log.info("job %s %s: nothing waits, or another worker holds it", kind.name, args)
                    return None
                return kind.run(self, *args, **kwargs)
            except Exception as exc:
                log.exception("job %s %s crashed", kind.name, args)
                if kind.crashed is not None:
                    kind.crashed(*args, exc=exc, last_try=task is None or task.retries == 0)
                raise

    @staticmethod
    def _claimed(kind: Task, args) -> bool:
        session = db.session()
        taken = kind.claim(session, *args)
        session.commit()
        return taken

    def run_now(self, name: JobName, *args):
        """Run a job in this process, through the same wrapper (the demo seed, which waits for it)."""
        self.tasks[name].call_local(*args)

    def send(self, name: JobName, *args, delay: float | None = None):
        """Put a job in the queue. When Redis is down at that moment, the change that asked for it is
        already saved and the recovery sweep (recover_stalled) sends it once its lease has passed."""
        try:
            if delay is None:
                self.tasks[name](*args)
            else:
                self.tasks[name].schedule(args, delay=delay)
        except RedisError as exc:
            log.warning("queue unavailable (%s); %s %s waits for the recovery sweep", exc, name, args)

    def process_video(self, video_id: str):
        self.send(JobName.PROCESS_VIDEO, video_id)

    def reprocess(self, video):
        """Run the whole pipeline again from the original (after a failure or a pipeline upgrade)."""
        if video.status.busy:
            raise Conflict(code="busy", message="The video is already waiting or being processed.")
        lifecycle.reset(db.session(), video)
        db.session().commit()

    def caption(self, video):
        """Queue automatic captions again (after a model change, or a worker that died mid-way)."""
        captioning.queue(video)
        db.session().commit()

    def recover_stalled(self):
        """Every job kind the same way: running work whose worker stopped reporting for a lease is
        queued again, and waiting work that no message in the queue names is sent again."""
        recovery.requeue_stalled()
        for name, args in recovery.lost_from_queue(self._waiting()):
            log.warning("sending %s %s again: its job was lost from the queue", name, args)
            self.send(name, *args)

    def _waiting(self) -> set[tuple]:
        """(job name, *args) of every job in the queue or waiting for a retry."""
        return {(task.name, *task.args) for task in [*self.huey.pending(), *self.huey.scheduled()]}

    def consumer(self, workers: int):
        self.threads.count = workers
        # Poll at least every second so an idle SQLite-backed worker picks up uploads quickly.
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         initial_delay=0.1, backoff=1.15, max_delay=1.0)


def init_app(app):
    queue = app.extensions[EXTENSION] = Queue(app)
    outbox.handle(app, outbox.Job, lambda job: queue.send(job.name, *job.args, delay=job.delay))
    outbox.handle(app, outbox.ContentChanged, lambda effect: changes.content_changed())
    outbox.handle(app, outbox.MediaStored, visibility.join_public_copy)
    outbox.handle(app, outbox.MediaUsed, visibility.publish_when_used)
    outbox.handle(app, outbox.VideoEvent, lambda effect: (webhooks.announce(effect), live.recording_ready(effect)),
                  in_transaction=True)
    outbox.handle(app, outbox.LiveStreamEvent, live.announce, in_transaction=True)


def queue() -> Queue:
    return current_app.extensions[EXTENSION]
