"""Social cuts: the web MP4 reframed to 1:1 or 9:16 with the captions burned in (libass), for
feeds that autoplay muted."""
import ffmpeg

from videodesk.media.command import compile_command, open_input, output_path
from videodesk.media.overlay import Logo, burn_logo

ASPECTS = {"1:1": (720, 720), "9:16": (720, 1280)}
# libass style in script units (captions from VTT get a 288-line script): large bold white text,
# black outline, bottom-centred inside the platforms' safe margins.
STYLE = ("FontName=DejaVu Sans,FontSize=16,Bold=1,PrimaryColour=&H00FFFFFF,OutlineColour=&H00000000,"
         "BorderStyle=1,Outline=2,Shadow=0,Alignment=2,MarginV={margin},MarginL=20,MarginR=20")


def file_name(aspect: str, version: str) -> str:
    """A new name per render, so caches never hand out an older cut."""
    return f"social-{aspect.replace(':', 'x')}-{version}.mp4"


def social_cut_command(mp4_path, captions_path, dst, aspect: str, has_audio: bool, logo: Logo | None = None,
                       sound_path=None) -> list[str]:
    """`sound_path`: another language's audio track (fMP4) instead of the MP4's own sound."""
    width, height = ASPECTS[aspect]
    source = open_input(mp4_path, "mov")
    # Fill the frame: scale to cover it, then crop the centre.
    picture = (source["v:0"]
               .filter("scale", width, height, force_original_aspect_ratio="increase")
               .filter("crop", width, height)
               .filter("setsar", 1))
    if logo is not None:  # under the captions, so text is never hidden
        picture = burn_logo(picture, logo, width)
    if captions_path is not None:
        margin = 40 if aspect == "9:16" else 24
        picture = picture.filter("subtitles", filename=str(captions_path), force_style=STYLE.format(margin=margin))
    has_audio = has_audio or sound_path is not None
    sound = open_input(sound_path, "mov")["a:0"] if sound_path is not None else source["a:0"]
    streams = [picture] + ([sound] if has_audio else [])
    options = {"c:v": "libx264", "preset": "veryfast", "crf": 21, "pix_fmt": "yuv420p", "movflags": "+faststart",
               "f": "mp4"}
    if has_audio:
        options.update({"c:a": "aac", "b:a": "128k"})
    return compile_command(ffmpeg.output(*streams, output_path(dst), **options), progress=True)
