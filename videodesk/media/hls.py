"""Our HLS playlists, read and written with the m3u8 package: the files of a fragmented-MP4 media
playlist (ffmpeg's output), and the media and master playlists of a ladder assembled from chunks.

Playlists from elsewhere (URL imports) are checked line by line in ingest/url_import.py, the way
yt-dlp's downloader will read them, not here."""
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import m3u8

from videodesk.media import ladder

AUDIO_CODEC = "mp4a.40.2"
AUDIO_GROUP = "group_audio"


@dataclass(frozen=True)
class MediaPlaylist:
    """A fragmented-MP4 media playlist: its init segment and (duration, file) of each media segment."""
    init: Path
    segments: list[tuple[float, Path]]

    def files(self) -> list[Path]:
        """Init segment first, then the media segments, in playlist order."""
        return [self.init, *(path for _, path in self.segments)]


def read_media_playlist(playlist: Path) -> MediaPlaylist:
    parsed = m3u8.loads(playlist.read_text())
    if not parsed.segment_map:
        raise ValueError(f"{playlist.name} has no init segment (EXT-X-MAP)")
    return MediaPlaylist(init=playlist.parent / parsed.segment_map[0].uri,
                         segments=[(segment.duration, playlist.parent / segment.uri) for segment in parsed.segments])


def join_fragments(playlist: Path, destination: Path) -> Path:
    """init + segments concatenated are one fragmented MP4 (ISO BMFF), ready to remux."""
    with open(destination, "wb") as out:
        for part in read_media_playlist(playlist).files():
            with open(part, "rb") as chunk:
                shutil.copyfileobj(chunk, out)
    return destination


def media_playlist(entries: list[tuple[float, str]], init_name: str = "init.mp4") -> str:
    """A finished (VOD) fMP4 media playlist of (duration, file name) entries."""
    playlist = m3u8.M3U8()
    playlist.version, playlist.playlist_type = 7, "vod"
    playlist.is_independent_segments = playlist.is_endlist = True
    playlist.target_duration = max((math.ceil(duration) for duration, _ in entries), default=ladder.SEGMENT_SECONDS)
    for duration, name in entries:
        playlist.segments.append(m3u8.Segment(uri=name, duration=duration, init_section={"uri": init_name}))
    return playlist.dumps(infspec="microseconds")


def master_playlist(variants: list[dict], audio: bool) -> str:
    """variants: {"name", "width", "height", "bandwidth", "codec"}, best first; with `audio`, every
    variant plays the one audio rendition in audio/."""
    playlist = m3u8.M3U8()
    playlist.version = 7
    if audio:
        playlist.add_media(m3u8.Media(uri="audio/index.m3u8", type="AUDIO", group_id=AUDIO_GROUP, name="audio",
                                      default="YES"))
    for v in variants:
        stream = {"bandwidth": v["bandwidth"], "resolution": f"{v['width']}x{v['height']}",
                  "codecs": f"{v['codec']},{AUDIO_CODEC}" if audio else v["codec"]}
        if audio:
            stream["audio"] = AUDIO_GROUP
        playlist.add_playlist(m3u8.Playlist(uri=f"{v['name']}/index.m3u8", stream_info=stream, media=playlist.media,
                                            base_uri=None))
    return playlist.dumps()
