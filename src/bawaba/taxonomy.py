"""The portal's categories, loaded from ``data/taxonomy.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    label: str
    feed_title: str


@cache
def categories() -> tuple[Category, ...]:
    raw = yaml.safe_load(files("bawaba").joinpath("data/taxonomy.yaml").read_text("utf-8"))
    return tuple(Category(c["slug"], c["label"], c["feed_title"]) for c in raw["categories"])


def category(slug: str | None) -> Category:
    """The category with this slug, or ``misc`` for unknown or missing slugs."""
    by_slug = {c.slug: c for c in categories()}
    return by_slug.get(slug or "misc", by_slug["misc"])


def slugs() -> tuple[str, ...]:
    return tuple(c.slug for c in categories())
