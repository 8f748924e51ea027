"""What the player may report, checked cheaply: a beacon is a small JSON object of sums since the
player's previous beacon of the same page view. It names the video and the surface, never the reader
(no id of any kind: the sums need none). docs/ANALYTICS.md lists the fields."""
from dataclasses import dataclass

from videodesk.core.errors import Invalid
from videodesk.core.ids import is_random_id

SURFACES = ("article", "watch", "embed")
RETENTION_BINS = 100  # retention is kept per 1 % of the video, whatever its length
MAX_MS = 3_600_000  # one beacon covers at most an hour of watching or stalling
MAX_STARTUP_MS = 600_000
MAX_COUNT = 1000
MAX_HEIGHTS = 8
FIELDS = frozenset({"video", "surface", "view", "startup_ms", "watch_ms", "stall_ms", "stalls", "seen", "heights",
                    "switches", "error", "exit_before_start"})


@dataclass(frozen=True)
class Beacon:
    video_id: str
    surface: str
    view: bool = False  # the first beacon of a page view: counts one view
    startup_ms: int | None = None  # ms from the play intent to the first frame, once per view
    watch_ms: int = 0
    stall_ms: int = 0  # stalls after the first frame, ended since the previous beacon
    stalls: int = 0
    seen: tuple[int, ...] = ()  # percents of the video this view saw for the first time
    heights: tuple[tuple[int, int], ...] = ()  # (picture height, ms watched at it)
    switches: int = 0  # rendition switches
    error_code: int | None = None  # the view's playback error (MediaError code; 0 other), once per view
    error_fatal: bool = False
    exit_before_start: bool = False


def _refuse(why: str):
    raise Invalid(code="invalid_beacon", message=f"This beacon is not valid: {why}.")


def _number(data: dict, name: str, maximum: int) -> int:
    value = data.get(name, 0)
    if type(value) is not int or not 0 <= value <= maximum:
        _refuse(f"'{name}' must be a whole number from 0 to {maximum}")
    return value


def _flag(data: dict, name: str) -> bool:
    value = data.get(name, False)
    if type(value) is not bool:
        _refuse(f"'{name}' must be true or false")
    return value


def _seen(value) -> tuple[int, ...]:
    if (not isinstance(value, list) or len(value) > RETENTION_BINS
            or any(type(p) is not int or not 0 <= p < RETENTION_BINS for p in value) or len(set(value)) != len(value)):
        _refuse(f"'seen' must list distinct percents from 0 to {RETENTION_BINS - 1}")
    return tuple(value)


def _heights(value) -> tuple[tuple[int, int], ...]:
    if (not isinstance(value, list) or len(value) > MAX_HEIGHTS
            or any(not isinstance(pair, list) or len(pair) != 2 or type(pair[0]) is not int or type(pair[1]) is not int
                   or not 0 < pair[0] <= 8192 or not 0 <= pair[1] <= MAX_MS for pair in value)):
        _refuse(f"'heights' must list up to {MAX_HEIGHTS} [height, ms] pairs")
    return tuple((height, ms) for height, ms in value)


def parse(data) -> Beacon:
    """The beacon in `data` (decoded JSON), or Invalid (400 invalid_beacon)."""
    if not isinstance(data, dict) or not FIELDS.issuperset(data):
        _refuse(f"send a JSON object with only these fields: {', '.join(sorted(FIELDS))}")
    if not is_random_id(data.get("video")):
        _refuse("'video' must be a video id")
    if data.get("surface") not in SURFACES:
        _refuse(f"'surface' must be one of {', '.join(SURFACES)}")
    startup = data.get("startup_ms")
    if startup is not None:
        startup = _number(data, "startup_ms", MAX_STARTUP_MS)
    error = data.get("error")
    if error is not None and not (isinstance(error, dict) and set(error) <= {"code", "fatal"}):
        _refuse("'error' must be {\"code\", \"fatal\"}")
    return Beacon(
        video_id=data["video"], surface=data["surface"], view=_flag(data, "view"), startup_ms=startup,
        watch_ms=_number(data, "watch_ms", MAX_MS), stall_ms=_number(data, "stall_ms", MAX_MS),
        stalls=_number(data, "stalls", MAX_COUNT), seen=_seen(data.get("seen", [])),
        heights=_heights(data.get("heights", [])), switches=_number(data, "switches", MAX_COUNT),
        error_code=None if error is None else _number(error, "code", 99),
        error_fatal=False if error is None else _flag(error, "fatal"),
        exit_before_start=_flag(data, "exit_before_start"))
