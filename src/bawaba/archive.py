"""Whole-archive import and export (JSONL in, JSONL or CSV out) for analysts and migrations.

Import is idempotent (articles are keyed by canonical URL) and forgiving: a bad line is
reported with its number and the rest still goes in. Export streams in constant memory.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from bawaba.errors import ImportLineError, NotFoundError
from bawaba.models import Article, Extracted, Image, Source
from bawaba.pipeline.clean import sanitize_html
from bawaba.pipeline.run import content_hash
from bawaba.pipeline.sources import slugify
from bawaba.store.base import ArticleFilter, Store

MAX_LINE_BYTES = 8_000_000
MAX_FIELD_CHARS = {"url": 4_000, "source": 300, "title": 2_000, "text": 2_000_000, "html": 4_000_000,
                   "section": 300, "author": 500}

EXPORT_FIELDS = (
    "id", "url", "canonical_url", "source", "title", "text", "html", "author", "published_at",
    "first_seen", "lead_image", "images", "section", "tags", "language", "category", "region",
    "story_id", "duplicate_of",
)


@dataclass(slots=True)
class ImportReport:
    lines: int = 0
    created: int = 0
    updated: int = 0
    errors: list[ImportLineError] = field(default_factory=list)


def parse_datetime(value: Any, line_no: int, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ImportLineError(line_no, f"{name} must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ImportLineError(line_no, f"{name} {value[:40]!r} is not an ISO 8601 date") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _text(obj: dict[str, Any], name: str, line_no: int, required: bool = False) -> str | None:
    value = obj.get(name)
    if value is None or value == "":
        if required:
            raise ImportLineError(line_no, f"missing required field {name!r}")
        return None
    if not isinstance(value, str):
        raise ImportLineError(line_no, f"field {name!r} must be a string")
    limit = MAX_FIELD_CHARS.get(name)
    if limit and len(value) > limit:
        raise ImportLineError(line_no, f"field {name!r} is too long ({len(value):,} > {limit:,} characters)")
    return unicodedata.normalize("NFC", value)


def _images(value: Any, line_no: int) -> tuple[Image, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list) or len(value) > 200:
        raise ImportLineError(line_no, "images must be a list of at most 200 {src, caption} objects")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append(Image(src=item))
        elif isinstance(item, dict) and isinstance(item.get("src"), str):
            cap = item.get("caption")
            out.append(Image(src=item["src"], caption=cap if isinstance(cap, str) else None,
                             width=item.get("width") if isinstance(item.get("width"), int) else None,
                             height=item.get("height") if isinstance(item.get("height"), int) else None))
        else:
            raise ImportLineError(line_no, "each image must be a URL string or an object with 'src'")
    return tuple(out)


def article_from_json(obj: Any, line_no: int, source_id_for: Callable[[str], int], now: datetime) -> Article:
    """Validate one JSONL record and turn it into an ``Article``."""
    if not isinstance(obj, dict):
        raise ImportLineError(line_no, "each line must be a JSON object")
    url = _text(obj, "url", line_no, required=True)
    assert url is not None
    if not url.startswith(("http://", "https://")):
        raise ImportLineError(line_no, f"url {url[:60]!r} is not an http(s) URL")
    title = _text(obj, "title", line_no, required=True) or ""
    text = _text(obj, "text", line_no, required=True) or ""
    source_name = _text(obj, "source", line_no, required=True) or ""
    html = _text(obj, "html", line_no)
    tags = obj.get("tags") or ()
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        raise ImportLineError(line_no, "tags must be a list of strings")
    images = _images(obj.get("images"), line_no)
    canonical = _text(obj, "canonical_url", line_no) or url
    return Article(
        url=url,
        canonical_url=canonical,
        source_id=source_id_for(source_name),
        title=title,
        text=text,
        html=sanitize_html(html) if html else "".join(f"<p>{_escape(p)}</p>" for p in text.split("\n\n") if p),
        author=_text(obj, "author", line_no),
        published_at=parse_datetime(obj.get("published_at"), line_no, "published_at"),
        first_seen=parse_datetime(obj.get("first_seen"), line_no, "first_seen") or now,
        lead_image=_text(obj, "lead_image", line_no) or (images[0].src if images else None),
        images=images,
        section=_text(obj, "section", line_no),
        tags=tuple(t[:200] for t in tags[:100]),
        language=_text(obj, "language", line_no) or "ar",
        content_hash=content_hash(text),
        category=_text(obj, "category", line_no),
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SourceResolver:
    """Maps a source name (or slug, or homepage URL) in an import file to a stored source id."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        if name in self.cache:
            return self.cache[name]
        slug = slugify(name)
        try:
            source = self.store.get_source(slug)
        except NotFoundError:
            homepage = name if name.startswith(("http://", "https://")) else ""
            source = self.store.add_source(Source(slug=slug, name=name, homepage=homepage))
        self.cache[name] = int(source.id or 0)
        return self.cache[name]


def iter_jsonl(stream: IO[bytes]) -> Iterator[tuple[int, Any | ImportLineError]]:
    """Yield (line number, parsed object or the error for that line); skips blank lines."""
    for line_no, raw in enumerate(stream, start=1):
        if len(raw) > MAX_LINE_BYTES:
            yield line_no, ImportLineError(line_no, f"line is too long ({len(raw):,} bytes)")
            continue
        if not raw.strip():
            continue
        try:
            yield line_no, json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield line_no, ImportLineError(line_no, "line is not valid UTF-8")
        except json.JSONDecodeError as exc:
            yield line_no, ImportLineError(line_no, f"invalid JSON: {exc.msg} at column {exc.colno}")


def import_jsonl(
    store: Store,
    stream: IO[bytes],
    *,
    enrich: Callable[[Article, Source], Article] | None = None,
    on_line: Callable[[], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    resolve = SourceResolver(store)
    sources: dict[int, Source] = {}
    now = datetime.now(UTC)
    for line_no, obj in iter_jsonl(stream):
        report.lines += 1
        if on_line:
            on_line()
        if isinstance(obj, ImportLineError):
            report.errors.append(obj)
            continue
        try:
            article = article_from_json(obj, line_no, resolve, now)
        except ImportLineError as exc:
            report.errors.append(exc)
            continue
        if enrich is not None:
            if article.source_id not in sources:
                sources[article.source_id] = store.get_source(article.source_id)
            article = enrich(article, sources[article.source_id])
        result = store.upsert_article(article)
        after_store = getattr(enrich, "after_store", None)
        if after_store is not None:
            after_store(result.id, article)
        if result.created:
            report.created += 1
        else:
            report.updated += 1
    return report


def export_rows(store: Store, flt: ArticleFilter | None = None) -> Iterator[dict[str, Any]]:
    """Every article as a plain dict (the export and API shape), oldest first, streamed."""
    slugs = {int(s.id or 0): s.slug for s in store.list_sources()}
    for a in store.iter_articles(flt):
        yield article_dict(a, slugs.get(a.source_id, str(a.source_id)))


def content_dict(a: Article | Extracted) -> dict[str, Any]:
    """The fields an extracted page and a stored article share, JSON-ready
    (the ``bawaba extract --json`` shape)."""
    return {
        "url": a.url,
        "canonical_url": a.canonical_url,
        "title": a.title,
        "text": a.text,
        "html": a.html,
        "author": a.author,
        "published_at": a.published_at.isoformat() if a.published_at else None,
        "lead_image": a.lead_image,
        "images": [{"src": i.src, "caption": i.caption} for i in a.images],
        "section": a.section,
        "tags": list(a.tags),
        "language": a.language,
    }


def article_dict(a: Article, source_slug: str) -> dict[str, Any]:
    """An article in the export/API shape: the content fields plus identity and derived fields."""
    return {
        "id": a.id,
        **content_dict(a),
        "source": source_slug,
        "first_seen": a.first_seen.isoformat() if a.first_seen else None,
        "category": a.category,
        "region": a.region,
        "story_id": a.story_id,
        "duplicate_of": a.duplicate_of,
    }


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    n = 0
    for row in rows:
        flat = dict(row)
        flat["images"] = json.dumps(row["images"], ensure_ascii=False)
        flat["tags"] = json.dumps(row["tags"], ensure_ascii=False)
        writer.writerow(flat)
        n += 1
    return n
