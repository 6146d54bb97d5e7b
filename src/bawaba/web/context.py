"""What every route needs: the store, settings, page cache and template environment.

One ``Portal`` per application, handed to the routers that ``create_app`` builds, so nothing
lives in module globals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
import nh3
from markupsafe import Markup

from bawaba.config import Settings
from bawaba.errors import StoreError
from bawaba.models import Article, Page, Source
from bawaba.store.base import ArticleFilter, Store
from bawaba.taxonomy import categories, category, regions
from bawaba.web.cache import PageCache, Rendered
from bawaba.web.formatting import arabic_datetime, arabic_number, excerpt, iso, title_slug

HTML = "text/html; charset=utf-8"

#: tags kept when article HTML is sanitised again at render time (ammonia's defaults plus figures)
_ARTICLE_TAGS = nh3.ALLOWED_TAGS | {"figure", "figcaption", "picture", "source"}
_ARTICLE_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "img": {"src", "alt", "width", "height", "title"},
    "source": {"srcset", "type", "media"},
}


def sanitize(html: str) -> Markup:
    """Defence in depth: stored HTML was sanitised at ingest; clean it again before marking safe."""
    cleaned = nh3.clean(
        html,
        tags=_ARTICLE_TAGS,
        attributes=_ARTICLE_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(cleaned)  # nh3 output is safe by construction


def json_ld(data: Mapping[str, Any]) -> Markup:
    """JSON for a ``<script type="application/ld+json">`` block that no string can break out of."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return Markup(text)  # escaped above


def path_for(article_id: int | None, title: str) -> str:
    """The canonical portal path of an article: id plus a readable (percent-encoded) title slug."""
    slug = title_slug(title)
    return f"/article/{article_id}/{quote(slug)}" if slug else f"/article/{article_id}"


def article_path(article: Article) -> str:
    return path_for(article.id, article.title)


def with_query(path: str, **params: str | None) -> str:
    kept = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


class BadCursor(Exception):
    """A page cursor the store did not make (a hand-edited or stale link)."""


@dataclass(slots=True)
class Portal:
    store: Store
    settings: Settings
    cache: PageCache
    env: jinja2.Environment = field(init=False)
    #: the newest change token seen, and the sources as of the token they were read under
    _token: str = field(init=False, default="")
    _sources: tuple[str, dict[int, Source]] = field(init=False, default=("", {}))

    def __post_init__(self) -> None:
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("bawaba.web", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        tz = self.settings.timezone
        env.filters["ardate"] = lambda moment, short=False: arabic_datetime(moment, tz, short=short)
        env.filters["arnum"] = arabic_number
        env.filters["iso"] = iso
        env.filters["excerpt"] = excerpt
        env.filters["sanitize"] = sanitize
        env.filters["json_ld"] = json_ld
        env.globals["article_path"] = article_path
        env.globals["category"] = category
        env.globals["categories"] = categories()
        env.globals["regions"] = regions()
        env.globals["site_name"] = self.settings.site_name
        env.globals["absolute"] = self.absolute
        env.globals["with_query"] = with_query
        self.env = env

    @property
    def site_url(self) -> str:
        return self.settings.site_url.rstrip("/")

    def absolute(self, path: str) -> str:
        return self.site_url + path

    def render(self, template: str, **context: Any) -> Rendered:
        html = self.env.get_template(template).render(**context)
        return Rendered(html.encode("utf-8"), HTML)

    def page(self, flt: ArticleFilter, limit: int, cursor: str | None) -> Page[Article]:
        """``store.list_articles``, with a cursor the store rejects reported as ``BadCursor``."""
        try:
            return self.store.list_articles(flt, limit=limit, cursor=cursor or None)
        except StoreError as exc:
            if cursor and "cursor" in str(exc):
                raise BadCursor(cursor) from None
            raise

    def change_token(self) -> str:
        """``store.change_token()``, remembered so the sources map can be reused until it moves."""
        self._token = self.store.change_token()
        return self._token

    def sources_by_id(self) -> dict[int, Source]:
        """All sources by id; re-read only when the change token has moved (source writes bump it).

        Concurrent requests may race to refresh it; each result is a consistent map, so the worst
        case is one extra query.
        """
        token, cached = self._sources
        if token and token == self._token:
            return cached
        fresh = {s.id: s for s in self.store.list_sources() if s.id is not None}
        self._sources = (self._token, fresh)
        return fresh
