"""EBU R128 loudness, two passes: measure the source, then normalize linearly in the ladder pass."""
import json
import re

import ffmpeg

from videodesk.media.command import open_input
from videodesk.media.probe import MediaInfo


def measure_command(src, info: MediaInfo, target: dict) -> list[str]:
    return measure_stream_command(src, info.demuxer, info.audio.index, target)


def measure_stream_command(src, demuxer: str | None, stream_index: int, target: dict,
                           fingerprint: bool = False) -> list[str]:
    """The loudness of one sound stream; with `fingerprint`, also the MD5 of its decoded samples on
    stdout ("MD5=..."), so a stream that repeats another is recognised."""
    source = open_input(src, demuxer)[str(stream_index)]
    outputs = [ffmpeg.output(source.filter("loudnorm", print_format="json", **target), "-", f="null")]
    if fingerprint:
        outputs.append(ffmpeg.output(source, "pipe:1", f="hash", hash="md5"))
    # loudnorm prints its measurement at info level, so this command keeps that level.
    return (ffmpeg.merge_outputs(*outputs)
            .global_args("-nostdin", "-hide_banner", "-nostats", "-loglevel", "info", "-vn", "-sn", "-dn")
            .compile(cmd="ffmpeg"))


def parse_measurement(stderr: str) -> dict:
    """The JSON block loudnorm prints last, with numbers as floats (-inf for digital silence)."""
    # Innermost {...} blocks first, then the one that names input_i: a single pattern with
    # `"input_i"` between two `[^{}]*` would be quadratic on stderr that echoes file metadata.
    blocks = [block for block in re.findall(r"\{[^{}]*+\}", stderr) if '"input_i"' in block]
    if not blocks:
        raise ValueError("loudnorm printed no measurement")
    raw = json.loads(blocks[-1])
    return {key: float(value) for key, value in raw.items() if key != "normalization_type"}


def normalize_args(measured: dict, target: dict) -> dict | None:
    """loudnorm options for the second pass, or None when there is nothing to normalize (silence)."""
    values = [measured["input_i"], measured["input_tp"], measured["input_lra"], measured["input_thresh"]]
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        return None
    return {
        **target, "measured_I": measured["input_i"], "measured_TP": measured["input_tp"],
        "measured_LRA": measured["input_lra"], "measured_thresh": measured["input_thresh"],
        "offset": measured["target_offset"], "linear": "true",
    }
