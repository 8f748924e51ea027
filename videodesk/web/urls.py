"""The site's absolute URLs. With `VIDEODESK_BASE_URL` set, every absolute URL (`url_for(...,
_external=True)` and the `absolute` filter: canonical links, og: tags, JSON-LD, oEmbed, sitemaps,
feeds, embed codes) is built on it and never on the request's Host header, which a client chooses
and which would otherwise end up in publicly cached pages. Unset (development), the Host is used."""
from urllib.parse import urlsplit

from flask import Flask, current_app, request


def site_root() -> str:
    """`https://news.example.com`, without a trailing slash."""
    return current_app.config["BASE_URL"] or request.host_url.rstrip("/")


def site_host() -> str:
    return urlsplit(site_root()).netloc


class SiteFlask(Flask):
    """Flask whose URL builder takes scheme and host from BASE_URL when it is set."""

    def create_url_adapter(self, request):
        adapter = super().create_url_adapter(request)
        if adapter is not None and self.config.get("BASE_URL"):
            parts = urlsplit(self.config["BASE_URL"])
            adapter.url_scheme, adapter.server_name = parts.scheme, parts.netloc
        return adapter
