"""Charts of playback analytics drawn as server-side SVG: numbers in, geometry out (paths, bars,
ticks, marks), rendered by templates/studio/_charts.html. No script and no inline style, so the CSP
stays strict; colours come from the studio's CSS variables (light and dark), and the viewBox scales
to a phone's width. Every chart carries a text summary for screen readers."""
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 40, 352, 12, 160  # the plot area inside the viewBox
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Tick:
    at: float  # viewBox coordinate
    label: str


@dataclass(frozen=True)
class Mark:
    """A labelled vertical line: a chapter start or the poster frame."""

    x: float
    label: str
    kind: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Line:
    kind: str  # its CSS class
    path: str
    label: str
    dots: tuple[tuple[float, float], ...] = ()  # drawn where points are few (a lone day shows)


@dataclass
class Chart:
    name: str
    title: str
    summary: str
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    area: str = ""
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    plot: tuple[int, int, int, int] = (LEFT, TOP, RIGHT, BOTTOM)


def _x(fraction: float) -> float:
    return round(LEFT + (RIGHT - LEFT) * fraction, 1)


def _y(fraction: float) -> float:
    return round(BOTTOM - (BOTTOM - TOP) * fraction, 1)


def clock(seconds: float) -> str:
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def nice_ceiling(value: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten at or above `value` (axes end on a round number)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def _path(points: list[tuple[float, float] | None]) -> str:
    """An SVG path through the points; None breaks the line (a day without plays)."""
    parts, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]},{point[1]}")
        pen_down = True
    return " ".join(parts)


def _day_ticks(days: list[str]) -> list[Tick]:
    """Up to 7 date labels ("Dec 4") spread over the days."""
    if not days:
        return []
    step = max(1, math.ceil(len(days) / 7))
    return [Tick(_x((index + 0.5) / len(days)), f"{MONTHS[int(day[5:7]) - 1]} {int(day[8:])}")
            for index, day in enumerate(days) if index % step == 0]


def retention_chart(retention: list[float], duration: float | None, chapters: list[dict],
                    poster_time: float | None) -> Chart:
    """The share of plays still watching at each percent of the video, with chapter starts and the
    poster frame marked on it."""
    length = duration or 0
    points = [(_x((index + 0.5) / len(retention)), _y(share)) for index, share in enumerate(retention)]
    area = f"M{_x(0)},{_y(0)} " + " ".join(f"L{x},{y}" for x, y in points) + f" L{_x(1)},{_y(0)} Z" if points else ""
    marks = [Mark(_x(chapter["start"] / length), chapter["title"], "chapter")
             for chapter in chapters if length and 0 <= chapter["start"] < length]
    if poster_time is not None and length:
        marks.append(Mark(_x(min(poster_time / length, 1)), "Poster", "poster"))
    half = retention[len(retention) // 2] if retention else 0
    end = retention[-1] if retention else 0
    return Chart(
        name="retention", title="Audience retention",
        summary=f"Share of plays still watching: {half:.0%} at the middle, {end:.0%} at the end.",
        x_ticks=[Tick(_x(f), clock(length * f) if length else f"{f:.0%}") for f in (0, 0.25, 0.5, 0.75, 1)],
        y_ticks=[Tick(_y(f), f"{f:.0%}") for f in (0, 0.25, 0.5, 0.75, 1)],
        lines=[Line("retention-line", _path(points), "still watching")], area=area, marks=marks)


def views_chart(by_day: list[dict]) -> Chart:
    """Views per day as bars."""
    top = nice_ceiling(max(2, *(day["views"] for day in by_day)))  # whole views on the axis
    slot = (RIGHT - LEFT) / max(1, len(by_day))
    bars = [Bar(round(LEFT + slot * index + slot * 0.15, 1), _y(day["views"] / top), round(slot * 0.7, 1),
                round(_y(0) - _y(day["views"] / top), 1), f"{day['day']}: {day['views']} views")
            for index, day in enumerate(by_day)]
    total = sum(day["views"] for day in by_day)
    return Chart(name="views", title="Views per day", summary=f"{total} views in {len(by_day)} days.",
                 x_ticks=_day_ticks([day["day"] for day in by_day]),
                 y_ticks=[Tick(_y(f), f"{top * f:g}") for f in (0, 0.5, 1)], bars=bars)


def startup_chart(by_day: list[dict]) -> Chart:
    """Median and 95th-percentile time to first frame per day (gaps on days without plays)."""
    values = [day["startup_ms"][key] for day in by_day for key in ("p50", "p95") if day["startup_ms"][key] is not None]
    top = nice_ceiling(max(values, default=0))
    lines = []
    for key, label in (("p95", "95th percentile"), ("p50", "median")):
        points = [None if day["startup_ms"][key] is None else
                  (_x((index + 0.5) / len(by_day)), _y(day["startup_ms"][key] / top)) for index, day in enumerate(by_day)]
        lines.append(Line(f"startup-{key}", _path(points), label, dots=tuple(p for p in points if p is not None)))
    medians = [day["startup_ms"]["p50"] for day in by_day if day["startup_ms"]["p50"] is not None]
    summary = (f"Median time to first frame from {min(medians):.0f} to {max(medians):.0f} ms per day."
               if medians else "No plays in this period.")
    return Chart(name="startup", title="Startup time (ms)", summary=summary,
                 x_ticks=_day_ticks([day["day"] for day in by_day]),
                 y_ticks=[Tick(_y(f), f"{top * f:g}") for f in (0, 0.5, 1)], lines=lines)


def bar_shares(items: list[dict], key: str = "views") -> list[tuple[dict, float]]:
    """Each ranked item with its bar length (0-100) against the first."""
    top = max((item[key] for item in items), default=0) or 1
    return [(item, round(100 * item[key] / top, 1)) for item in items]
