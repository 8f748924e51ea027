"""Where a job's files are while it runs.

With the local media store a job reads the original from uploads/<id>/source and writes outputs
straight into media/<id>/, where they are served (nothing is copied). With a remote store a worker
on any machine works in its own scratch folder (<data>/scratch/<id>): it fetches the original (and
the outputs of steps another worker already finished), runs the steps there and publishes each
step's outputs to the store before the step is recorded as done, so a worker killed mid-step
loses only its scratch and the database never names an object that is not stored.
"""
import contextlib
import logging
import shutil
import time
from pathlib import Path

from videodesk.core import storage
from videodesk.core.settings import current_settings
from videodesk.media.outputs import TEMP_PREFIX
from videodesk.media.pipeline import ADDED_AUDIO_DIR, ANALYSIS_FILE, HLS_DIR, PARTS_DIR, SPEECH_SOUND
from videodesk.objectstore import StoreUnavailable

log = logging.getLogger(__name__)
# Intermediate files later steps read (poster and preview choose frames from the analysis).
# A long recording's speech sound, for the workers of its transcript's parts.
KEPT_WORK_FILES = (ANALYSIS_FILE, SPEECH_SOUND)


def _kept_work_file(rel: str) -> bool:
    """Stored with the video: the files above, the encoded parts of a parallel ladder
    (jobs/parallel.py) until their assembly, and the files of audio tracks added later."""
    return rel in KEPT_WORK_FILES or rel.startswith((PARTS_DIR + "/", ADDED_AUDIO_DIR + "/"))


class Workspace:
    def __init__(self, video_id: str, job: str | None = None):
        """`job` names a job that may run beside others of the same video on one machine (a part of a
        parallel ladder): it gets a scratch folder of its own."""
        self.video_id = video_id
        self.store = storage.media_store()
        self.in_place = self.store.local_root() is not None
        if self.in_place:
            self.root = storage.upload_dir(video_id)
            self.media_dir = storage.media_dir(video_id)
        else:
            self.root = storage.scratch_dir(video_id if job is None else f"{video_id}.{job}")
            self.media_dir = self.root / "media"
        self.source = self.root / "source"
        self.work_dir = self.root / "work"
        self._stored: dict[str, tuple] = {}  # key -> (size, mtime) of what the store holds from here

    # -- getting files ----------------------------------------------------------------------
    def fetch_original(self):
        if not self.in_place and not self.source.exists():
            self._retrying("fetch the original", lambda: self.store.fetch(storage.original_key(self.video_id),
                                                                          self.source))

    def store_original(self):
        """A source this worker downloaded (a URL import) becomes the private original any worker fetches."""
        if not self.in_place:
            self._retrying("store the original", lambda: self.store.put_file(storage.original_key(self.video_id),
                                                                             self.source))

    def restore(self):
        """Copy into scratch what earlier steps stored (they may have run on another machine)."""
        if self.in_place:
            return

        def copy_all():
            for prefix, folder in ((self.video_id, self.media_dir),
                                   (f"{storage.ORIGINALS}/{self.video_id}/work", self.work_dir)):
                for info in self.store.list(prefix):
                    local = folder / info.key[len(prefix) + 1:]
                    if not (local.exists() and local.stat().st_size == info.size):
                        self.store.fetch(info.key, local)
        self._retrying("fetch earlier outputs", copy_all)
        self._stored = self._snapshot()

    def fetch_key(self, key: str, path: Path):
        """Any stored object (another video's original, for a clip) into this workspace."""
        self._retrying(f"fetch {key}", lambda: self.store.fetch(key, path))

    def fetch_media(self, name: str) -> Path:
        """One output of the video on local disk (the web MP4 for a poster, a caption file)."""
        return self._fetch_one(self.media_dir / name, storage.media_key(self.video_id, name))

    def fetch_work(self, rel: str) -> Path:
        """A kept work file another job stored, on local disk (a long recording's speech sound)."""
        return self._fetch_one(self.work_dir / rel, storage.work_key(self.video_id, rel))

    def _fetch_one(self, path: Path, key: str) -> Path:
        if not self.in_place and not path.exists():
            self._retrying(f"fetch {key}", lambda: self.store.fetch(key, path))
            self._stored = self._snapshot()
        return path

    # -- publishing -------------------------------------------------------------------------
    def _snapshot(self) -> dict[str, tuple]:
        files = {}
        for folder, key_of in ((self.media_dir, lambda rel: storage.media_key(self.video_id, rel)),
                               (self.work_dir, lambda rel: storage.work_key(self.video_id, rel))):
            if not folder.is_dir():
                continue
            for path in folder.rglob("*"):
                rel = path.relative_to(folder).as_posix()
                if path.is_file() and not any(part.startswith(TEMP_PREFIX) for part in rel.split("/")):
                    if folder == self.work_dir and not _kept_work_file(rel):
                        continue
                    stat = path.stat()
                    files[key_of(rel)] = (stat.st_size, stat.st_mtime_ns, path)
        return files

    def publish(self):
        """Upload what changed since the last publish (an HLS ladder as one tree, playlists last) and
        delete what disappeared; retried with backoff while the store is unavailable."""
        if self.in_place:
            return
        current = self._snapshot()
        changed = {key: entry for key, entry in current.items() if self._stored.get(key, ())[:2] != entry[:2]}
        gone = [key for key in self._stored if key not in current]
        hls_prefix = storage.media_key(self.video_id, HLS_DIR) + "/"

        def upload():
            if any(key.startswith(hls_prefix) for key in changed):
                self.store.put_tree(hls_prefix, self.media_dir / HLS_DIR)
            for key, (_size, _mtime, path) in changed.items():
                if not key.startswith(hls_prefix):
                    self.store.put_file(key, path)
            for key in gone:
                self.store.delete(key)
        self._retrying("store the outputs", upload)
        self._stored = current

    def delete_media(self, names):
        """Outputs replaced by new ones (a previous poster or social cut)."""
        for name in names:
            self._retrying(f"delete {name}", lambda name=name: self.store.delete(storage.media_key(self.video_id, name)))

    def discard_work(self, rel: str):
        """A kept work file no job needs any more, here and in the store."""
        (self.work_dir / rel).unlink(missing_ok=True)
        if not self.in_place:
            key = storage.work_key(self.video_id, rel)
            self._retrying(f"delete {rel}", lambda: self.store.delete(key))
            self._stored.pop(key, None)

    def discard_media(self, folder: str):
        """A folder of outputs nothing points at any more (the quick version), here and in the store."""
        shutil.rmtree(self.media_dir / folder, ignore_errors=True)
        if self.in_place:
            return
        prefix = storage.media_key(self.video_id, folder)

        def delete_all():
            for info in self.store.list(prefix):
                self.store.delete(info.key)
                self._stored.pop(info.key, None)
        self._retrying(f"delete {folder}", delete_all)

    def cleanup(self):
        """Drop the scratch folder (remote store only: in place, the files are the served ones)."""
        if not self.in_place:
            shutil.rmtree(self.root, ignore_errors=True)

    def _retrying(self, what: str, action):
        delays = tuple(current_settings().store_retry_delays_s)
        for attempt in range(len(delays) + 1):
            try:
                return action()
            except StoreUnavailable as exc:
                if attempt == len(delays):
                    raise
                log.warning("video %s: could not %s (attempt %d), retrying in %.0f s: %s",
                            self.video_id, what, attempt + 1, delays[attempt], exc)
                time.sleep(delays[attempt])
        return None


@contextlib.contextmanager
def workspace(video_id: str, job: str | None = None):
    ws = Workspace(video_id, job)
    try:
        yield ws
    finally:
        ws.cleanup()
