"""Real media for tests, made with ffmpeg (lavfi test sources), never mocked."""
import subprocess
from pathlib import Path

import numpy

from videodesk.media.runner import run
from videodesk.media.synth import test_clip_command

SRT = """1
00:00:00,200 --> 00:00:01,200
First caption line

2
00:00:01,400 --> 00:00:02,600
Second caption line
"""


def make_clip(path: Path, **options) -> Path:
    run(test_clip_command(path, **options), timeout=120, what="test clip")
    return path


def ffmpeg(*args, timeout=120):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *map(str, args)],
                   check=True, timeout=timeout)


def make_rotated_portrait(path: Path) -> Path:
    """A 320x180 stream tagged with a 90° display matrix, as phones record portrait video."""
    plain = make_clip(path.with_name("plain-for-rotation.mp4"), seconds=2)
    ffmpeg("-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", path)
    return path


ENGLISH_HZ, SPANISH_HZ = 440, 880


def make_bilingual(path: Path, seconds: float = 4) -> Path:
    """A picture with an English (440 Hz, default) and a Spanish (880 Hz) sound stream, tagged eng/spa,
    plus a silent stream and a repeat of the English one, which are not tracks."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={seconds}",
           "-f", "lavfi", "-i", f"sine=frequency={ENGLISH_HZ}:duration={seconds}",
           "-f", "lavfi", "-i", f"sine=frequency={SPANISH_HZ}:duration={seconds}",
           "-f", "lavfi", "-i", f"anullsrc=r=48000:cl=stereo:d={seconds}",
           "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-map", "1",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
           "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=spa",
           "-disposition:a:0", "default", "-disposition:a:1", "0", "-disposition:a:2", "0",
           "-disposition:a:3", "0", path)
    return path


def make_tone(path: Path, frequency: int, seconds: float) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds}", path)
    return path


def dominant_frequency(source) -> float:
    """The strongest frequency of the decoded sound (mono, 8 kHz), by FFT."""
    raw = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(source),
                          "-vn", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"],
                         check=True, capture_output=True, timeout=60).stdout
    samples = numpy.frombuffer(raw, dtype=numpy.int16).astype(float)
    spectrum = numpy.abs(numpy.fft.rfft(samples * numpy.hanning(len(samples))))
    return float(numpy.fft.rfftfreq(len(samples), 1 / 8000)[spectrum.argmax()])


def make_audio_only(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=2", "-c:a", "aac", path)
    return path


def make_truncated(source: Path, path: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_variant(path: Path, *input_and_codec_args, seconds=2, size="320x180", rate=25) -> Path:
    """A test pattern encoded with the given output options (codec, pixel format, flags...)."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
           "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", *input_and_codec_args, path)
    return path


def make_solid_png(path: Path, size: str = "64x64", color: str = "red") -> Path:
    """A one-colour PNG (a station logo that is easy to find in a frame)."""
    ffmpeg("-f", "lavfi", "-i", f"color=c={color}:s={size}", "-frames:v", "1", "-f", "image2", "-c:v", "png", path)
    return path


def mean_rgb(video: Path, at: float, x: int, y: int, width: int, height: int) -> tuple[float, float, float]:
    """The average colour of a region of one frame."""
    raw = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-ss", str(at), "-i", str(video),
                          "-frames:v", "1", "-vf", f"crop={width}:{height}:{x}:{y}", "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "-"], check=True, capture_output=True, timeout=60).stdout
    pixels = len(raw) // 3
    return tuple(sum(raw[channel::3]) / pixels for channel in range(3))


def make_png(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180", "-frames:v", "1", "-f", "image2", "-c:v", "png", path)
    return path


def patch_matroska(source: Path, path: Path, *, width: int | None = None, duration_ms: float | None = None) -> Path:
    """Rewrite header fields of a Matroska file so its probe claims absurd values."""
    import struct
    data = bytearray(source.read_bytes())
    if width is not None:
        at = data.index(b"\xb0\x82")          # PixelWidth, two-byte value
        data[at + 2: at + 4] = struct.pack(">H", width)
    if duration_ms is not None:
        at = data.index(b"\x44\x89\x88")      # Segment Duration, float64
        data[at + 3: at + 11] = struct.pack(">d", duration_ms)
    path.write_bytes(bytes(data))
    return path


def make_with_subtitles(path: Path, tracks: dict[str, str], container_codec: str = "subrip") -> Path:
    """A clip with one text subtitle stream per language: {"eng": srt_text, "spa": srt_text}."""
    clip = make_clip(path.with_name("plain-for-subtitles.mp4"), seconds=3)
    inputs, maps = ["-i", clip], ["-map", "0:v", "-map", "0:a"]
    for n, (lang, text) in enumerate(tracks.items(), start=1):
        srt = path.with_name(f"sub-{lang}.srt")
        srt.write_text(text)
        inputs += ["-i", srt]
        maps += ["-map", f"{n}:s", f"-metadata:s:s:{n - 1}", f"language={lang}"]
    ffmpeg(*inputs, *maps, "-c:v", "copy", "-c:a", "copy", "-c:s", container_codec, path)
    return path


SPEECH_SCRIPT = ("The city council approved the new budget on Tuesday. "
                 "The mayor said the bridge will open on Monday. "
                 "Residents will see more buses and longer library hours next year.")
# espeak-ng's US English voice "f2" at 120 words a minute: clear enough for Whisper base.
SPEECH_VOICE = ("-v", "en-us+f2", "-s", "120")


def make_speech_clip(path: Path, text: str = SPEECH_SCRIPT, voice: tuple = SPEECH_VOICE, delay: float = 0.0) -> Path:
    """A test-pattern picture with spoken words (espeak-ng) as its sound, after `delay` seconds of silence."""
    wav = path.with_suffix(".wav")
    subprocess.run(["espeak-ng", *voice, "-w", str(wav), text], check=True, timeout=60)
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-i", wav, "-shortest",
           "-af", f"adelay={int(delay * 1000)}:all=1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-c:a", "aac", path)
    return path


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words, divided by the reference length."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / len(ref)


def speak_pcm(path: Path, text: str, voice: str = "en-us", speed: int = 150) -> Path:
    """espeak-ng speech as raw 16 kHz mono s16le PCM, what the speech engine reads."""
    wav = path.with_suffix(".wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True, timeout=60)
    ffmpeg("-i", wav, "-ar", "16000", "-ac", "1", "-f", "s16le", path)
    wav.unlink()
    return path


def lavfi_pcm(path: Path, source: str) -> Path:
    """A lavfi audio source (e.g. "sine=frequency=330:duration=8") as 16 kHz mono s16le PCM."""
    ffmpeg("-f", "lavfi", "-i", source, "-ar", "16000", "-ac", "1", "-f", "s16le", path)
    return path


# Three notes of a C major chord, the top one pulsing twice a second: music-like, no speech.
CHORD = ("aevalsrc=0.2*sin(2*PI*261.6*t)+0.2*sin(2*PI*329.6*t)"
         "+0.2*sin(2*PI*392*t)*(0.5+0.5*sin(2*PI*2*t)):d=8")


def make_frame_numbered(path: Path, seconds: int = 4, rate: int = 25) -> Path:
    """Every frame different (a gradient moved 16 grey levels a frame), a keyframe every 2 s and no
    B-frames: cuts off keyframes must re-encode, cuts on them may stream-copy."""
    ffmpeg("-f", "lavfi", "-i", f"nullsrc=s=320x180:r={rate}:d={seconds},geq=lum='mod(X+16*N,256)':cb=128:cr=128",
           "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
           "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", str(2 * rate), "-keyint_min", str(2 * rate),
           "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-c:a", "aac", path)
    return path


def gray_frame(path: Path, index: int | None = None) -> bytes:
    """One decoded frame as raw 8-bit grey (the first, or the `index`-th counted from 0)."""
    select = ["-vf", f"select=eq(n\\,{index})"] if index is not None else []
    return subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), *select, "-frames:v", "1",
                           "-pix_fmt", "gray", "-f", "rawvideo", "-"], check=True, capture_output=True,
                          timeout=60).stdout


def frame_difference(a: bytes, b: bytes) -> float:
    """Mean absolute difference of two grey frames of the same size (0 = identical)."""
    assert len(a) == len(b) and a, (len(a), len(b))
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def frame_count(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    return int(out.strip())
