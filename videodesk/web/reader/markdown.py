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


def _sanitize(html: str) -> Markup:
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}, link_rel="noopener nofollow"))


def render_markdown(text: str) -> Markup:
    return _sanitize(_markdown.render(text or ""))


def render_split(text: str, after_paragraph: int | None) -> tuple[Markup, Markup]:
    """The body as two parts: up to the N-th top-level paragraph, and the rest (for the video block)."""
    tokens = _markdown.parse(text or "")
    cut = len(tokens)
    if after_paragraph is not None:
        seen = 0
        for index, token in enumerate(tokens):
            if token.type == "paragraph_close" and token.level == 0:
                seen += 1
                if seen == after_paragraph:
                    cut = index + 1
                    break
        if after_paragraph == 0:
            cut = 0
    renderer = _markdown.renderer
    return (_sanitize(renderer.render(tokens[:cut], _markdown.options, {})),
            _sanitize(renderer.render(tokens[cut:], _markdown.options, {})))
