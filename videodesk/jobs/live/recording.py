"""An ended stream's recording: the packaged segments of the whole event joined into one MP4 by
stream copy (no re-encoding, so it takes seconds), then a Video like any upload, processed by the
normal pipeline, with the live captions as its first automatic track until the full transcription
of the recording replaces them."""
import logging

from videodesk.core import db, storage
from videodesk.core.models import LiveStream
from videodesk.jobs.queue import queue
from videodesk.media import live as commands
from videodesk.media.captions import from_cues
from videodesk.media.runner import run
from videodesk.newsroom import library, live

log = logging.getLogger(__name__)

RECORDED_MARK = "recorded"
RECORDING_TIMEOUT_S = 1800


def make_recording(app, event):
    folder = event.folder
    if not event.main.segments:
        (folder / RECORDED_MARK).write_text("nothing was packaged\n")
        return
    playlist, destination = folder / "recording.m3u8", folder / "recording.mp4"
    playlist.write_text(event.main.text(ended=True))
    run(commands.recording_command(playlist, destination), timeout=RECORDING_TIMEOUT_S, what="the live recording")
    with app.app_context():
        stream = db.session().get(LiveStream, event.stream_id)
        if stream is None:
            return
        video = library.import_local_file(destination, stream.owner_id, stream.title, kind="live", move=True)
        library.keep_original(video.id)
        if event.cues:
            lang = event.language or stream.captions_lang or "en"
            library.add_caption_track(video, from_cues(event.cues), lang, live.recording_caption_label(lang),
                                      source="auto")
        live.recording_made(stream, video)
        (folder / RECORDED_MARK).write_text(f"{video.id}\n")
        queue().process_video(video.id)
        log.info("live %s: recording queued as video %s", stream.id, video.id)
    for session_folder in folder.iterdir():
        if session_folder.is_dir():
            storage.remove_tree(session_folder)
