"""Readers come before encoders: a worker lowers its own CPU and disk priority once, at start, so
every thread and every ffmpeg it starts inherits it and article pages keep their cores."""
import ctypes
import logging
import os
import platform

log = logging.getLogger(__name__)

IOPRIO_WHO_PROCESS = 1
IOPRIO_CLASS_BEST_EFFORT = 2
IOPRIO_LOWEST_LEVEL = 7
IOPRIO_CLASS_SHIFT = 13
SYS_IOPRIO_SET = {"x86_64": 251, "aarch64": 30}
SYS_IOPRIO_GET = {"x86_64": 252, "aarch64": 31}


def lower_priority(nice: int):
    """Nice the calling process by `nice` (0 leaves it alone) and put its disk I/O in the lowest
    best-effort level. Best-effort, not idle: an idle-class encode could starve on a busy disk."""
    if nice <= 0:
        return
    os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), min(nice, 19)))
    number = SYS_IOPRIO_SET.get(platform.machine())
    value = (IOPRIO_CLASS_BEST_EFFORT << IOPRIO_CLASS_SHIFT) | IOPRIO_LOWEST_LEVEL
    if number is None or ctypes.CDLL(None, use_errno=True).syscall(number, IOPRIO_WHO_PROCESS, 0, value) != 0:
        log.warning("could not lower the worker's disk priority (ioprio_set unavailable)")


def io_priority(pid: int = 0) -> tuple[int, int]:
    """(class, level) of a process's disk priority, as the kernel reports it (for tests and the bench)."""
    number = SYS_IOPRIO_GET[platform.machine()]
    value = ctypes.CDLL(None, use_errno=True).syscall(number, IOPRIO_WHO_PROCESS, pid)
    return value >> IOPRIO_CLASS_SHIFT, value & 0x7
