"""The files a video's row names, in one place: what pages use now (`current_names`, which is
what gets published) and, with earlier caption versions, everything the newsroom keeps (`all_names`)."""
from videodesk.core.models import Video


def current_names(video: Video) -> set[str]:
    """Outputs (posters and social cuts included), the current caption and chapter files, the MP4s
    of other audio languages (their renditions are in the HLS folder)."""
    names = video.outputs.names() | {track.filename for track in video.captions}
    names |= {track.mp4_name for track in video.audio_tracks if track.mp4_name}
    if video.chapters_file:
        names.add(video.chapters_file)
    return names


def all_names(video: Video) -> set[str]:
    """The current names and every earlier caption version (kept, private, for the newsroom)."""
    return current_names(video) | {old["filename"] for track in video.captions for old in track.history or []}
