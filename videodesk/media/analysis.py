"""Reading the analysis track of the ladder pass, and choosing frames from it."""
from dataclasses import dataclass


@dataclass
class Sample:
    time: float
    scene: float = 0.0   # change from the previous sample, 0..1
    black: float = 0.0   # share of near-black pixels, 0..100
    blur: float = 0.0    # blurdetect's estimate, higher is blurrier


def parse_analysis(text: str) -> list[Sample]:
    samples = []
    for line in text.splitlines():
        if line.startswith("frame:"):
            fields = dict(part.split(":", 1) for part in line.split() if ":" in part)
            samples.append(Sample(time=float(fields.get("pts_time", 0) or 0)))
        elif samples and "=" in line:
            key, _, value = line.partition("=")
            try:
                number = float(value)
            except ValueError:
                continue
            if key == "lavfi.scene_score":
                samples[-1].scene = number
            elif key == "lavfi.blackframe.pblack":
                samples[-1].black = number
            elif key == "lavfi.blur":
                samples[-1].blur = number
    return samples


CUT = 0.3          # a scene score this high is a cut
SETTLE_S = 0.6     # frames this close to a cut or a brightness change are transitions
MAX_BLACK = 40.0   # percent of near-black pixels a poster may have


def _neighbourhood(samples: list[Sample], duration: float) -> int:
    rate = len(samples) / max(duration, 1e-3)
    return max(1, round(SETTLE_S * rate))


def choose_poster_time(samples: list[Sample], duration: float) -> float:
    """The sharpest frame that is not black, not in a fade and not next to a cut."""
    if not samples:
        return min(duration * 0.2, 8.0)
    k = _neighbourhood(samples, duration)
    lo, hi = duration * 0.05, duration * 0.95
    candidates = []
    for i, sample in enumerate(samples):
        near = samples[max(0, i - k): i + k + 1]
        blacks = [n.black for n in near]
        if (lo <= sample.time <= hi and sample.black <= MAX_BLACK and max(blacks) - min(blacks) < 5
                and all(n.scene < CUT for n in near[1:])):
            candidates.append(sample)
    # Sharpness first; among near-equals prefer frames nearer the start, where the story is set up.
    best = min(candidates or samples, key=lambda s: (round(s.blur + s.black / 10, 1), s.time))
    return round(best.time, 3)


def most_active_start(samples: list[Sample], duration: float, length: float) -> float:
    """Start of the window of `length` seconds with the most picture change (for the preview loop)."""
    if duration <= length or not samples:
        return 0.0
    best_start, best_score, score, end = 0.0, -1.0, 0.0, 0
    for _start_index, start in enumerate(samples):
        if start.time + length > duration:
            break
        while end < len(samples) and samples[end].time <= start.time + length:
            score += samples[end].scene if samples[end].scene < CUT else 0.0
            end += 1
        if score > best_score:
            best_start, best_score = start.time, score
        score -= start.scene if start.scene < CUT else 0.0
    return round(best_start, 3)
