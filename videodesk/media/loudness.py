"""EBU R128 loudness, two passes: measure the source, then normalize linearly in the ladder pass."""
import json
import re

import ffmpeg

from videodesk.media.command import open_input
from videodesk.media.probe import MediaInfo


def measure_command(src, info: MediaInfo, target: dict) -> list[str]:
    audio = open_input(src, info.demuxer)[str(info.audio.index)].filter(
        "loudnorm", print_format="json", **target)
    # loudnorm prints its measurement at info level, so this command keeps that level.
    return (ffmpeg.output(audio, "-", f="null")
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
