"""Derived fields set on an article before it is stored: category, region (and, with the stories
stage, duplicate_of and story_id). Part of the coordinator: it may hold the store."""

from __future__ import annotations

from dataclasses import replace

from bawaba.models import Article, Source
from bawaba.pipeline.classify import classify_article, load_model
from bawaba.pipeline.stories import StoryTracker
from bawaba.store.base import Store


class Enricher:
    """Classifies each article (section mapping first, the model where sections are silent)."""

    def __init__(self, store: Store, story_window_h: int = 72, model_path: str | None = None) -> None:
        self.store = store
        self.model = load_model(model_path or None)
        #: provenance and story clusters (stories issue); rebuilt from the store's window here
        self.stories = StoryTracker(store, story_window_h)

    def __call__(self, article: Article, source: Source) -> Article:
        result = classify_article(
            article.title,
            article.text,
            section=article.section,
            url=article.url,
            overrides=source.section_map,
            model=self.model,
        )
        settled = result.settled(source.default_category, source.home_region)
        classified = replace(
            article,
            category=article.category or settled.category,
            category_confidence=settled.confidence,
            region=settled.region,
        )
        return self.stories.assign(classified)

    def after_store(self, article_id: int, article: Article) -> None:
        """Call right after ``article`` (as returned by this enricher) was stored under ``article_id``:
        it joins the story window and earlier-arrived copies of it are re-pointed."""
        self.stories.after_store(article_id, article)


def build_enricher(store: Store, story_window_h: int = 72, model_path: str | None = None) -> Enricher:
    """``model_path``: the topic model file (None or empty: the shipped one)."""
    return Enricher(store, story_window_h, model_path)
