"""ffmpeg commands of live streams (docs/LIVE.md): packaging an encoder's stream into live fMP4
HLS as it arrives, and the recording made from the packaged event.

Packaging passes a browser-safe stream (H.264 video, AAC audio) through without re-encoding (a
1080p stream costs almost no CPU) into 2-second fMP4 segments cut at the encoder's keyframes;
anything else is encoded once into one browser-safe rendition. The same command writes the sound
as 16 kHz mono PCM to stdout for the live captions. `offset_s` shifts the session's timestamps to
its place on the event's timeline, so the media times of every segment, after any reconnect, are
seconds since the event started (what the DVR bar, the captions and the clips all count in)."""
from dataclasses import dataclass

from videodesk.media.command import GLOBAL_ARGS

SEGMENT_S = 2
SAMPLE_RATE = 16000
BROWSER_VIDEO = ("h264",)
BROWSER_AUDIO = ("aac",)
# A live input that sends nothing for this long has gone (the encoder dropped).
INPUT_TIMEOUT_US = 10_000_000


@dataclass(frozen=True)
class LiveInput:
    """What the encoder sends, as probed: codecs, and the picture's height."""
    video_codec: str | None
    audio_codec: str | None
    height: int | None

    @property
    def video_passes(self) -> bool:
        return self.video_codec in BROWSER_VIDEO

    @property
    def audio_passes(self) -> bool:
        return self.audio_codec in BROWSER_AUDIO


def input_args(url: str) -> list[str]:
    """An RTMP URL (nginx on 127.0.0.1) or "pipe:0" (MPEG-TS bytes received over SRT)."""
    if url == "pipe:0":
        return ["-f", "mpegts", "-i", "pipe:0"]
    return ["-rw_timeout", str(INPUT_TIMEOUT_US), "-i", url]


def probe_command(url: str) -> list[str]:
    """ffprobe of the first seconds of a live input: its streams as JSON."""
    args = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,height", "-of", "json"]
    if url == "pipe:0":
        return [*args, "-analyzeduration", "3000000", "-probesize", "2000000", "-f", "mpegts", "-i", "pipe:0"]
    # A short look (RTMP sends codec headers first, then frames) keeps the
    # packager from missing the stream's first seconds (nginx-rtmp keeps no backlog for late players).
    return [*args, "-analyzeduration", "1500000", "-probesize", "500000", "-rw_timeout", str(INPUT_TIMEOUT_US),
            "-i", url]


def read_probe(probe: dict) -> LiveInput:
    streams = probe.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"), {})
    audio = next((s for s in streams if s.get("codec_type") == "audio"), {})
    return LiveInput(video.get("codec_name"), audio.get("codec_name"), video.get("height"))


def _hls(folder, offset_s: float) -> list[str]:
    return ["-output_ts_offset", f"{offset_s:.3f}", "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_list_size", "0",
            "-hls_playlist_type", "event", "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_flags", "independent_segments+temp_file",
            "-hls_segment_filename", f"{folder}/seg%05d.m4s", f"{folder}/index.m3u8"]


def _encode_video() -> list[str]:
    """One browser-safe rendition for a stream that cannot pass through (at most 1080p)."""
    return ["-vf", "scale=-2:'min(1080,ih)'", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-pix_fmt", "yuv420p", "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_S})", "-sc_threshold", "0",
            "-b:v", "3000k", "-maxrate", "4000k", "-bufsize", "4000k"]


def package_command(url: str, live_input: LiveInput, folder, offset_s: float, *, captions_audio: bool) -> list[str]:
    """The main rendition into `folder` (index.m3u8, init.mp4, seg%05d.m4s), and with
    `captions_audio` the sound as s16le PCM on stdout."""
    has_audio = live_input.audio_codec is not None
    args = ["ffmpeg", *GLOBAL_ARGS, *input_args(url), "-map", "0:v:0"]
    if has_audio:
        args += ["-map", "0:a:0"]
    args += ["-c:v", "copy"] if live_input.video_passes else _encode_video()
    if has_audio:
        # MPEG-TS (SRT) carries AAC with ADTS headers, which MP4 stores without them.
        args += ["-c:a", "copy", "-bsf:a", "aac_adtstoasc"] if live_input.audio_passes else [
            "-c:a", "aac", "-b:a", "128k", "-ar", "48000"]
    args += _hls(folder, offset_s)
    if has_audio and captions_audio:
        args += ["-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_s16le", "-f", "s16le", "pipe:1"]
    return args


def recording_command(playlist, destination) -> list[str]:
    """The whole event as one MP4, stream copy (the packaged segments, with their discontinuities)."""
    return ["ffmpeg", *GLOBAL_ARGS, "-protocol_whitelist", "file", "-allowed_extensions", "ALL",
            "-i", f"file:{playlist}", "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy",
            "-movflags", "+faststart", f"file:{destination}"]
