"""What the studio hands out for a video: the embed code, oEmbed and watch-page URLs, downloads, and
the stories that use it. The player and the studio page share these so a copied snippet always
matches what /embed serves."""
from flask import url_for
from markupsafe import Markup

from videodesk.core.lifecycle.states import VideoStatus
from videodesk.core.models import Video
from videodesk.newsroom.stories import live_story_for, stories_using

# The snippet runs on the partner's page (not under our CSP), so its layout is inline: a box of the
# video's aspect ratio that the iframe fills at any column width.
EMBED_SNIPPET = ('<div style="position:relative;padding-top:{ratio}%">'
                 '<iframe src="{src}" title="{title}" loading="lazy" allow="autoplay; fullscreen; picture-in-picture" '
                 'allowfullscreen style="position:absolute;inset:0;width:100%;height:100%;border:0"></iframe></div>')


def aspect_padding(width: int | None, height: int | None) -> float:
    """height / width in percent (56.25 for 16:9); 16:9 until the probe has measured the video."""
    if not width or not height:
        return 56.25
    return round(height * 100 / width, 4)


def embed_snippet(src: str, title: str, width: int | None, height: int | None) -> str:
    ratio = f"{aspect_padding(width, height):g}"
    return str(Markup(EMBED_SNIPPET).format(ratio=ratio, src=src, title=title))


def share_links(video: Video) -> dict:
    """Absolute URLs for other sites; `public` says whether readers can open them yet (a published
    story must use the video, and the video must be ready)."""
    embed_url = url_for("embed.player", video_id=video.id, _external=True)
    return {
        "public": video.status == VideoStatus.READY and live_story_for(video) is not None,
        "embed_url": embed_url,
        "embed_code": embed_snippet(embed_url, video.title, video.width, video.height),
        "oembed_url": url_for("embed.oembed", url=embed_url, format="json", _external=True),
        "watch_url": url_for("watch.page", video_id=video.id, _external=True),
    }


def used_in(video: Video, user) -> tuple[list[dict], int]:
    """The stories using the video that `user` may read, newest first, with a status read at a glance,
    and how many unpublished ones they may not (stories.stories_using)."""
    stories, unpublished = stories_using(video, user)
    return [{"id": story.id, "headline": story.headline, "slug": story.slug,
             "status": "scheduled" if story.is_scheduled else ("live" if story.is_live else story.status)}
            for story in stories], unpublished
