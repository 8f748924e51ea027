"""Small edits to our own fragmented-MP4 (ISO BMFF) files that ffmpeg 5.1 cannot make itself:
the display matrix of a stream-copied rotated video (its HLS muxer drops it) and the decode times
of segments encoded in separate chunks (each chunk's muxer starts its clock at zero)."""
import struct

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"mvex", b"edts"}


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    """(type, offset of the box, offset of its payload, end) of every box, depth first."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[offset + 8:offset + 16])[0], 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise ValueError(f"damaged MP4 box {kind!r} at {offset}")
        yield kind, offset, offset + header, offset + size
        if kind in CONTAINERS:
            yield from _boxes(data, offset + header, offset + size)
        offset += size


def _tracks(data: bytes):
    """(handler type, trak start, trak end) per track of an init segment."""
    for kind, _, payload, end in _boxes(data):
        if kind == b"trak":
            handler = next((data[p + 8:p + 12] for k, _, p, e in _boxes(data, payload, end) if k == b"hdlr"), b"")
            yield handler, payload, end


def _video_box(data: bytes, wanted: bytes) -> int:
    for handler, start, end in _tracks(data):
        if handler == b"vide":
            for kind, _, payload, _ in _boxes(data, start, end):
                if kind == wanted:
                    return payload
    raise ValueError(f"no video {wanted.decode()} box")


def video_timescale(init: bytes) -> int:
    """Ticks per second of the video track (its mdhd)."""
    at = _video_box(init, b"mdhd")
    return struct.unpack(">I", init[at + (20 if init[at] == 1 else 12):][:4])[0]


def avc_codec(init: bytes) -> str:
    """The RFC 6381 codec string of the H.264 track ("avc1.64001f"), for the master playlist."""
    at = init.find(b"avcC")
    if at < 0:
        raise ValueError("no avcC box")
    profile, constraints, level = init[at + 5:at + 8]
    return f"avc1.{profile:02x}{constraints:02x}{level:02x}"


def rotation_matrix(rotation: int, width: int, height: int) -> bytes:
    """tkhd matrix for a picture shown rotated `rotation` degrees counterclockwise (probe's value),
    as ffmpeg's MP4 muxer writes it."""
    clockwise = -rotation % 360
    a, b, c, d, tx, ty = {0: (1, 0, 0, 1, 0, 0), 90: (0, 1, -1, 0, height, 0),
                          180: (-1, 0, 0, -1, width, height), 270: (0, -1, 1, 0, 0, width)}[clockwise]
    return struct.pack(">9i", a << 16, b << 16, 0, c << 16, d << 16, 0, tx << 16, ty << 16, 1 << 30)


def set_rotation(init: bytes, rotation: int) -> bytes:
    """The init segment with the video track's display matrix set (players turn the picture)."""
    at = _video_box(init, b"tkhd")
    matrix_at = at + (52 if init[at] == 1 else 40)
    width, height = (value >> 16 for value in struct.unpack(">II", init[matrix_at + 36:matrix_at + 44]))
    return init[:matrix_at] + rotation_matrix(rotation, width, height) + init[matrix_at + 36:]


def shift_times(segment: bytes, ticks: int, timescale: int) -> bytes:
    """A media segment whose decode times (tfdt) and index time (sidx) start `ticks` (of the
    track's `timescale`) later."""
    data = bytearray(segment)
    for kind, _, at, _ in _boxes(segment):
        if kind == b"tfdt":
            field, fmt, shift = at + 4, ">Q" if data[at] == 1 else ">I", ticks
        elif kind == b"sidx":
            own_scale = struct.unpack(">I", data[at + 8:at + 12])[0]
            field, fmt, shift = at + 12, ">Q" if data[at] == 1 else ">I", ticks * own_scale // timescale
        else:
            continue
        size = struct.calcsize(fmt)
        value = struct.unpack(fmt, data[field:field + size])[0] + shift
        if fmt == ">I" and value >= 1 << 32:
            raise ValueError("time does not fit a version 0 box")
        data[field:field + size] = struct.pack(fmt, value)
    return bytes(data)
