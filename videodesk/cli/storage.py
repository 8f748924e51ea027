"""Media store commands: storage-setup (bucket, policy, CORS), storage-migrate (a local installation
into the bucket) and storage-check (missing and orphaned objects). See docs/MANY_MACHINES.md."""
import click
from flask.cli import with_appcontext
from sqlalchemy import select, update

from videodesk.core import db, storage
from videodesk.core.models import Video
from videodesk.core.settings import current_settings
from videodesk.newsroom import media_files, visibility
from videodesk.objectstore import LocalStore


@click.command("storage-setup")
@with_appcontext
def storage_setup():
    """Create the bucket if needed and apply its policy (anonymous reads of public/ only) and CORS rules."""
    store = storage.media_store()
    store.prepare()
    click.echo(f"media store ready: {store!r}")


def _local_files():
    """(key, path) of every media file and original in this data folder."""
    data = current_settings().data_dir
    media = LocalStore(data / "media")
    for info in media.list(""):
        yield info.key, media.local_path(info.key)
    for source in sorted((data / "uploads").glob("*/source")):
        yield storage.original_key(source.parent.name), source


@click.command("storage-migrate")
@with_appcontext
def storage_migrate():
    """Copy this data folder's media and originals into the configured bucket (run it on the old
    machine, with the VIDEODESK_S3_* settings of the new installation).

    Idempotent and resumable: an object already holding the same bytes (size and checksum) is
    skipped, so after an interruption run it again. Every uploaded object is checked against its
    file afterwards; a mismatch is deleted and reported (exit status 1). Then the videos of live
    stories are published. The local files are left in place."""
    store = storage.media_store()
    if storage.media_in_place():
        raise click.ClickException("Set VIDEODESK_S3_BUCKET (and the other VIDEODESK_S3_* settings) first.")
    store.prepare()
    stored = {info.key: info for info in store.list("")}
    uploaded, skipped = {}, 0
    for key, path in _local_files():
        if key in stored and store.same_bytes(stored[key], path):
            skipped += 1
            continue
        store.put_file(key, path)
        uploaded[key] = path
    after = {info.key: info for info in store.list("")} if uploaded else {}
    bad = [key for key, path in uploaded.items() if key not in after or not store.same_bytes(after[key], path)]
    for key in bad:
        store.delete(key)
        click.echo(f"checksum mismatch, deleted: {key}", err=True)
    # Nothing is public in the bucket yet, whatever the local store had: publish afresh.
    db.session().execute(update(Video).values(media_public=False))
    db.session().commit()
    published = visibility.sync_all()
    click.echo(f"uploaded {len(uploaded) - len(bad)}, already there {skipped}, failed {len(bad)}; "
               f"videos published {published}")
    if bad:
        raise SystemExit(1)


@click.command("storage-check")
@with_appcontext
@click.option("--delete-orphans", is_flag=True, help="Delete objects of videos that no longer exist.")
def storage_check(delete_orphans):
    """Report objects the database names but the store lacks, and objects of no known video."""
    store = storage.media_store()
    videos = list(db.session().scalars(select(Video)))
    ids = {video.id for video in videos}
    expected = {storage.media_key(video.id, name) for video in videos for name in media_files.all_names(video)}
    if not storage.media_in_place():
        expected |= {storage.original_key(video.id) for video in videos if video.source_size}
    listed = {info.key for info in store.list("")}
    missing = sorted(expected - listed)

    def owner(key):
        parts = key.split("/")
        return parts[1] if parts[0] == storage.ORIGINALS and len(parts) > 1 else parts[0]

    orphaned = sorted(key for key in listed if owner(key) not in ids)
    for key in missing:
        click.echo(f"missing: {key}")
    for key in orphaned:
        click.echo(f"orphaned: {key}")
    if delete_orphans:
        for video_id in sorted({owner(key) for key in orphaned}):
            storage.delete_video_objects(video_id)
    click.echo(f"{len(videos)} videos, {len(listed)} objects: {len(missing)} missing, {len(orphaned)} orphaned"
               + (" (deleted)" if delete_orphans and orphaned else ""))
    if missing or (orphaned and not delete_orphans):
        raise SystemExit(1)


COMMANDS = (storage_setup, storage_migrate, storage_check)
