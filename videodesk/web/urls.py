"""The site's absolute URLs. With `VIDEODESK_BASE_URL` set, every absolute URL (`url_for(...,
_external=True)` and the `absolute` filter: canonical links, og: tags, JSON-LD, oEmbed, sitemaps,
feeds, embed codes) is built on it and never on the request's Host header, which a client chooses
and which would otherwise end up in publicly cached pages. Unset (development), the Host is used."""
from urllib.parse import urlsplit

from flask import Flask, request

from videodesk.core.settings import EXTENSION as SETTINGS_EXTENSION
from videodesk.core.settings import Settings, current_settings


def site_root() -> str:
    """`https://news.example.com`, without a trailing slash."""
    return current_settings().base_url or request.host_url.rstrip("/")


def site_host() -> str:
    return urlsplit(site_root()).netloc


class SiteFlask(Flask):
    """Flask whose URL builder takes scheme and host from the base URL setting when it is set."""

    @property
    def settings(self) -> Settings:
        return self.extensions[SETTINGS_EXTENSION]

    def create_url_adapter(self, request):
        adapter = super().create_url_adapter(request)
        base_url = self.settings.base_url
        if adapter is not None and base_url:
            parts = urlsplit(base_url)
            adapter.url_scheme, adapter.server_name = parts.scheme, parts.netloc
        return adapter
