"""The demo corpus: fictional sites and their articles, generated deterministically from data files.

Stories are sets of facts (slot values); each site that covers a story tells it with its own title,
lead and body sentences, so cross-site duplicates share facts but not wording. Only publication
times depend on ``now``, so a network started at any moment serves a consistent, fresh-looking
three days of news.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

CATEGORIES = (
    "egypt",
    "world",
    "politics",
    "economy",
    "sports",
    "arts",
    "culture",
    "health",
    "technology",
    "religion",
    "accidents",
    "misc",
)

#: how many articles each publishing site writes, and how many stories several sites share
ARTICLES_PER_SITE = 28
SHARED_STORIES = 32
REPUBLISHED = 36
SEED = 1956


@dataclass(frozen=True, slots=True)
class Section:
    category: str
    name: str
    path: str
    disallowed: bool = False


@dataclass(frozen=True, slots=True)
class SiteSpec:
    slug: str
    name: str
    kind: str
    encoding: str
    tagline: str
    months: tuple[str, ...]
    byline: str
    dateline: str
    media_dir: str
    sections: tuple[Section, ...]
    section_url: str = "/{path}/"
    sentences_per_paragraph: int = 1
    #: (phrase, replacement) pairs of the desk's house style
    style: tuple[tuple[str, str], ...] = ()

    def section_href(self, section: Section) -> str:
        return self.section_url.format(path=section.path)

    def restyle(self, text: str) -> str:
        for phrase, replacement in self.style:
            text = text.replace(phrase, replacement)
        return text

    def section_for(self, category: str, *, allow_disallowed: bool = False) -> Section | None:
        for section in self.sections:
            if section.category == category and (allow_disallowed or not section.disallowed):
                return section
        return None

    @property
    def publishes(self) -> bool:
        return self.kind != "aggregator"


@dataclass(frozen=True, slots=True)
class DemoImage:
    site: str
    path: str
    caption: str


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """One page of the network. ``behaviour`` names a deliberate misbehaviour, if any."""

    site: str
    key: int
    path: str
    category: str
    section: Section
    title: str
    paragraphs: tuple[str, ...]
    author: str | None
    published_at: datetime
    images: tuple[DemoImage, ...]
    story_key: int
    original_site: str | None = None
    original_path: str | None = None
    behaviour: str | None = None
    delay_s: float = 0.0
    related: tuple[int, ...] = ()

    @property
    def original(self) -> bool:
        return self.original_site is None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def broken(self) -> bool:
        return self.behaviour == "redirect_loop"

    @property
    def disallowed(self) -> bool:
        return self.section.disallowed


@dataclass(frozen=True, slots=True)
class Corpus:
    sites: tuple[SiteSpec, ...]
    articles: tuple[DemoArticle, ...]
    story_ids: Mapping[int, str] = field(default_factory=dict)

    def site(self, slug: str) -> SiteSpec:
        return next(s for s in self.sites if s.slug == slug)

    def by_site(self, slug: str) -> list[DemoArticle]:
        return [a for a in self.articles if a.site == slug]

    def by_key(self) -> dict[int, DemoArticle]:
        return {a.key: a for a in self.articles}


def _load(name: str) -> Any:
    return yaml.safe_load(files("bawaba.demo").joinpath("content", name).read_text("utf-8"))


@cache
def _content() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    return _load("vocabulary.yaml"), _load("topics.yaml"), _load("common.yaml")


def load_sites() -> tuple[SiteSpec, ...]:
    vocab = _content()[0]
    specs = []
    for raw in _load("sites.yaml")["sites"]:
        sections = tuple(
            Section(s["category"], s["name"], s["path"], bool(s.get("disallowed", False)))
            for s in raw["sections"]
        )
        specs.append(
            SiteSpec(
                slug=raw["slug"],
                name=raw["name"],
                kind=raw["kind"],
                encoding=raw["encoding"],
                tagline=raw["tagline"],
                months=tuple(vocab[raw["months"]]),
                byline=raw["byline"],
                dateline=raw["dateline"],
                media_dir=raw["media_dir"],
                sections=sections,
                section_url=raw["section_url"],
                sentences_per_paragraph=int(raw["sentences_per_paragraph"]),
                style=tuple((a, b) for a, b in raw["style"]),
            )
        )
    return tuple(specs)


def _stable_int(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _person(rng: random.Random, vocab: Mapping[str, Any]) -> str:
    return f"{rng.choice(vocab['first_names'])} {rng.choice(vocab['family_names'])}"


def _story_slots(rng: random.Random, topic: Mapping[str, Any], now: datetime) -> dict[str, str]:
    vocab = _content()[0]
    # a list, not a set: a set's order follows the process's string hash seed, so the same seed
    # gave every process its own cast (the corpus, and the model trained on it, were not reproducible)
    people: list[str] = []
    while len(people) < 5:
        if (name := _person(rng, vocab)) not in people:
            people.append(name)
    person, person2, person3, person4, person5 = people
    slots = {
        "person": person,
        "person2": person2,
        "person3": person3,
        "person4": person4,
        "person5": person5,
        "woman": rng.choice(vocab["women_names"]),
        "far_country": rng.choice(vocab["far_countries"]),
        "when": rng.choice(vocab["days_rel"]),
        "n1": str(rng.randint(3, 9)),
        "n2": str(rng.randint(11, 48)),
        "n3": str(rng.randint(120, 900)),
        "n4": str(rng.randint(2, 60) * 500),
        "pct": f"{rng.randint(30, 290) / 10:g}",
        "amount": f"{rng.randint(12, 240) / 10:g}",
        "year_next": str(now.year + rng.randint(2, 6)),
    }
    g = rng.randrange(len(vocab["cities"]))
    slots["city"], slots["gov"] = vocab["cities"][g], vocab["governorates"][g]
    i = rng.randrange(len(vocab["countries"]))
    slots["country"], slots["capital"] = vocab["countries"][i], vocab["capitals"][i]
    for name, values in topic.get("slots", {}).items():
        value = rng.choice(values)
        if isinstance(value, Mapping):  # a noun with its case forms: {meeting}, {meeting_acc}
            slots[name] = value["nom"]
            slots.update({f"{name}_{form}": text for form, text in value.items() if form != "nom"})
        else:
            slots[name] = value
    return slots


def _tell(
    story: int,
    topic: Mapping[str, Any],
    slots: Mapping[str, str],
    site: SiteSpec,
    variant: int,
    taken: set[str],
) -> tuple[str, list[str]]:
    """One site's wording of a story: its own title, lead and choice of body sentences."""
    common = _content()[2]
    rng = random.Random(_stable_int(story, site.slug))
    base = story % 7

    def pick(options: Sequence[str], offset: int = 0) -> str:
        return options[(base + variant + offset) % len(options)].format_map(slots)

    # titles stay unique across the corpus, so equal titles never join two different stories
    titles = [t.format_map(slots) for t in topic["titles"]]
    title = next(
        (
            titles[(base + variant + k) % len(titles)]
            for k in range(len(titles))
            if titles[(base + variant + k) % len(titles)] not in taken
        ),
        f"{titles[0]} ({slots['city']})",
    )
    taken.add(title)
    # a world story is datelined where it happened, not in an Egyptian city
    dateline_city = slots[topic["dateline"]] if "dateline" in topic else slots["city"]
    lead = site.dateline.format_map({**slots, "city": dateline_city}) + pick(topic["leads"])
    body = [s.format_map(slots) for s in topic["body"]]
    # the story's facts are an ordered subset of the bank; each desk retells most of them, in order
    facts = random.Random(_stable_int("facts", story))
    story_sentences = sorted(facts.sample(range(len(body)), min(8, len(body))))
    keep = sorted(rng.sample(story_sentences, min(6, len(story_sentences))))
    sentences = [body[i] for i in keep]
    paragraphs = [lead]
    per_paragraph = site.sentences_per_paragraph
    for i in range(0, 4, per_paragraph):
        paragraphs.append(" ".join(sentences[i : i + per_paragraph]))
    paragraphs.insert(2, pick(topic.get("quotes") or common["quotes"], variant))
    paragraphs.append(facts.choice(common["context"]).format_map(slots))
    rest = sentences[4:]
    while sum(len(p.split()) for p in paragraphs) < 150 and rest:
        paragraphs.append(rest.pop(0))
    paragraphs.append(rng.choice(common["closings"]).format_map(slots))
    paragraphs = [site.restyle(p) for p in paragraphs]
    return title, paragraphs


def _images(site: SiteSpec, key: int, slots: Mapping[str, str], rng: random.Random) -> tuple[DemoImage, ...]:
    captions = _content()[2]["captions"]
    count = 1 + rng.randrange(4)
    exts = ("jpg", "png", "svg")
    start = rng.randrange(len(captions))
    return tuple(
        DemoImage(
            site.slug,
            f"/{site.media_dir}/{key}-{n + 1}.{exts[(key + n) % 3]}",
            captions[(start + n) % len(captions)].format_map(slots),
        )
        for n in range(count)
    )


def _article_path(site: SiteSpec, section: Section, key: int, published: datetime) -> str:
    day = published.strftime("%Y/%m/%d")
    match site.slug:
        case "nile":
            return f"/{section.path}/{key}.html"
        case "delta":
            return f"/news/{section.path}/{day}/story-{key}"
        case "sahel":
            return f"/article/{key}/{section.path}"
        case "sada":
            return f"/{section.path}/{published:%Y-%m}/a{key}"
        case "rased":
            return f"/{section.path}/{key}"
        case "marsad":
            return f"/akhbar/{section.path}/{key}.html"
        case _:
            return f"/news/{section.path}/{key}"


def _plan(sites: Sequence[SiteSpec], rng: random.Random) -> list[tuple[str, list[tuple[SiteSpec, Section]]]]:
    """Which sites cover which story: shared stories first, then singles up to the quota."""
    publishers = [s for s in sites if s.publishes]
    plan: list[tuple[str, list[tuple[SiteSpec, Section]]]] = []
    load = dict.fromkeys((s.slug for s in publishers), 0)
    for i in range(SHARED_STORIES):
        category = CATEGORIES[i % len(CATEGORIES)]
        candidates = [s for s in publishers if s.section_for(category)]
        candidates.sort(key=lambda s: (load[s.slug], rng.random()))
        chosen = candidates[: 3 if i % 4 == 0 else 2]
        for s in chosen:
            load[s.slug] += 1
        plan.append((category, [(s, s.section_for(category)) for s in chosen]))  # type: ignore[misc]
    for site in publishers:
        sections = list(site.sections)
        n = 0
        while load[site.slug] < ARTICLES_PER_SITE:
            section = sections[n % len(sections)]
            plan.append((section.category, [(site, section)]))
            load[site.slug] += 1
            n += 1
    return plan


def build_corpus(now: datetime) -> Corpus:
    """Generate every article of the network; deterministic apart from times relative to ``now``."""
    topics = _content()[1]
    sites = load_sites()
    rng = random.Random(SEED)
    articles: list[DemoArticle] = []
    story_ids: dict[int, str] = {}
    taken: set[str] = set()
    key = 1000
    window = 70 * 60  # minutes: about three days
    for story, (category, coverage) in enumerate(_plan(sites, rng), start=1):
        topic = topics[category]
        slots = _story_slots(random.Random(_stable_int("story", story)), topic, now)
        offset = rng.randint(90, window)
        if len(coverage) > 1:
            story_ids[story] = f"story-{len(story_ids) + 1:03d}"
        for variant, (site, section) in enumerate(coverage):
            key += 1
            title, paragraphs = _tell(story, topic, slots, site, variant, taken)
            published = now - timedelta(minutes=offset - variant * rng.randint(12, 55), seconds=key % 60)
            art_rng = random.Random(_stable_int("article", key))
            authors = [_person(random.Random(_stable_int(site.slug, k)), _content()[0]) for k in range(4)]
            articles.append(
                DemoArticle(
                    site=site.slug,
                    key=key,
                    path=_article_path(site, section, key, published),
                    category=category,
                    section=section,
                    title=title,
                    paragraphs=tuple(paragraphs),
                    author=art_rng.choice(authors),
                    published_at=published,
                    images=_images(site, key, slots, art_rng),
                    story_key=story,
                )
            )
    articles = _misbehave(articles, sites)
    articles = _link_related(articles)
    articles += _republish(articles, sites, now, story_ids, key)
    return Corpus(sites=sites, articles=tuple(articles), story_ids=story_ids)


def _misbehave(articles: list[DemoArticle], sites: Sequence[SiteSpec]) -> list[DemoArticle]:
    """Give the misbehaving site its slow pages, a 429, a truncated page and a redirect loop."""
    bad = next((s for s in sites if s.kind == "misbehaving"), None)
    if bad is None:
        return articles
    mine = [i for i, a in enumerate(articles) if a.site == bad.slug and a.story_key not in _shared(articles)]
    roles = [("slow", 2.0), ("slow", 2.5), ("slow", 3.0), ("retry_after", 0.0), ("truncated", 0.0)]
    for idx, (role, delay) in zip(mine, roles, strict=False):
        articles[idx] = replace(articles[idx], behaviour=role, delay_s=delay)
    if len(mine) > len(roles):
        idx = mine[len(roles)]
        articles[idx] = replace(articles[idx], behaviour="redirect_loop", paragraphs=(), images=())
    return articles


def _shared(articles: Sequence[DemoArticle]) -> set[int]:
    counts: dict[int, int] = {}
    for a in articles:
        counts[a.story_key] = counts.get(a.story_key, 0) + 1
    return {k for k, n in counts.items() if n > 1}


def _link_related(articles: list[DemoArticle]) -> list[DemoArticle]:
    """Each page links a few siblings from its own site ("اقرأ أيضا"), preferring its category."""
    out = []
    for a in articles:
        siblings = [b for b in articles if b.site == a.site and b.key != a.key and not b.broken]
        siblings.sort(key=lambda b: (b.category != a.category, _stable_int(a.key, b.key)))
        out.append(replace(a, related=tuple(b.key for b in siblings[:4])))
    return out


def _republish(
    articles: Sequence[DemoArticle],
    sites: Sequence[SiteSpec],
    now: datetime,
    story_ids: dict[int, str],
    key: int,
) -> list[DemoArticle]:
    """The aggregator's copies: same text and images, its own chrome, some titles made "عاجل"."""
    aggregator = next((s for s in sites if s.kind == "aggregator"), None)
    if aggregator is None:
        return []
    eligible = [a for a in articles if not a.disallowed and a.behaviour is None]
    eligible.sort(key=lambda a: _stable_int("agg", a.key))
    copies: list[DemoArticle] = []
    for n, src in enumerate(sorted(eligible[:REPUBLISHED], key=lambda a: a.published_at)):
        key += 1
        section = aggregator.section_for(src.category)
        assert section is not None
        delay = timedelta(minutes=15 + (src.key % 70))
        published = min(src.published_at + delay, now - timedelta(minutes=2))
        if src.story_key not in story_ids:
            story_ids[src.story_key] = f"story-{len(story_ids) + 1:03d}"
        copies.append(
            DemoArticle(
                site=aggregator.slug,
                key=key,
                path=f"/news/{section.path}/{key}",
                category=src.category,
                section=section,
                title=("عاجل: " + src.title) if n % 5 == 0 else src.title,
                paragraphs=src.paragraphs,
                author=None,
                published_at=published,
                images=src.images,
                story_key=src.story_key,
                original_site=src.site,
                original_path=src.path,
            )
        )
    linked = []
    for c in copies:
        same = [o.key for o in copies if o.key != c.key and o.category == c.category]
        others = [o.key for o in copies if o.key != c.key and o.category != c.category]
        linked.append(replace(c, related=tuple((same + others)[:4])))
    return linked
