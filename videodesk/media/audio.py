"""Audio tracks: every language, dub or audio description of a video as its own AAC rendition in
the HLS master (one `EXT-X-MEDIA TYPE=AUDIO` group beside the untouched video renditions), per
RFC 8216 section 4.3.4.1 and Apple's HLS authoring specification.

Which sound streams of a source become tracks (silent ones and exact repeats are dropped), the
encode of one track (the ladder's AAC, the same loudness normalization as the main sound, made as
long as the picture), and the master playlist that lists them: pure builders, like the rest of
media/."""
import re
from dataclasses import dataclass

import ffmpeg
import m3u8
from m3u8.model import Media

from videodesk.media import hls, ladder
from videodesk.media.command import compile_command, open_input, output_path
from videodesk.media.probe import AudioStream, MediaInfo
from videodesk.media.subtitles import stream_language

KINDS = ("main", "dub", "description", "commentary")
DESCRIBES_VIDEO = "public.accessibility.describes-video"
GROUP_ID = "audio"
MAIN_FOLDER = "audio"       # the ladder's own sound rendition (hls/audio/)
# Quieter than this (integrated, LUFS) is no sound at all: such a stream is not offered as a track.
SILENCE_LUFS = -70.0
# How far a track's length may differ from the picture's: within it a short track is padded with
# silence and a long one cut at the picture's end; beyond it the track is refused (it is another
# edit, and would drift out of sync).
LENGTH_TOLERANCE_S = 2.0
LENGTH_TOLERANCE_SHARE = 0.05
MAX_SOURCE_TRACKS = 8       # sound streams of one source made into tracks, main first
KEPT_DEMUXER = "matroska"   # an added track is kept as its one sound stream, FLAC in Matroska


@dataclass(frozen=True)
class Rendition:
    """One audio track as the master lists it: `folder` (under hls/) holds its media playlist."""
    folder: str
    lang: str
    name: str
    kind: str
    default: bool


def stream_kind(stream: AudioStream) -> str:
    """What a source stream is for: the default one is the main track; the rest by disposition, or a dub."""
    if stream.default:
        return "main"
    return stream.role or "dub"


def source_streams(info: MediaInfo) -> list[AudioStream]:
    """The sound streams worth measuring as tracks: the main one first, at most MAX_SOURCE_TRACKS."""
    return list(info.sounds or ([info.audio] if info.audio else []))[:MAX_SOURCE_TRACKS]


def parse_fingerprint(stdout: str) -> str | None:
    """The MD5 the hash muxer printed (loudness.measure_stream_command with fingerprint)."""
    found = re.search(r"MD5=([0-9a-f]{32})", stdout or "")
    return found.group(1) if found else None


def is_silent(measured: dict | None) -> bool:
    level = (measured or {}).get("input_i", float("-inf"))
    return level != level or level < SILENCE_LUFS


def kept_streams(streams: list[AudioStream], measurements: dict[int, tuple[dict | None, str | None]]) -> list[AudioStream]:
    """The streams that become tracks: the main one always (the ladder carries it), the others
    unless silent or a sample-for-sample repeat of a stream kept before them.
    `measurements`: stream index -> (loudness measurement, fingerprint)."""
    kept, seen = [], set()
    for position, stream in enumerate(streams):
        measured, fingerprint = measurements.get(stream.index, (None, None))
        if position > 0 and (is_silent(measured) or (fingerprint and fingerprint in seen)):
            continue
        kept.append(stream)
        if fingerprint:
            seen.add(fingerprint)
    return kept


def track_language(stream: AudioStream) -> str:
    return stream_language(stream.language)


def length_problem(track_seconds: float, picture_seconds: float) -> str | None:
    """Why a track cannot go with the picture (too long or short beyond the tolerance), or None."""
    tolerance = max(LENGTH_TOLERANCE_S, LENGTH_TOLERANCE_SHARE * picture_seconds)
    if abs(track_seconds - picture_seconds) <= tolerance:
        return None
    side = "shorter" if track_seconds < picture_seconds else "longer"
    return (f"The audio is {track_seconds:.1f} s long, {abs(track_seconds - picture_seconds):.1f} s {side} than the "
            f"video ({picture_seconds:.1f} s); up to {tolerance:.1f} s of difference is padded or cut.")


def encode_command(src, demuxer: str | None, stream_index: int, out_dir, loudnorm: dict | None,
                   length: float, start: float = 0.0) -> list[str]:
    """One sound stream, from `start` on, as an fMP4 HLS AAC rendition in out_dir, exactly `length`
    seconds long (padded with silence or cut), normalized like the main track."""
    options = {}
    sound = open_input(src, demuxer)[str(stream_index)]
    if start > 0:
        sound = sound.filter("atrim", start=f"{start:.6f}")
    sound = ladder.normalized_aac(sound.filter("asetpts", "PTS-STARTPTS"), loudnorm, options)
    sound = sound.filter("apad", whole_dur=f"{length:.6f}").filter("atrim", duration=f"{length:.6f}")
    options.update(ladder.hls_options(out_dir, None))
    return compile_command(ffmpeg.output(sound, f"{out_dir}/index.m3u8", **options), progress=True)


def keep_command(src, demuxer: str, stream_index: int, dst, delay: float = 0.0) -> list[str]:
    """An added file's sound stream alone, losslessly, as the track's private original: later
    encodes (reprocessing, trims, clips) read one known format, whatever was uploaded. Kept files
    are on the timeline of the video's original: `delay` (a trimmed video's trim start) of silence
    comes first."""
    sound = open_input(src, demuxer)[str(stream_index)]
    if delay > 0:
        sound = sound.filter("adelay", delays=f"{round(delay * 1000)}", all=1)
    return compile_command(ffmpeg.output(sound, output_path(dst), **{"c:a": "flac", "f": KEPT_DEMUXER,
                                                                     "map_metadata": "-1"}), progress=True)


def range_command(src, start: float, end: float, dst) -> list[str]:
    """The range of a kept file that a clip of the video keeps, as the clip's own kept file."""
    sound = (open_input(src, KEPT_DEMUXER)["0"].filter("atrim", start=f"{start:.6f}", end=f"{end:.6f}")
             .filter("asetpts", "PTS-STARTPTS"))
    return compile_command(ffmpeg.output(sound, output_path(dst), **{"c:a": "flac", "f": KEPT_DEMUXER,
                                                                     "map_metadata": "-1"}), progress=True)


def _media(rendition: Rendition) -> Media:
    """RFC 8216 4.3.4.1: LANGUAGE, NAME, DEFAULT (the main track), AUTOSELECT (every track but a
    description, which players offer but never choose on their own unless the viewer asked for
    described video: Apple's CHARACTERISTICS)."""
    description = rendition.kind == "description"
    return Media(uri=f"{rendition.folder}/index.m3u8", type="AUDIO", group_id=GROUP_ID, language=rendition.lang,
                 name=rendition.name, default="YES" if rendition.default else "NO",
                 autoselect="NO" if description else "YES",
                 characteristics=DESCRIBES_VIDEO if description else None, channels="2")


def master_with_audio(master_text: str, renditions: list[Rendition]) -> str:
    """The ladder's master playlist with `renditions` as its one audio group (the video variants
    and their media playlists untouched); no renditions: the variants without sound."""
    master = m3u8.loads(master_text)
    had_audio = any(media.type == "AUDIO" for media in master.media)
    others = [media for media in master.media if media.type != "AUDIO"]
    audio = [_media(rendition) for rendition in renditions]
    master.media.clear()
    master.media.extend(others + audio)
    audio_bandwidth = int(ladder.AUDIO_BITRATE.rstrip("k")) * 1000
    for variant in master.playlists:
        variant.media = [media for media in variant.media if media.type != "AUDIO"] + audio[:1]
        codecs = [codec for codec in (variant.stream_info.codecs or "").split(",") if codec and codec != hls.AUDIO_CODEC]
        variant.stream_info.codecs = ",".join(codecs + ([hls.AUDIO_CODEC] if audio else []))
        if audio and not had_audio:
            variant.stream_info.bandwidth += audio_bandwidth
        elif had_audio and not audio:
            variant.stream_info.bandwidth = max(1, variant.stream_info.bandwidth - audio_bandwidth)
    return master.dumps()


def languages_of(renditions: list[Rendition]) -> list[str]:
    """The spoken languages offered (descriptions and commentary excluded), main first, once each."""
    langs = []
    for rendition in sorted(renditions, key=lambda r: not r.default):
        if rendition.kind in ("main", "dub") and rendition.lang not in langs and rendition.lang != "und":
            langs.append(rendition.lang)
    return langs
