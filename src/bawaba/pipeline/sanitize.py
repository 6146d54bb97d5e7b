"""Make article HTML safe to serve on the portal.

Extracted HTML comes from sites we do not control and is shown on our own pages, so it goes
through nh3 (the ammonia sanitizer) with a small allow-list: text structure, links, images and
simple tables; no scripts, styles, frames, event handlers or non-http(s) URLs. Links get
``rel="nofollow noopener"`` because we neither vouch for them nor hand them our window.
"""

from __future__ import annotations

import nh3

__all__ = ["ALLOWED_TAGS", "sanitize_html"]

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "caption", "em", "figcaption", "figure", "h2", "h3", "h4",
        "i", "img", "li", "ol", "p", "strong", "table", "tbody", "td", "tfoot", "th", "thead",
        "tr", "ul",
    }
)  # fmt: skip

_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}

# tags whose content is dropped too, not just the tag
_DROP_CONTENT = {"script", "style", "iframe", "noscript", "object", "embed", "svg", "math", "template"}


def _numeric_size(tag: str, attr: str, value: str) -> str | None:
    """Keep only plain pixel sizes on images; drop anything else an attacker might smuggle."""
    if tag == "img" and attr in {"width", "height"}:
        return value if value.isdigit() and len(value) <= 5 else None
    return value


def sanitize_html(html: str) -> str:
    """Return a safe HTML fragment (allow-listed tags/attributes, http/https/relative URLs)."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=_DROP_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=_numeric_size,
        strip_comments=True,
        link_rel="nofollow noopener",
        url_schemes={"http", "https"},
    ).strip()
