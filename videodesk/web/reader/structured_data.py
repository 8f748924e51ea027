"""What search engines and social networks read: schema.org JSON-LD, Open Graph and Twitter tags."""
import json

from flask import url_for
from markupsafe import Markup

from videodesk.core.models import Story
from videodesk.web.filters import absolute


def iso_duration(seconds: float | None) -> str | None:
    """ISO 8601 duration (schema.org VideoObject.duration): 75.4 -> PT1M15S."""
    if seconds is None:
        return None
    total = max(1, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")


def watch_url(video_id: str) -> str:
    """The watch page: the video as the main content."""
    return url_for("watch.page", video_id=video_id, _external=True)


def video_object(story: Story, video_data: dict, transcript_text: str | None, page_url: str | None = None) -> dict:
    """`page_url` is where key moments and seeking point: the article unless given (the watch page)."""
    data = {
        "@type": "VideoObject",
        "url": watch_url(video_data["id"]),
        "name": story.headline,
        "description": story.dek or story.headline,
        "thumbnailUrl": [absolute(p["jpeg_url"]) for p in video_data["posters"]] or [absolute(video_data["poster_url"])],
        "uploadDate": (story.published_at or story.created_at).isoformat(),
        "duration": iso_duration(video_data["duration"]),
        "contentUrl": absolute(video_data["mp4_url"]),
        "embedUrl": url_for("embed.player", video_id=video_data["id"], _external=True),
        "width": video_data["width"], "height": video_data["height"],
        "inLanguage": spoken_language(video_data) or story.language,
    }
    if len(video_data["audio"]) > 1:
        data["audio"] = [{"@type": "AudioObject", "name": track["label"], "inLanguage": track["lang"],
                          "contentUrl": absolute(track["url"]), "encodingFormat": "application/vnd.apple.mpegurl"}
                         for track in video_data["audio"]]
    if any(track["kind"] == "description" for track in video_data["audio"]):
        data["accessibilityFeature"] = ["audioDescription"]
    if transcript_text:
        data["transcript"] = transcript_text
    page = page_url or url_for("public.story", slug=story.slug, _external=True)
    if video_data["chapters"]:
        data["hasPart"] = chapter_clips(video_data["chapters"], video_data["duration"], page)
    data["potentialAction"] = {"@type": "SeekToAction", "target": page + "?t={seek_to_second_number}",
                               "startOffset-input": "required name=seek_to_second_number"}
    return data


def spoken_language(video_data: dict) -> str | None:
    """The language of the video's own (default) sound, when its file said."""
    main = next((track for track in video_data["audio"] if track["default"]), None)
    return main["lang"] if main and main["lang"] != "und" else None


def chapter_clips(chapters: list[dict], duration: float | None, page_url: str) -> list[dict]:
    """schema.org Clip "key moments": each chapter until the next one (the last until the end)."""
    ends = [c["start"] for c in chapters[1:]] + [duration or chapters[-1]["start"]]
    return [{"@type": "Clip", "name": chapter["title"], "startOffset": _seconds(chapter["start"]),
             "endOffset": _seconds(end), "url": f"{page_url}?t={int(chapter['start'])}"}
            for chapter, end in zip(chapters, ends, strict=True)]


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 3)


def watch_video_object(story: Story, video_data: dict, transcript_text: str | None, plays: int) -> dict:
    """The watch page's main entity: the VideoObject, its key moments pointing at the watch page, and its play count."""
    return {"@context": "https://schema.org",
            **video_object(story, video_data, transcript_text, page_url=watch_url(video_data["id"])),
            "interactionStatistic": {"@type": "InteractionCounter", "interactionType": {"@type": "WatchAction"},
                                     "userInteractionCount": plays}}


def news_article(story: Story, video_data: dict | None, transcript_text: str | None) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline[:110],
        "description": story.dek or None,
        "datePublished": story.published_at.isoformat() if story.published_at else None,
        "dateModified": story.updated_at.isoformat(),
        "articleSection": story.section,
        "inLanguage": story.language,
        "mainEntityOfPage": url_for("public.story", slug=story.slug, _external=True),
        "author": [{"@type": "Person", "name": story.byline}] if story.byline else None,
        "publisher": {"@type": "Organization", "name": "videodesk"},
    }
    if video_data and video_data["status"] == "ready":
        data["video"] = video_object(story, video_data, transcript_text)
        data["image"] = data["video"]["thumbnailUrl"]
    return {key: value for key, value in data.items() if value is not None}


def json_ld(data: dict) -> Markup:
    """Safe inside <script type="application/ld+json">: no '</script>' can close it early."""
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def social_tags(story: Story, video_data: dict | None, page_url: str | None = None,
                og_type: str = "article") -> list[tuple[str, str, str]]:
    """(attribute, name, content) for Open Graph and Twitter card meta tags of the article (or, with
    `page_url` and og_type "video.other", of the watch page)."""
    url = page_url or url_for("public.story", slug=story.slug, _external=True)
    tags = [("property", "og:type", og_type), ("property", "og:title", story.headline),
            ("property", "og:url", url), ("property", "og:site_name", "videodesk"),
            ("property", "og:description", story.dek or story.headline),
            ("name", "twitter:title", story.headline), ("name", "twitter:description", story.dek or story.headline)]
    if video_data and video_data["status"] == "ready":
        poster = video_data["posters"][0] if video_data["posters"] else None
        embed = url_for("embed.player", video_id=video_data["id"], _external=True)
        tags += [("property", "og:image", absolute(video_data["poster_url"]))]
        if poster:
            tags += [("property", "og:image:width", str(poster["width"])),
                     ("property", "og:image:height", str(poster["height"]))]
        tags += [("property", "og:video", absolute(video_data["mp4_url"])),
                 ("property", "og:video:secure_url", absolute(video_data["mp4_url"])),
                 ("property", "og:video:type", "video/mp4"),
                 ("property", "og:video:width", str(video_data["width"])),
                 ("property", "og:video:height", str(video_data["height"])),
                 ("name", "twitter:card", "player"), ("name", "twitter:player", embed),
                 ("name", "twitter:player:width", str(video_data["width"])),
                 ("name", "twitter:player:height", str(video_data["height"])),
                 ("name", "twitter:image", absolute(video_data["poster_url"]))]
    else:
        tags.append(("name", "twitter:card", "summary"))
    return tags
