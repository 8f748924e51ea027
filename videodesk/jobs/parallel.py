"""The ladder as bulk work that any idle worker on any machine can take, after what the desk waits
for (the probe and the quick version, in the processing job). A long clip's ladder is in parts:
one queue job per time chunk (media/chunks.py), one for the sound, then an assembly job that joins
them and runs the rest of the pipeline. A shorter one is only the assembly job, which encodes the
ladder in one pass, so a clip cut during the breaking news takes its turn with the ladder parts
already waiting and steps aside for interactive work like them. Each part is a `LadderPart` row
claimed atomically with a lease, so a killed worker costs only the part it held: that part alone
is queued again.

Every job works in a Workspace of its own (jobs/workspace.py): with the local media store in
place, as the single-pass pipeline does; with a remote store, each part's outputs are stored
under the video's private work keys (`ladder-parts/<name>/...`) and the assembly job fetches
them with the rest of the video's files (`Workspace.restore`), then deletes them."""
import logging

from sqlalchemy import func, select

from videodesk.core import db
from videodesk.core.lifecycle import ladder
from videodesk.core.lifecycle import video as lifecycle
from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import LadderPart, Video
from videodesk.jobs import processing
from videodesk.jobs.workspace import workspace
from videodesk.media import chunks, pipeline
from videodesk.media.runner import MediaError
from videodesk.objectstore import StoreError

log = logging.getLogger(__name__)
AUDIO = "audio"
ASSEMBLE = ladder.ASSEMBLE
# The sound is one pass over the whole clip, cheap next to the pictures.
AUDIO_WEIGHT = 0.05


def start(video_id: str):
    """Create the parts of the video's ladder (once) and send those that wait to the queue."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status != VideoStatus.PROCESSING:
        return
    if not ladder.parts(session, video_id):
        with workspace(video_id, job="plan") as ws:
            ctx = processing.context(video, ws)
        weights = {}
        if in_chunks := pipeline.ladder_chunks(ctx):
            fps, duration = chunks.frame_rate(ctx.info), ctx.info.duration
            weights = {pipeline.chunk_name(index): max(0.0, chunk.end(fps, duration) - chunk.start(fps)) / duration
                       for index, chunk in enumerate(in_chunks)}
            if ctx.info.audio is not None:
                weights[AUDIO] = AUDIO_WEIGHT
        ladder.plan(session, video_id, {**weights, ASSEMBLE: 0.0})
        session.flush()
    ladder.send_waiting(session, video_id)
    session.commit()


def claim_part(session, video_id: str, name: str) -> bool:
    """Take a queued part of a processing video, or a running one whose worker stopped renewing its lease."""
    video = session.get(Video, video_id)
    return video is not None and video.status == VideoStatus.PROCESSING and ladder.claim(
        session, video_id, name, processing.WORKER_NAME, processing.lease_cutoff())


def claim_assembly(session, video_id: str) -> bool:
    """The assembly is taken once every other part is done."""
    return ladder.encoded(session, video_id) and claim_part(session, video_id, ASSEMBLE)


def _reporter(session, video: Video, name: str, *, part_progress: bool):
    """At most once a second: renew the part's lease (and the video's), and show progress. A
    chunk reports its own share, and the video shows the ladder's sum over all parts; the
    assembly reports the whole pipeline's fraction."""
    start, width = pipeline.step_span("ladder")

    def apply(fraction: float):
        if part_progress:
            ladder.report(session, video.id, name, fraction)
            done, total = session.execute(select(func.sum(LadderPart.weight * LadderPart.progress),
                                                 func.sum(LadderPart.weight))
                                          .where(LadderPart.video_id == video.id)).one()
            fraction = start + width * min(1.0, (done or 0.0) / (total or 1.0))
        else:
            ladder.report(session, video.id, name)
        video.progress = round(max(video.progress, fraction), 3)
        lifecycle.renew(video)

    return processing.every_second(session, apply)


def run_part(video_id: str, name: str):
    """Encode one part this worker claimed (`claim_part`); the last one sends the assembly."""
    session = db.session()
    video = session.get(Video, video_id)
    report = _reporter(session, video, name, part_progress=True)
    with workspace(video_id, job=name) as ws:
        try:
            processing.prepare_source(video, ws)
            ctx = processing.context(video, ws)
            if name == AUDIO:
                pipeline.encode_audio(ctx, report)
            else:
                pipeline.encode_chunk(ctx, int(name), report)
            ws.publish()  # a remote store keeps the part for the assembly, on whichever machine
        except (MediaError, StoreError) as exc:
            session.refresh(video)
            if video.status == VideoStatus.PROCESSING:
                processing.fail(session, video, ws, processing.failure_reason(video, exc))
            return
    ladder.done(session, video_id, name)
    session.flush()
    if ladder.encoded(session, video_id):
        ladder.send_waiting(session, video_id)
    session.commit()
    log.info("video %s: ladder part %s done (worker %s)", video_id, name, processing.WORKER_NAME)


def assemble(video_id: str):
    """Join the parts into the ladder (claimed: `claim_assembly`), or encode it in one pass when it
    had none, then run the remaining steps and make the video ready."""
    session = db.session()
    video = session.get(Video, video_id)
    with workspace(video_id, job=ASSEMBLE) as ws:
        try:
            processing.prepare_source(video, ws)
            ws.restore()
            ctx = processing.pipeline_context(video, ws)
            save = processing.saver(session, video, ws, ctx)
            if "ladder" not in ctx.state.get("done", []) and pipeline.ladder_chunks(ctx):
                pipeline.assemble_ladder(ctx)
                save(ctx.state)
            pipeline.remove_parts(ctx)
            ws.publish()
            pipeline.run_steps(ctx, _reporter(session, video, ASSEMBLE, part_progress=False), save)
        except (MediaError, StoreError) as exc:
            processing.fail(session, video, ws, processing.failure_reason(video, exc))
            return
    ladder.done(session, video_id, ASSEMBLE)
    processing.finish(session, video, ctx)

