"""Many machines: what a transcript in parts costs per part, and what that gives N workers.

The quote bench's espeak-ng speech (bench/quote_to_clip.make_speech, N minutes, default 10) is
transcribed twice with the bundled Whisper base on one thread (settings.whisper_threads): as one
job, and as the parts a captions job plans (speech.part_bounds at VIDEODESK_TRANSCRIPT_PART_S,
language detected once, each part decoded on its own). Printed: the plan's cost, each part's,
their sum against the one job, how alike the two transcripts are, and the wall time N workers
would take (the plan, then each free worker takes the next part in order), for 1 to 10 workers.

Usage: python -m bench.transcript_parts [--minutes 10] [--part 60]"""
import argparse
import tempfile
import time
from pathlib import Path

from bench.quote_to_clip import ffmpeg, make_speech
from tests.media import word_error_rate
from videodesk.media import speech

WORKERS = (1, 2, 5, 10)


def wall_time(plan_s: float, costs: list[float], workers: int) -> float:
    """The plan, then the parts in order, each to the first worker free."""
    free = [plan_s] * workers
    for cost in costs:
        first = free.index(min(free))
        free[first] += cost
    return max(free)


def words_of(transcript) -> list[str]:
    return ["".join(c for c in w.text.lower() if c.isalnum()) for w in transcript.words]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--part", type=float, default=60.0)
    args = parser.parse_args()
    work = Path(tempfile.gettempdir()) / "videodesk-bench-quote"
    work.mkdir(exist_ok=True)
    seconds = round(args.minutes * 60)
    pcm = work / f"speech-{seconds}s.pcm"
    if not pcm.exists():
        ffmpeg("-i", str(make_speech(work, seconds)), "-ac", "1", "-ar", str(speech.SAMPLE_RATE), "-f", "s16le", str(pcm))
    samples = speech.load_audio(pcm)
    engine = speech.engine_for(None, work, threads=1)
    print(f"{seconds} s of espeak-ng speech, Whisper base int8 on 1 thread, parts of about {args.part:g} s; "
          f"load average before {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")

    started = time.perf_counter()
    whole = engine.transcribe(samples)
    one_job = time.perf_counter() - started

    started = time.perf_counter()
    chunks = speech.speech_chunks(samples)
    language, _ = engine.detect_language(samples, chunks)
    bounds = speech.part_bounds(chunks, len(samples) / speech.SAMPLE_RATE, args.part)
    plan_s = time.perf_counter() - started
    costs, merged = [], []
    for start, end in bounds:
        started = time.perf_counter()
        part = engine.transcribe(samples[int(start * speech.SAMPLE_RATE):int(end * speech.SAMPLE_RATE)], language=language)
        costs.append(time.perf_counter() - started)
        merged += words_of(part)

    print(f"one job: {one_job:.1f} s ({seconds / one_job:.1f}x realtime), {len(whole.words)} words")
    print(f"plan (speech stretches, language, cuts): {plan_s:.1f} s; {len(bounds)} parts, "
          f"cost per part mean {sum(costs) / len(costs):.1f} s, max {max(costs):.1f} s, "
          f"sum {sum(costs):.1f} s ({sum(costs) / one_job:.2f}x the one job)")
    print(f"parts against one job: word difference {word_error_rate(' '.join(words_of(whole)), ' '.join(merged)):.3f} "
          f"({len(merged)} words)")
    for workers in WORKERS:
        wall = wall_time(plan_s, costs, workers)
        print(f"{workers:2d} worker(s): {wall:6.1f} s  ({one_job / wall:4.1f}x faster than one job)")


if __name__ == "__main__":
    main()
