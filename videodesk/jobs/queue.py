"""The job queue (huey): SQLite in the data folder by default, Redis when VIDEODESK_REDIS_URL is set."""
import logging

from flask import current_app
from huey import RedisHuey, SqliteHuey, crontab

from videodesk.core import db
from videodesk.core.errors import Conflict
from videodesk.ingest import resumable
from videodesk.jobs import parallel
from videodesk.jobs import processing as jobs

EXTENSION = "videodesk.huey"
log = logging.getLogger(__name__)


def make_huey(config):
    if config["REDIS_URL"]:
        return RedisHuey("videodesk", url=config["REDIS_URL"])
    return SqliteHuey(
        "videodesk", filename=str(config["DATA_DIR"] / "queue.db"), immediate=config["QUEUE_IMMEDIATE"]
    )


class Queue:
    """The app's huey with the app's tasks registered on it (the consumer builds the same app)."""

    def __init__(self, app):
        self.huey = huey = make_huey(app.config)

        @huey.task(name="videodesk.process_video", retries=2, retry_delay=10, context=True)
        def process_video(video_id, task=None):
            with app.app_context():
                try:
                    self.after_processing(video_id, jobs.process_video(video_id))
                except Exception as exc:
                    log.exception("processing video %s crashed", video_id)
                    if task is None or task.retries == 0:
                        jobs.mark_failed(video_id, f"Processing stopped on an internal error ({type(exc).__name__}).")
                    raise

        @huey.task(name="videodesk.ladder_part", retries=2, retry_delay=10)
        def ladder_part(video_id, name):
            with app.app_context():
                if parallel.run_part(video_id, name):
                    self.assemble_ladder(video_id)

        @huey.task(name="videodesk.assemble_ladder", retries=2, retry_delay=10)
        def assemble_ladder(video_id):
            with app.app_context():
                self.after_processing(video_id, parallel.assemble(video_id))

        @huey.task(name="videodesk.remove_quick", retries=1, retry_delay=60)
        def remove_quick(video_id):
            with app.app_context():
                jobs.remove_quick(video_id)

        @huey.task(name="videodesk.render_poster", retries=1, retry_delay=5)
        def render_poster(video_id, time_s):
            with app.app_context():
                jobs.render_poster(video_id, time_s)

        @huey.task(name="videodesk.social_cut", retries=1, retry_delay=5)
        def social_cut(video_id, aspect, lang):
            with app.app_context():
                jobs.social_cut(video_id, aspect, lang)

        @huey.task(name="videodesk.transcribe", retries=1, retry_delay=5)
        def transcribe(video_id):
            with app.app_context():
                jobs.transcribe(video_id)

        @huey.periodic_task(crontab(minute="17"), name="videodesk.remove_expired_uploads")
        def remove_expired_uploads():
            with app.app_context():
                resumable.remove_expired()

        def recover_in_app():
            with app.app_context():
                self.recover_stalled()

        huey.periodic_task(crontab(minute="*"), name="videodesk.recover_stalled")(recover_in_app)
        self.recover_stalled_later = huey.task(name="videodesk.recover_stalled_once")(recover_in_app)
        self.process_video = process_video
        self.ladder_part = ladder_part
        self.assemble_ladder = assemble_ladder
        self.remove_quick = remove_quick
        self.render_poster = render_poster
        self.social_cut = social_cut
        self.transcribe = transcribe

    def reprocess(self, video):
        """Run the whole pipeline again from the original (after a failure or a pipeline upgrade)."""
        if video.status in ("queued", "processing"):
            raise Conflict(code="busy", message="The video is already waiting or being processed.")
        jobs.reset_for_reprocessing(video)
        db.session().commit()
        self.process_video(video.id)

    def after_processing(self, video_id, outcome):
        """A long clip's ladder goes out to the workers in parts; a ready video's quick version
        is removed after a grace period."""
        if outcome == jobs.CHUNKED:
            self.queue_parts(video_id)
        elif outcome == "ready":
            self.remove_quick.schedule((video_id,), delay=jobs.QUICK_GRACE_S)

    def queue_parts(self, video_id):
        for name in parallel.start(video_id):
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
            if name == parallel.ASSEMBLE:
                self.assemble_ladder(video_id)
            else:
                self.ladder_part(video_id, name)

    def consumer(self, workers: int):
        # Poll at least every second so an idle SQLite-backed worker picks up uploads quickly.
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         initial_delay=0.1, backoff=1.15, max_delay=1.0)


def init_app(app):
    app.extensions[EXTENSION] = Queue(app)


def queue() -> Queue:
    return current_app.extensions[EXTENSION]
