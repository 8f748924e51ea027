"""Automatic captions speed on this machine: realtime factor of pocketsphinx with voice activity
segmentation (ours) vs decoding the whole track as one utterance (the naive baseline), on about a
minute of espeak-ng speech. Usage: python -m bench.transcription [repeats]"""
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.media import SPEECH_SCRIPT, SPEECH_VOICE
from videodesk.media.speech import SAMPLE_RATE, PocketSphinxEngine

from .common import report, timed


def whole_file(pcm: Path):
    from pocketsphinx import Decoder
    decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm.read_bytes(), full_utt=True)
    decoder.end_utt()
    return list(decoder.seg())


def main(repeats: int = 5):
    work = Path(tempfile.mkdtemp(prefix="bench-speech-"))
    wav, pcm = work / "speech.wav", work / "speech.pcm"
    subprocess.run(["espeak-ng", *SPEECH_VOICE, "-w", str(wav), " ".join([SPEECH_SCRIPT] * repeats)], check=True)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ar", str(SAMPLE_RATE), "-ac", "1",
                    "-f", "s16le", str(pcm)], check=True)
    seconds = pcm.stat().st_size / 2 / SAMPLE_RATE
    baseline = timed(lambda: whole_file(pcm))
    ours = timed(lambda: PocketSphinxEngine().transcribe(pcm))
    print(f"speech: {seconds:.0f} s of espeak-ng audio, 16 kHz mono; engine pocketsphinx (one decoding thread)")
    report(seconds, "baseline (whole track, one utterance)", baseline, "videodesk (VAD segments)", ours, 1)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
