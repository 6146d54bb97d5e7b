"""Conversions between table rows and the frozen model dataclasses, and the page cursor codec.

Kept apart from the queries so the mapping of each column is written once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bawaba.errors import StoreError
from bawaba.models import Article, Feed, FeedKind, Image, Source, Story


def _aware(value: datetime | None) -> datetime | None:
    """Rows come through ``UtcDateTime`` already aware; this guards raw-SQL callers too."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _required_aware(value: datetime) -> datetime:
    aware = _aware(value)
    assert aware is not None
    return aware


def source_from_row(row: Mapping[Any, Any]) -> Source:
    return Source(
        id=int(row["id"]),
        slug=row["slug"],
        name=row["name"],
        homepage=row["homepage"],
        language=row["language"],
        section_map=dict(row["section_map"] or {}),
        default_category=row["default_category"],
        home_region=row["home_region"],
        enabled=bool(row["enabled"]),
        created_at=_aware(row["created_at"]),
    )


def feed_from_row(row: Mapping[Any, Any]) -> Feed:
    return Feed(
        id=int(row["id"]),
        source_id=int(row["source_id"]),
        url=row["url"],
        kind=FeedKind(row["kind"]),
        title=row["title"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        last_fetch_at=_aware(row["last_fetch_at"]),
        last_success_at=_aware(row["last_success_at"]),
        error_streak=int(row["error_streak"]),
        last_error=row["last_error"],
        poll_interval_s=int(row["poll_interval_s"]),
        next_poll_at=_aware(row["next_poll_at"]),
        enabled=bool(row["enabled"]),
    )


def images_to_json(images: tuple[Image, ...]) -> list[dict[str, Any]]:
    return [{"src": i.src, "caption": i.caption, "width": i.width, "height": i.height} for i in images]


def images_from_json(value: Any) -> tuple[Image, ...]:
    return tuple(
        Image(src=i["src"], caption=i.get("caption"), width=i.get("width"), height=i.get("height"))
        for i in value or ()
    )


def article_from_row(row: Mapping[Any, Any]) -> Article:
    return Article(
        id=int(row["id"]),
        url=row["url"],
        canonical_url=row["canonical_url"],
        source_id=int(row["source_id"]),
        title=row["title"],
        text=row["text"],
        html=row["html"],
        author=row["author"],
        published_at=_aware(row["published_at"]),
        first_seen=_required_aware(row["first_seen"]),
        lead_image=row["lead_image"],
        images=images_from_json(row["images"]),
        section=row["section"],
        tags=tuple(row["tags"] or ()),
        language=row["language"],
        content_hash=row["content_hash"],
        category=row["category"],
        category_confidence=row["category_confidence"],
        region=row["region"],
        story_id=None if row["story_id"] is None else int(row["story_id"]),
        duplicate_of=None if row["duplicate_of"] is None else int(row["duplicate_of"]),
    )


def story_from_row(row: Mapping[Any, Any]) -> Story:
    return Story(
        id=int(row["id"]),
        title=row["title"],
        first_seen=_required_aware(row["first_seen"]),
        last_seen=_required_aware(row["last_seen"]),
        source_count=int(row["source_count"]),
        article_count=int(row["article_count"]),
        representative_id=None if row["representative_id"] is None else int(row["representative_id"]),
        category=row["category"],
    )


def encode_cursor(sort_at: datetime, article_id: int) -> str:
    """An opaque, URL-safe cursor for the keyset position just after (sort_at, id)."""
    raw = json.dumps([_required_aware(sort_at).isoformat(), article_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raise ``StoreError`` for anything ``encode_cursor`` did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, article_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not isinstance(article_id, int) or isinstance(article_id, bool):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise StoreError(f"invalid page cursor {cursor[:40]!r}") from None
    return when.astimezone(UTC), article_id
