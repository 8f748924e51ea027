"""The full ladder of a long 1080p source, in chunks: every part on one worker process pinned to
one core, against two worker processes each pinned to its own core, in the same run; then the
chunked output against one unchunked pass (PSNR, frame counts, bit rates).
Target: two workers in <= 0.55x the time of one. Usage: python -m bench.parallel_ladder [seconds]"""
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from videodesk.media import hls, ladder, pipeline, probe
from videodesk.media.runner import run

from .common import generate_source

TARGET = 0.55
LIMITS = pipeline.Limits(max_duration=36000, max_dimension=8192, ffmpeg_timeout=36000, ffprobe_timeout=60,
                         loudness_target={"I": -16.0, "TP": -1.5, "LRA": 11.0}, chunk_seconds=60)
PART_RUNNER = """
import json, sys, time
from pathlib import Path
from videodesk.media import pipeline
state, names, work = json.loads(sys.argv[1]), sys.argv[2].split(","), Path(sys.argv[3])
limits = pipeline.Limits(**json.loads(sys.argv[4]))
ctx = pipeline.Context(source=Path(sys.argv[5]), media_dir=work / "media", work_dir=work / "work", limits=limits, state=state)
for name in names:
    started = time.perf_counter()
    pipeline.encode_audio(ctx) if name == "audio" else pipeline.encode_chunk(ctx, int(name))
    print(json.dumps({"part": name, "seconds": time.perf_counter() - started}), flush=True)
"""


def run_parts(ctx, core_of_worker: list[int], parts: list[str]) -> tuple[float, list[dict]]:
    """Each worker process takes the next part from a shared list, like queue consumers do."""
    pending = list(parts)
    costs = []

    def worker(core: int):
        while pending:
            name = pending.pop(0)
            limits = {k: v for k, v in vars(LIMITS).items() if k not in ("data_dir",)}
            out = subprocess.run(["taskset", "-c", str(core), sys.executable, "-c", PART_RUNNER,
                                  json.dumps(ctx.state), name, str(ctx.work_dir.parent), json.dumps(limits),
                                  str(ctx.source)], check=True, capture_output=True, text=True).stdout
            costs.append(json.loads(out.splitlines()[-1]))

    started = time.perf_counter()
    with ThreadPoolExecutor(len(core_of_worker)) as pool:
        list(pool.map(worker, core_of_worker))
    return time.perf_counter() - started, costs


def stream_stats(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_packets:format=bit_rate", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    return {"frames": int(data["streams"][0]["nb_read_packets"]), "kbps": int(data["format"]["bit_rate"]) // 1000}


def psnr(a: Path, b: Path) -> float:
    err = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-i", str(a), "-i", str(b), "-lavfi", "psnr",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(err.rsplit("average:", 1)[1].split()[0])


def prepared(work: Path, source: Path) -> pipeline.Context:
    ctx = pipeline.Context(source=source, media_dir=work / "media", work_dir=work / "work", limits=LIMITS, state={})
    assert pipeline.run_steps(ctx) is False, "the source is too short to be chunked"
    return ctx


def main(seconds: int = 600):
    work = Path(tempfile.mkdtemp(prefix="bench-parallel-"))
    source = generate_source(work / "source.mp4", seconds=seconds, size="1920x1080")
    one, two = prepared(work / "one", source), prepared(work / "two", source)
    parts = [pipeline.chunk_name(c.index) for c in pipeline.ladder_chunks(one)] + ["audio"]
    one_wall, costs = run_parts(one, [0], parts)
    two_wall, _ = run_parts(two, [0, 1], parts)
    for ctx in (one, two):
        pipeline.assemble_ladder(ctx)
    print(f"source: {seconds} s of 1920x1080 H.264, {len(parts) - 1} chunks of {LIMITS.chunk_seconds:g} s + sound")
    print(f"one worker (1 core)   {one_wall:8.1f} s")
    print(f"two workers (2 cores) {two_wall:8.1f} s  ratio {two_wall / one_wall:.3f} (target <= {TARGET})")
    chunk_costs = sorted(c["seconds"] for c in costs if c["part"] != "audio")
    audio = next(c["seconds"] for c in costs if c["part"] == "audio")
    print(f"per chunk on one core: min {chunk_costs[0]:.1f} s, max {chunk_costs[-1]:.1f} s, "
          f"sum {sum(chunk_costs):.1f} s; sound {audio:.1f} s")

    single = work / "single"
    single.mkdir()
    info = probe.probe(source, timeout=60)
    renditions = ladder.renditions_for(info.video.display_width, info.video.display_height)
    started = time.perf_counter()
    run(["taskset", "-c", "0", *ladder.ladder_command(source, info, single / "hls", single / "analysis.txt",
                                                       renditions, None)], timeout=36000)
    print(f"unchunked single pass (1 core) {time.perf_counter() - started:8.1f} s")
    for rendition in renditions:
        chunked = hls.join_fragments(two.media_dir / "hls" / rendition.name / "index.m3u8", work / f"c-{rendition.name}.mp4")
        plain = hls.join_fragments(single / "hls" / rendition.name / "index.m3u8", work / f"s-{rendition.name}.mp4")
        a, b = stream_stats(chunked), stream_stats(plain)
        print(f"{rendition.name:6s} frames {a['frames']} vs {b['frames']}, {a['kbps']} vs {b['kbps']} kbit/s, "
              f"PSNR chunked vs single {psnr(chunked, plain):.2f} dB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
