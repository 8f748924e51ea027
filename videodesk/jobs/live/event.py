"""A live event's playlists (the m3u8 package writes and reads them).

An event is made of sessions, one per encoder connection: a reconnect starts a new session
(its own folder, its own init segment) that continues the same playlist after an
EXT-X-DISCONTINUITY. The playlist is an EVENT playlist (the whole event stays, so the DVR bar
covers it all) until it offers more than the DVR window, when the oldest segments leave it (the
recording keeps them). The ingest service rebuilds it from the media store's copy after a restart,
so an encoder that reconnects to a restarted service continues the event."""
from dataclasses import dataclass
from datetime import datetime

import m3u8
from m3u8.model import Media, Playlist, Segment

VERSION = 7
SUBTITLES_GROUP = "subs"


@dataclass
class EventSegment:
    uri: str          # relative to the playlist: "<session>/seg00000.m4s"
    duration: float
    init: str         # "<session>/init.mp4"
    discontinuity: bool
    at: datetime | None = None  # wall-clock time of its first frame (first segment of a session)


class EventPlaylist:
    def __init__(self, segments: list[EventSegment] | None = None):
        self.segments = list(segments or [])

    @classmethod
    def from_text(cls, text: str) -> "EventPlaylist":
        parsed = m3u8.loads(text)
        return cls([EventSegment(s.uri, float(s.duration), s.init_section.uri if s.init_section else "",
                                 bool(s.discontinuity), s.program_date_time) for s in parsed.segments])

    @property
    def duration(self) -> float:
        return sum(segment.duration for segment in self.segments)

    def sessions(self) -> list[str]:
        return list(dict.fromkeys(segment.uri.split("/", 1)[0] for segment in self.segments))

    def add(self, session: str, name: str, duration: float, at: datetime | None = None):
        first_of_session = not self.segments or not self.segments[-1].uri.startswith(f"{session}/")
        self.segments.append(EventSegment(f"{session}/{name}", duration, f"{session}/init.mp4",
                                          discontinuity=first_of_session and bool(self.segments),
                                          at=at if first_of_session else None))

    def text(self, *, ended: bool, window_s: float | None = None) -> str:
        """The media playlist: EVENT while it holds the whole event, a sliding window past `window_s`."""
        kept, dropped = self.segments, []
        if window_s is not None and self.duration > window_s:
            total, start = 0.0, len(self.segments)
            while start > 0 and total + self.segments[start - 1].duration <= window_s:
                start -= 1
                total += self.segments[start].duration
            kept, dropped = self.segments[start:], self.segments[:start]
        playlist = m3u8.M3U8()
        playlist.version = VERSION
        playlist.is_independent_segments = True
        playlist.target_duration = max([round(s.duration + 0.4999) for s in kept] or [2])
        playlist.media_sequence = len(dropped)
        playlist.discontinuity_sequence = sum(1 for s in dropped if s.discontinuity)
        playlist.playlist_type = None if dropped else "event"
        for index, segment in enumerate(kept):
            playlist.segments.append(Segment(
                uri=segment.uri, duration=round(segment.duration, 3), init_section={"uri": segment.init},
                discontinuity=segment.discontinuity and index > 0, program_date_time=segment.at))
        playlist.is_endlist = ended
        return playlist.dumps()


def master_text(renditions: list[tuple[str, int, int | None, int | None]], captions: tuple[str, str, str] | None) -> str:
    """renditions: (playlist uri, bandwidth, width, height), best first; captions: (uri, lang, name)."""
    master = m3u8.M3U8()
    master.version = VERSION
    master.is_independent_segments = True
    if captions:
        uri, lang, name = captions
        master.add_media(Media(uri=uri, type="SUBTITLES", group_id=SUBTITLES_GROUP, language=lang, name=name,
                               default="NO", autoselect="YES"))
    for uri, bandwidth, width, height in renditions:
        info = {"bandwidth": bandwidth}
        if width and height:
            info["resolution"] = f"{width}x{height}"
        if captions:
            info["subtitles"] = SUBTITLES_GROUP
        master.add_playlist(Playlist(uri=uri, stream_info=info, media=master.media, base_uri=None))
    return master.dumps()


def local_segments(text: str) -> list[tuple[str, float]]:
    """(file name, duration) of the segments ffmpeg has finished, from its own playlist."""
    return [(segment.uri, float(segment.duration)) for segment in m3u8.loads(text).segments]


def subtitle_text(cues: list[tuple[str, float]], *, ended: bool, start_number: int = 0) -> str:
    """The captions' media playlist: one WebVTT file per recognised window (uri, duration)."""
    playlist = m3u8.M3U8()
    playlist.version = VERSION
    playlist.target_duration = max([round(d + 0.4999) for _u, d in cues] or [2])
    playlist.media_sequence = start_number
    playlist.playlist_type = "event"
    for uri, duration in cues:
        playlist.segments.append(Segment(uri=uri, duration=round(duration, 3)))
    playlist.is_endlist = ended
    return playlist.dumps()
