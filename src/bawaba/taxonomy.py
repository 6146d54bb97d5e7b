"""The portal's categories and regions, loaded from ``data/taxonomy.yaml``."""

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


#: a region (egypt, arab, world) is labelled as a category is: slug, label, feed title
Region = Category


@cache
def _taxonomy() -> dict[str, list[dict[str, str]]]:
    raw: dict[str, list[dict[str, str]]] = yaml.safe_load(
        files("bawaba").joinpath("data/taxonomy.yaml").read_text("utf-8")
    )
    return raw


@cache
def categories() -> tuple[Category, ...]:
    return tuple(Category(c["slug"], c["label"], c["feed_title"]) for c in _taxonomy()["categories"])


@cache
def regions() -> tuple[Region, ...]:
    return tuple(Region(r["slug"], r["label"], r["feed_title"]) for r in _taxonomy()["regions"])


def region(slug: str) -> Region | None:
    return next((r for r in regions() if r.slug == slug), None)


def category(slug: str | None) -> Category:
    """The category with this slug, or ``misc`` for unknown or missing slugs."""
    by_slug = {c.slug: c for c in categories()}
    return by_slug.get(slug or "misc", by_slug["misc"])


def slugs() -> tuple[str, ...]:
    return tuple(c.slug for c in categories())
