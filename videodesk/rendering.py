"""Story bodies: Markdown to HTML, then sanitized so no script or handler reaches readers."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": True}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup",
    "a", "blockquote", "q", "cite", "ul", "ol", "li", "code", "pre", "table", "thead", "tbody", "tr",
    "th", "td", "figure", "figcaption", "abbr", "mark", "small", "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"}, "td": {"align"}, "ol": {"start"},
}


def render_markdown(text: str) -> Markup:
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"}, link_rel="noopener nofollow",
    )
    return Markup(clean)
