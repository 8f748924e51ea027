"""Subtitle streams inside an upload (mov_text in MP4, SubRip/ASS/WebVTT in Matroska), extracted
to WebVTT per language."""
import ffmpeg

from videodesk.media.command import compile_command, open_input, output_path
from videodesk.media.probe import MediaInfo

TEXT_CODECS = {"mov_text", "subrip", "srt", "ass", "ssa", "webvtt", "text"}
# ISO 639-2 (what containers store) to the BCP 47 tags the player and the API use.
LANGUAGES = {"eng": "en", "spa": "es", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "ita": "it",
             "por": "pt", "nld": "nl", "dut": "nl", "ara": "ar", "zho": "zh", "chi": "zh", "jpn": "ja",
             "rus": "ru", "pol": "pl", "tur": "tr", "ukr": "uk", "kor": "ko", "hin": "hi", "swe": "sv"}


def stream_language(code: str | None) -> str:
    """The container's tag is file metadata anyone can write; it names a file, so only letters pass."""
    code = (code or "und").lower()
    return LANGUAGES.get(code, code if len(code) == 2 and code.isascii() and code.isalpha() else "und")


def text_streams(info: MediaInfo) -> list[dict]:
    return [s for s in info.subtitles if s["codec"] in TEXT_CODECS]


def extract_command(src, info: MediaInfo, stream_index: int, dst) -> list[str]:
    stream = open_input(src, info.demuxer)[str(stream_index)]
    return compile_command(ffmpeg.output(stream, output_path(dst), **{"c:s": "webvtt", "f": "webvtt"}))
