"""Automatic captions on this machine: word error rate, realtime factor and peak memory of
faster-whisper (the bundled Whisper base, int8) and, when it is importable, pocketsphinx (the
former engine) on over three minutes of espeak-ng speech in three voices and speeds.
Each engine runs in its own subprocess, so its peak RSS is its own.
`--speed` compares faster-whisper's speed options instead (beam size, batched inference, threads,
VAD), each against the same corpus. Usage: python -m bench.transcription [--speed]"""
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.media import word_error_rate

SAMPLE_RATE = 16000
TEXTS = [
    "The city council approved a new budget on Tuesday after a long debate. Residents will see more buses, "
    "longer library hours and repairs to the old bridge next year. The mayor said the plan was fair but "
    "that taxes would rise slightly. Opposition members said the money should go to schools instead.",
    "Heavy rain caused flooding in several northern towns overnight. Emergency services rescued dozens of "
    "people from their homes, and the main railway line was closed for several hours. Forecasters expect "
    "more rain later this week, and officials have asked drivers to avoid flooded roads.",
    "The national football team won its final qualifying match by two goals to one. The captain scored the "
    "winning goal in the last minute, and thousands of fans celebrated in the streets of the capital. The "
    "coach said the players had worked hard all season and deserved their place at the tournament.",
    "Shares in the country's largest bank fell sharply on Monday after the company reported lower profits. "
    "The chief executive blamed higher interest rates and a slowdown in lending. Analysts said the bank "
    "would probably cut jobs, although the company has not announced any plans.",
    "Scientists at the university have developed a cheaper way to store energy from solar panels. The new "
    "battery uses common materials and could be ready for homes within five years. The research team said "
    "more testing was needed before the batteries could be sold to the public.",
    "The health minister announced that hospitals will receive extra funding to reduce waiting times. "
    "Nurses welcomed the news but warned that more staff were needed. The government said it would train "
    "thousands of new doctors and nurses over the next decade.",
]
VOICES = [("en-us", 140), ("en+f3", 175), ("en-gb", 140), ("en-us", 175), ("en+f3", 140), ("en-gb", 175)]


def normalized(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()


def make_corpus(work: Path) -> list[tuple[Path, str, str]]:
    clips = []
    for n, (voice, speed) in enumerate(VOICES):
        text = TEXTS[n] + " " + TEXTS[(n + 3) % len(TEXTS)]   # two stories a clip: over 3 minutes in all
        wav, pcm = work / f"{n}.wav", work / f"{n}.pcm"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ar", str(SAMPLE_RATE), "-ac", "1",
                        "-f", "s16le", str(pcm)], check=True)
        clips.append((pcm, text, f"{voice}@{speed}"))
    return clips


# --- run inside the subprocess ------------------------------------------------------------------

def run_whisper(pcms: list[str], data_dir: str, options: dict) -> list[str]:
    """`options` change the engine's settings for this run (this subprocess only): "beam_size",
    "batch_size", "threads", "min_silence_duration_ms" (VAD)."""
    from videodesk.media import speech
    if "beam_size" in options:
        speech.DECODE["beam_size"] = options["beam_size"]
    speech.BATCH_SIZE = options.get("batch_size", speech.BATCH_SIZE)
    if "min_silence_duration_ms" in options:
        speech.VAD["min_silence_duration_ms"] = options["min_silence_duration_ms"]
    engine = speech.engine_for(None, data_dir, options.get("threads", 1))
    return [" ".join(w.text for w in engine.transcribe(Path(p)).words) for p in pcms]


def run_pocketsphinx(pcms: list[str], data_dir: str, options: dict) -> list[str]:
    from pocketsphinx import Decoder, Segmenter
    decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
    texts = []
    for p in pcms:
        words = []
        with open(p, "rb") as stream:
            for segment in Segmenter(sample_rate=SAMPLE_RATE).segment(stream):
                decoder.start_utt()
                decoder.process_raw(segment.pcm, full_utt=True)
                decoder.end_utt()
                words += [re.sub(r"\(\d+\)$", "", s.word) for s in decoder.seg()
                          if not re.match(r"^(<.*>|\[.*\]|\+\+.*\+\+)$", s.word)]
        texts.append(" ".join(words))
    return texts


ENGINES = {"faster-whisper (base, int8)": ("run_whisper", None, {}),
           "pocketsphinx 5 (en-us)": ("run_pocketsphinx", "pocketsphinx", {})}
# `--speed`: what faster-whisper offers on this machine for speed, each against the same corpus.
SPEED_VARIANTS = {
    "whisper beam 5, 1 thread (today)": ("run_whisper", None, {}),
    "whisper beam 1 (greedy)": ("run_whisper", None, {"beam_size": 1}),
    "whisper batched 8, beam 5": ("run_whisper", None, {"batch_size": 8}),
    "whisper batched 8, beam 1": ("run_whisper", None, {"batch_size": 8, "beam_size": 1}),
    "whisper beam 5, all cores": ("run_whisper", None, {"threads": len(os.sched_getaffinity(0))}),
    "whisper VAD silence 300 ms": ("run_whisper", None, {"min_silence_duration_ms": 300}),
}


def child(function: str, pcms: list[str], data_dir: str, options: dict):
    started = time.perf_counter()
    texts = globals()[function](pcms, data_dir, options)   # includes loading the model, as a worker's first job does
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"texts": texts, "seconds": seconds, "peak_mb": peak_mb}))


def main():
    import importlib.util
    work = Path(tempfile.mkdtemp(prefix="bench-speech-"))
    clips = make_corpus(work)
    audio_s = sum(pcm.stat().st_size / 2 / SAMPLE_RATE for pcm, _, _ in clips)
    from videodesk.media import whisper_model
    whisper_model.assemble(work)  # once, outside the timing (a worker finds it assembled)
    print(f"speech: {audio_s:.0f} s of espeak-ng audio in {len(clips)} clips "
          f"({', '.join(sorted({label for _, _, label in clips}))}), 16 kHz mono")
    print(f"{'engine':30} {'WER':>6} {'realtime x':>11} {'peak RSS':>9}")
    for name, (function, module, options) in (SPEED_VARIANTS if "--speed" in sys.argv else ENGINES).items():
        if module and importlib.util.find_spec(module) is None:
            print(f"{name:30} (not installed: skipped)")
            continue
        out = subprocess.run([sys.executable, "-m", "bench.transcription", "--child", function, str(work),
                              json.dumps(options), *[str(pcm) for pcm, _, _ in clips]],
                             check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        reference = [w for _, text, _ in clips for w in normalized(text)]
        hypothesis = [w for text in result["texts"] for w in normalized(text)]
        wer = word_error_rate(" ".join(reference), " ".join(hypothesis))
        per_clip = " ".join(f"{label}:{word_error_rate(' '.join(normalized(text)), ' '.join(normalized(h))):.2f}"
                            for (_, text, label), h in zip(clips, result["texts"]))
        print(f"{name:30} {wer:6.3f} {audio_s / result['seconds']:10.1f}x {result['peak_mb']:7.0f} MB   {per_clip}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[5:], sys.argv[3], json.loads(sys.argv[4]))
    else:
        main()
