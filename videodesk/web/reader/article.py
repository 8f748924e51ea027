"""The article page, rendered for readers (web/reader/pages.py) and for editors' previews (studio)."""
from flask import render_template, url_for

from videodesk.core.models import Story
from videodesk.newsroom import transcripts
from videodesk.web.live_views import live_view
from videodesk.web.reader.markdown import render_split
from videodesk.web.reader.structured_data import json_ld, news_article, social_tags
from videodesk.web.views import video_view


def render_article(story: Story, preview: bool = False) -> str:
    """A story with a live stream plays it (or its "Live soon" poster) until its recording is
    playable, then the recording, at the same URL."""
    live = live_view(story.live) if story.live else None
    shown = None
    if live and live["recording"] is not None:
        shown, live = live["recording"], None
    elif live is None:
        shown = story.video
    video = video_view(shown) if shown else None
    words = transcripts.plain_text(shown, story.language) if video and video["status"] == "ready" else None
    body, body_after = render_split(story.body, story.video_position if video or live else None)
    return render_template(
        "public/article.html", story=story, body=body, body_after=body_after, video=video, live=live, preview=preview,
        transcript=words, canonical_url=url_for("public.story", slug=story.slug, _external=True),
        json_ld=json_ld(news_article(story, video, words)), social_tags=social_tags(story, video),
    )
