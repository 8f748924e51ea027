"""The queue's job names, so any layer can ask for a follow-up job (outbox.Job) without importing
the queue; jobs/queue.py maps each to its function, retries and priority."""
from enum import StrEnum


class JobName(StrEnum):
    PROCESS_VIDEO = "videodesk.process_video"
    LADDER_PART = "videodesk.ladder_part"
    ASSEMBLE_LADDER = "videodesk.assemble_ladder"
    REMOVE_QUICK = "videodesk.remove_quick"
    RENDER_POSTER = "videodesk.render_poster"
    SOCIAL_CUT = "videodesk.social_cut"
    TRANSCRIBE = "videodesk.transcribe"
    TRANSCRIBE_PART = "videodesk.transcribe_part"
    TRANSCRIBE_AUDIO_TRACK = "videodesk.transcribe_audio_track"
    LANGUAGE_MP4 = "videodesk.language_mp4"
    DELIVER_WEBHOOK = "videodesk.deliver_webhook"
