"""Reading our own HLS output: the files of a fragmented-MP4 media playlist."""
import shutil
from pathlib import Path


def playlist_files(playlist: Path) -> list[Path]:
    """Init segment first, then the media segments, as listed in the playlist."""
    files = []
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXT-X-MAP:"):
            uri = line.split('URI="', 1)[1].split('"', 1)[0]
            files.insert(0, playlist.parent / uri)
        elif line and not line.startswith("#"):
            files.append(playlist.parent / line)
    return files


def join_fragments(playlist: Path, destination: Path) -> Path:
    """init + segments concatenated are one fragmented MP4 (ISO BMFF), ready to remux."""
    with open(destination, "wb") as out:
        for part in playlist_files(playlist):
            with open(part, "rb") as chunk:
                shutil.copyfileobj(chunk, out)
    return destination
