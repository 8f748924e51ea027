"""The article page, rendered for readers (web/reader/pages.py) and for editors' previews (studio)."""
from flask import render_template, url_for

from videodesk.core.models import Story
from videodesk.newsroom import transcripts
from videodesk.web.reader.markdown import render_split
from videodesk.web.reader.structured_data import json_ld, news_article, social_tags
from videodesk.web.views import video_view


def render_article(story: Story, preview: bool = False) -> str:
    video = video_view(story.video) if story.video else None
    words = transcripts.plain_text(story.video, story.language) if video and video["status"] == "ready" else None
    body, body_after = render_split(story.body, story.video_position if video else None)
    return render_template(
        "public/article.html", story=story, body=body, body_after=body_after, video=video, preview=preview,
        transcript=words, canonical_url=url_for("public.story", slug=story.slug, _external=True),
        json_ld=json_ld(news_article(story, video, words)), social_tags=social_tags(story, video),
    )
