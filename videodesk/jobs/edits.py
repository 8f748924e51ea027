"""Edit jobs of a ready video: a new poster, a social cut. Each changes only its own outputs (the
video stays ready) and fails on its own (lifecycle.edit_failed), never the video's processing."""
from videodesk.core import db
from videodesk.core.lifecycle import video as lifecycle
from videodesk.core.lifecycle.states import EditJob, VideoStatus
from videodesk.core.models import Video
from videodesk.jobs import audio_tracks, processing
from videodesk.jobs.workspace import workspace
from videodesk.media import pipeline
from videodesk.media.overlay import Logo
from videodesk.media.runner import MediaError
from videodesk.newsroom import branding
from videodesk.objectstore import StoreError


def render_poster(video_id: str, time_s: float):
    """An editor's poster choice: only the poster is made again, from the web MP4; the video stays ready."""
    session = db.session()
    video = session.get(Video, video_id)
    if video is None or video.status != VideoStatus.READY:
        return
    previous = video.outputs.poster_files()
    with workspace(video.id, job="poster") as ws:
        ctx = processing.context(video, ws)
        ctx.state["poster_time"] = time_s
        try:
            ws.fetch_media(pipeline.MP4_NAME)
            pipeline.step_poster(ctx, lambda fraction: None)
            ws.publish()  # the files are stored before the database names them
            lifecycle.replace_poster(video, *processing.typed(ctx))
            session.commit()
            ws.delete_media(previous - video.outputs.poster_files())
        except (MediaError, StoreError) as exc:
            session.rollback()
            lifecycle.edit_failed(video, EditJob.POSTER, f"The new poster could not be made: {exc}")
            session.commit()


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
    if video is None or video.status != VideoStatus.READY:
        return
    tracks = [t for t in video.captions if lang is None or t.lang == lang] or list(video.captions)
    sound = audio_tracks.spoken_track(video, lang)  # a dub in the chosen language speaks in the cut
    with workspace(video.id, job="social-cut") as ws:
        ctx = processing.context(video, ws)
        try:
            captions = ws.fetch_media(tracks[0].filename) if tracks else None
            ws.fetch_media(pipeline.MP4_NAME)
            if sound:
                audio_tracks.fetch_rendition(ws, sound.folder)
            name = pipeline.make_social_cut(ctx, aspect, captions, _station_logo() if logo else None,
                                            sound.folder if sound else None)
            ws.publish()
        except (MediaError, StoreError) as exc:
            lifecycle.edit_failed(video, EditJob.SOCIAL_CUT, f"The {aspect} social cut could not be made: {exc}")
            session.commit()
            return
        previous = lifecycle.add_social_cut(video, aspect, name)
        session.commit()
        if previous:
            ws.delete_media([previous])


def mark_failed(video_id: str, job: EditJob, reason: str):
    """An edit job that crashed on its last try."""
    session = db.session()
    session.rollback()
    video = session.get(Video, video_id)
    if video is not None:
        lifecycle.edit_failed(video, job, reason)
        session.commit()
