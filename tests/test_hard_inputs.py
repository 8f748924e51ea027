"""What producers really send: each case a generated file through the real pipeline."""
import json
import os
import socket
import subprocess
import threading

import pytest

from videodesk.media import probe, runner

from . import media
from .helpers import process, web_info


def stream_fields(path, *fields, extra=()):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", *extra, "-show_entries",
                          "stream=" + ",".join(fields), "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"][0]


def test_odd_dimensions_become_even(tmp_path):
    source = media.make_variant(tmp_path / "odd.mkv", "-c:v", "ffv1", "-c:a", "aac", size="321x181")
    web = web_info(process(source, tmp_path))
    assert (web.video.width, web.video.height) == (320, 180)


def test_variable_frame_rate_becomes_constant(tmp_path):
    source = media.make_variant(tmp_path / "vfr.mp4", "-vf", "select='not(mod(n,3))+not(mod(n,7))'",
                                "-fps_mode", "vfr", "-c:v", "libx264", "-c:a", "aac", seconds=3, rate=30)
    assert stream_fields(source, "avg_frame_rate")["avg_frame_rate"] != "30/1"
    ctx = process(source, tmp_path)
    fields = stream_fields(ctx.media_dir / "video.mp4", "avg_frame_rate", "r_frame_rate", "nb_frames")
    assert fields["avg_frame_rate"] == fields["r_frame_rate"]
    rate = probe._rate(fields["avg_frame_rate"])
    assert int(fields["nb_frames"]) == pytest.approx(rate * 3, abs=2)


@pytest.mark.parametrize("pix_fmt", ["yuv420p10le", "yuv422p"])
def test_ten_bit_and_422_sources_become_8_bit_420(tmp_path, pix_fmt):
    source = media.make_variant(tmp_path / f"{pix_fmt}.mkv", "-c:v", "libx264", "-pix_fmt", pix_fmt, "-c:a", "aac")
    assert stream_fields(source, "pix_fmt")["pix_fmt"] == pix_fmt
    web = web_info(process(source, tmp_path))
    assert web.video.pix_fmt == "yuv420p"
    assert stream_fields(tmp_path / "media" / "video.mp4", "profile")["profile"] == "High"


def test_clip_shorter_than_a_second(tmp_path):
    source = media.make_clip(tmp_path / "short.mp4", seconds=0.6)
    ctx = process(source, tmp_path)
    assert web_info(ctx).duration == pytest.approx(0.6, abs=0.15)
    assert (ctx.media_dir / "storyboard.vtt").read_text().count("#xywh=") == 1
    assert ctx.state["preview_start"] == 0.0


def test_interlaced_source_is_deinterlaced(tmp_path):
    source = media.make_variant(tmp_path / "interlaced.ts", "-vf", "tinterlace=mode=interleave_top,setfield=tff",
                                "-flags", "+ilme+ildct", "-top", "1", "-c:v", "mpeg2video", "-b:v", "4M",
                                "-c:a", "mp2", size="720x576", rate=50)
    assert probe.probe(source, timeout=20).video.field_order in ("tt", "tb")
    ctx = process(source, tmp_path)
    assert web_info(ctx).video.field_order == "progressive"
    # idet finds combing in the source but not in what readers get.
    def interlaced_frames(path):
        out = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(path), "-vf", "idet", "-an",
                              "-f", "null", "-"], capture_output=True, text=True).stderr
        line = [text for text in out.splitlines() if "Multi frame detection" in text][-1]
        numbers = dict(zip(["TFF", "BFF", "Progressive"], [int(x) for x in line.split(":")[2:5]
                           for x in [x.split()[0]]], strict=False))
        return numbers["TFF"] + numbers["BFF"]
    assert interlaced_frames(source) > 10
    assert interlaced_frames(ctx.media_dir / "video.mp4") <= 2


def test_non_square_pixels_get_square_pixels_and_the_right_shape(tmp_path):
    source = media.make_variant(tmp_path / "anamorphic.mkv", "-vf", "setsar=64/45", "-c:v", "mpeg2video",
                                "-c:a", "mp2", size="720x576")
    ctx = process(source, tmp_path)
    web = web_info(ctx)
    assert (web.video.width, web.video.height) == (854, 480)
    assert stream_fields(ctx.media_dir / "video.mp4", "sample_aspect_ratio")["sample_aspect_ratio"] in ("1:1", None)


@pytest.mark.parametrize("patch, message", [({"width": 65000}, "largest accepted"),
                                            ({"duration_ms": 1e12}, "limit is")])
def test_absurd_probe_claims_are_refused(tmp_path, patch, message):
    raw = media.make_variant(tmp_path / "raw.mkv", "-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-an", rate=5, seconds=1)
    source = media.patch_matroska(raw, tmp_path / "absurd.mkv", **patch)
    with pytest.raises(runner.MediaError, match=message):
        process(source, tmp_path)
    assert not list((tmp_path / "media").iterdir())


class Tripwires:
    """A FIFO that records whether anyone opened it, and a TCP port that records connections."""

    def __init__(self, folder):
        self.fifo = folder / "secret"
        os.mkfifo(self.fifo)
        self.opened = threading.Event()
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.done = threading.Event()
        threading.Thread(target=self._watch_fifo, daemon=True).start()
        threading.Thread(target=self._accept, daemon=True).start()

    def _watch_fifo(self):
        with open(self.fifo, "wb"):  # blocks until a reader opens the FIFO
            if not self.done.is_set():
                self.opened.set()

    def _accept(self):
        while not self.done.is_set():
            try:
                conn, _ = self.server.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.done.set()
        with open(self.fifo, "rb"):  # releases the watcher
            pass
        self.server.close()


@pytest.fixture
def tripwires(tmp_path):
    wires = Tripwires(tmp_path)
    yield wires
    wires.close()


@pytest.mark.parametrize("kind", ["hls", "concat"])
def test_playlists_pointing_elsewhere_are_refused_without_reading_anything(tmp_path, tripwires, kind):
    if kind == "hls":
        text = (f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nfile://{tripwires.fifo}\n#EXTINF:2,\n"
                f"{tripwires.fifo}\n#EXTINF:2,\nhttp://127.0.0.1:{tripwires.port}/seg.ts\n#EXT-X-ENDLIST\n")
    else:
        text = f"ffconcat version 1.0\nfile '{tripwires.fifo}'\nfile 'http://127.0.0.1:{tripwires.port}/a.mp4'\n"
    for name in ("playlist.mp4", f"playlist.{'m3u8' if kind == 'hls' else 'ffconcat'}"):
        hostile = tmp_path / name
        hostile.write_text(text)
        with pytest.raises(runner.MediaError, match="not a video we can read"):
            process(hostile, tmp_path / name.replace(".", "-"))
    assert not tripwires.opened.is_set() and tripwires.connections == 0


def test_image_renamed_to_mp4_is_refused(tmp_path):
    image = media.make_png(tmp_path / "photo.png")
    renamed = tmp_path / "photo.mp4"
    image.rename(renamed)
    with pytest.raises(runner.MediaError, match="not a video we can read"):
        process(renamed, tmp_path)
