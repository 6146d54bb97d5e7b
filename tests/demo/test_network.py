"""The demo network: it starts, serves what its manifest says, and misbehaves only where it should."""

from __future__ import annotations

import json
import re
import socket
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from lxml import html as lxml_html

from bawaba.demo import RunningNetwork, start_network
from bawaba.errors import BawabaError

SLUGS = {
    "egypt", "world", "politics", "economy", "sports", "arts",
    "culture", "health", "technology", "religion", "accidents", "misc",
}  # fmt: skip


@pytest.fixture(scope="module")
def network() -> Iterator[RunningNetwork]:
    with start_network() as net:
        yield net


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """One pooled client: creating an httpx client per request costs more than the request."""
    with httpx.Client(follow_redirects=False, timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def manifest(network: RunningNetwork) -> dict[str, Any]:
    return network.manifest()


def _site(manifest: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(s for s in manifest["sites"] if s["kind"] == kind)


def _articles(manifest: dict[str, Any], **match: Any) -> list[dict[str, Any]]:
    return [a for a in manifest["articles"] if all(a[k] == v for k, v in match.items())]


def _paragraph_texts(page: str, selector: str) -> list[str]:
    doc = lxml_html.fromstring(page)
    return [p.text_content().strip() for p in doc.cssselect(selector)]


def test_sites_have_own_loopback_ports(network: RunningNetwork) -> None:
    sites = network.sites
    assert len(sites) >= 7
    kinds = {s["kind"] for s in sites}
    assert {
        "rss-cp1256",
        "sitemap-only",
        "news-sitemap",
        "atom",
        "robots-disallow",
        "misbehaving",
        "aggregator",
    } <= kinds
    netlocs = [urlsplit(s["base_url"]).netloc for s in sites]
    assert len(set(netlocs)) == len(netlocs)
    assert all(n.startswith("127.0.0.1:") for n in netlocs)
    assert network.source_urls() == [s["base_url"] + "/" for s in sites]


def test_stop_frees_the_ports() -> None:
    net = start_network()
    ports = [urlsplit(s["base_url"]).port for s in net.sites]
    assert httpx.get(net.sites[0]["base_url"] + "/robots.txt").status_code == 200
    net.stop()
    for port in ports:
        assert port is not None
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_base_port_places_sites_in_order() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        base = probe.getsockname()[1]
    # a free port is likely followed by free ones; retry a few bases if not
    for attempt in range(5):
        first = base + attempt * 50
        try:
            net = start_network(base_port=first)
        except BawabaError:
            continue
        with net:
            ports = [urlsplit(s["base_url"]).port for s in net.sites]
            assert ports == list(range(first, first + len(ports)))
        return
    pytest.skip("no run of free ports found")


def test_counts(manifest: dict[str, Any]) -> None:
    originals = [a for a in manifest["articles"] if a["original"] and not a["broken"] and not a["disallowed"]]
    assert len(originals) >= 150
    assert all(len(a["text"].split()) >= 120 for a in originals)
    assert len({a["title"] for a in originals}) == len(originals)
    per_story = Counter(a["story_id"] for a in originals if a["story_id"])
    multi_site = {
        sid for sid in per_story
        if len({a["site"] for a in originals if a["story_id"] == sid}) >= 2
    }  # fmt: skip
    assert len(multi_site) >= 25
    assert {a["category"] for a in originals} == SLUGS
    assert len({a["site"] for a in originals}) >= 6


def test_shared_stories_are_told_in_different_words(manifest: dict[str, Any]) -> None:
    by_story: dict[str, list[dict[str, Any]]] = {}
    for a in manifest["articles"]:
        if a["original"] and a["story_id"]:
            by_story.setdefault(a["story_id"], []).append(a)
    for versions in by_story.values():
        if len(versions) < 2:
            continue
        assert len({v["title"] for v in versions}) == len(versions)
        assert len({v["text"] for v in versions}) == len(versions)


def test_manifest_is_json_and_complete(manifest: dict[str, Any]) -> None:
    again = json.loads(json.dumps(manifest, ensure_ascii=False))
    assert again == manifest
    keys = {
        "site",
        "url",
        "category",
        "section",
        "story_id",
        "original",
        "original_url",
        "disallowed",
        "broken",
        "title",
        "text",
        "author",
        "published_at",
        "images",
    }
    for a in manifest["articles"]:
        assert keys <= a.keys()
        assert a["category"] in SLUGS
        assert a["original"] == (a["original_url"] is None)
        if not a["broken"]:
            assert 1 <= len(a["images"]) <= 4
    for s in manifest["sites"]:
        assert {"slug", "name", "base_url", "kind", "encoding", "feeds", "sitemaps"} <= s.keys()


def test_dates_cover_the_last_three_days(manifest: dict[str, Any]) -> None:
    from datetime import datetime, timedelta

    now = datetime.fromisoformat(manifest["generated_at"])
    dates = [datetime.fromisoformat(a["published_at"]) for a in manifest["articles"]]
    assert all(now - timedelta(days=3) <= d <= now for d in dates)
    assert max(dates) - min(dates) > timedelta(days=2)


def test_cp1256_site_serves_cp1256_bytes(client: httpx.Client, manifest: dict[str, Any]) -> None:
    site = _site(manifest, "rss-cp1256")
    assert site["encoding"] == "windows-1256"
    feed = client.get(site["feeds"][0])
    assert "windows-1256" in feed.headers["content-type"]
    assert feed.content.startswith(b"<?xml version='1.0' encoding='windows-1256'?>")
    with pytest.raises(UnicodeDecodeError):
        feed.content.decode("utf-8")
    article = _articles(manifest, site=site["slug"])[0]
    page = client.get(article["url"])
    assert page.headers["content-type"] == "text/html; charset=windows-1256"
    assert b'<meta charset="windows-1256">' in page.content
    text = page.content.decode("cp1256")
    paragraphs = _paragraph_texts(text, "#NewsStory > p:not(.inline-related):not(.app-promo)")
    assert paragraphs == article["text"].split("\n\n")
    assert article["title"].encode("cp1256") in feed.content


def test_robots_disallows_a_section_linked_from_the_feed(
    client: httpx.Client, manifest: dict[str, Any]
) -> None:
    site = _site(manifest, "robots-disallow")
    robots = client.get(site["base_url"] + "/robots.txt").text
    closed = [a for a in _articles(manifest, site=site["slug"]) if a["disallowed"]]
    assert closed
    feed = client.get(site["feeds"][0]).text
    for a in closed:
        prefix = "/" + urlsplit(a["url"]).path.split("/")[1] + "/"
        assert f"Disallow: {prefix}" in robots
        assert a["url"] in feed


def test_sitemap_sites_advertise_sitemaps_in_robots(client: httpx.Client, manifest: dict[str, Any]) -> None:
    for kind in ("sitemap-only", "news-sitemap"):
        site = _site(manifest, kind)
        robots = client.get(site["base_url"] + "/robots.txt").text
        for sitemap in site["sitemaps"]:
            assert f"Sitemap: {sitemap}" in robots
    only = _site(manifest, "sitemap-only")
    assert only["feeds"] == []
    home = client.get(only["base_url"] + "/").text
    assert 'rel="alternate"' not in home
    news = client.get(_site(manifest, "news-sitemap")["sitemaps"][0]).text
    assert "http://www.google.com/schemas/sitemap-news/0.9" in news
    assert "<news:publication_date>" in news


def test_home_pages_advertise_their_feeds(client: httpx.Client, manifest: dict[str, Any]) -> None:
    for site in manifest["sites"]:
        home = client.get(site["base_url"] + "/")
        assert home.status_code == 200
        for feed in site["feeds"]:
            kind = "application/atom+xml" if site["kind"] == "atom" else "application/rss+xml"
            assert f'<link rel="alternate" type="{kind}" title="{site["name"]}" href="{feed}">' in (
                home.content.decode(site["encoding"])
            )


def test_feeds_carry_title_link_guid_date_category(client: httpx.Client, manifest: dict[str, Any]) -> None:
    import feedparser

    for site in manifest["sites"]:
        for url in site["feeds"]:
            parsed = feedparser.parse(client.get(url).content)
            assert not parsed.bozo, (url, parsed.get("bozo_exception"))
            listed = _articles(manifest, site=site["slug"])
            assert len(parsed.entries) == len(listed)
            by_url = {a["url"]: a for a in listed}
            for entry in parsed.entries:
                assert entry.link in by_url
                assert entry.title == by_url[entry.link]["title"]
                assert entry.id and entry.published_parsed and entry.tags
                assert entry.tags[0]["term"] == by_url[entry.link]["section"]


def test_conditional_get(client: httpx.Client, manifest: dict[str, Any]) -> None:
    site = _site(manifest, "atom")
    for url in [site["feeds"][0], _articles(manifest, site=site["slug"])[0]["url"]]:
        first = client.get(url)
        assert first.status_code == 200
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        assert (
            client.get(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
        )


def test_aggregator_page_has_the_seed_chrome(client: httpx.Client, manifest: dict[str, Any]) -> None:
    copies = _articles(manifest, original=False)
    assert len(copies) >= 20
    assert any(c["title"].startswith("عاجل: ") for c in copies)
    names = {s["slug"]: s["name"] for s in manifest["sites"]}
    originals = {a["url"]: a for a in manifest["articles"] if a["original"]}
    for copy in copies[:5]:
        source = originals[copy["original_url"]]
        assert copy["text"] == source["text"]
        page = client.get(copy["url"]).text
        doc = lxml_html.fromstring(page)
        crumb = doc.cssselect(".breadcrumb")[0].text_content()
        assert crumb == f"{copy['section']} / {names[source['site']]}"
        assert doc.cssselect("h1")[0].text_content() == copy["title"]
        counters = [c.text_content() for c in doc.cssselect(".counter")]
        assert counters == [f"{i}/{len(copy['images'])}" for i in range(1, len(copy["images"]) + 1)]
        assert _paragraph_texts(page, ".article > p") == copy["text"].split("\n\n")
        note = doc.cssselect(".source-note")[0]
        assert note.text_content().startswith(f"انت الان تتصفح خبر بعنوان «{copy['title']}»")
        assert "لا نتحمل أى مسؤولية عن محتواه" in note.text_content()
        link = note.cssselect("a")[0]
        assert link.text_content() == "المصدر الاصلي" and link.get("href") == copy["original_url"]
        assert doc.cssselect(".more h3")[0].text_content() == "قد تقرأ أيضا"
        assert len(doc.cssselect(".more li a")) >= 1


def test_article_pages_have_metadata(client: httpx.Client, manifest: dict[str, Any]) -> None:
    for site in manifest["sites"]:
        article = next(a for a in _articles(manifest, site=site["slug"]) if a["behaviour"] is None)
        page = client.get(article["url"]).content.decode(site["encoding"])
        doc = lxml_html.fromstring(page)
        assert doc.cssselect('meta[property="og:title"]')[0].get("content") == article["title"]
        assert doc.cssselect('link[rel="canonical"]')[0].get("href") == article["url"]
        assert doc.cssselect('meta[property="article:published_time"]')
        assert doc.cssselect('meta[property="article:section"]')[0].get("content") == article["section"]
        assert re.search(r"\d{1,2} \S+( \S+)? 20\d\d - \d\d:\d\d", page)
        for image in article["images"]:
            assert image["caption"] in page
        if article["author"]:
            assert article["author"] in page


def test_every_manifest_url_answers_as_described(
    client: httpx.Client, network: RunningNetwork, manifest: dict[str, Any]
) -> None:
    """200 for ordinary pages; the misbehaving site's pages show the misbehaviour they are meant to."""
    articles = manifest["articles"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(client.get, [a["url"] for a in articles]))
    for a, r in zip(articles, responses, strict=True):
        behaviour = a["behaviour"]
        if behaviour == "redirect_loop":
            assert a["broken"] and r.status_code == 302
            hop = client.get(r.headers["location"])
            assert hop.status_code == 302 and hop.headers["location"] == a["url"]
        elif behaviour == "retry_after":
            assert r.status_code == 429 and r.headers["retry-after"] == "2"
            assert client.get(a["url"]).status_code == 200
        else:
            assert r.status_code == 200, a["url"]
            assert r.headers["content-type"].startswith("text/html")
            if behaviour == "slow":
                assert r.elapsed.total_seconds() >= 1.5
            if behaviour == "truncated":
                assert not r.text.rstrip().endswith("</html>")
                assert a["text"].split("\n\n")[-1] in r.text
            else:
                assert r.text.rstrip().endswith("</html>")
    images = {i["src"] for a in articles for i in a["images"]}
    with ThreadPoolExecutor(max_workers=16) as pool:
        for r in pool.map(client.get, sorted(images)[:60]):
            assert r.status_code == 200 and r.headers["content-type"].startswith("image/")
    assert client.get(network.sites[0]["base_url"] + "/no/such/page").status_code == 404


def test_gold_text_matches_each_template(client: httpx.Client, manifest: dict[str, Any]) -> None:
    selectors = {
        "nile": "#NewsStory > p:not(.inline-related):not(.app-promo)",
        "delta": ".entry-content > p",
        "sahel": ".article-body > p:not(.tags-line)",
        "sada": "#article-text > p",
        "rased": ".story-body > p:not(.copy)",
        "marsad": ".detail > p:not(.rel-inline):not(.src-line)",
        "nabd": ".article > p",
    }
    for site in manifest["sites"]:
        for a in _articles(manifest, site=site["slug"]):
            if a["broken"] or a["behaviour"] in {"slow", "retry_after"}:
                continue
            page = client.get(a["url"]).content.decode(site["encoding"])
            assert _paragraph_texts(page, selectors[site["slug"]]) == a["text"].split("\n\n"), a["url"]


def test_deterministic_apart_from_time() -> None:
    from datetime import UTC, datetime

    from bawaba.demo.corpus import build_corpus

    a = build_corpus(datetime(2024, 5, 1, tzinfo=UTC))
    b = build_corpus(datetime(2024, 5, 1, tzinfo=UTC))
    assert [(x.path, x.title, x.text) for x in a.articles] == [(x.path, x.title, x.text) for x in b.articles]


@pytest.mark.parametrize("seeds", [("1", "2")])
def test_deterministic_across_processes(seeds: tuple[str, str]) -> None:
    """Each process has its own string hash seed; the corpus must not depend on it (a set's order
    once picked each story's cast, so every run of the demo read differently)."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib; from datetime import UTC, datetime; from bawaba.demo.corpus import build_corpus; "
        "c = build_corpus(datetime(2024, 5, 1, tzinfo=UTC)); "
        "print(hashlib.sha256(repr([(a.path, a.title, a.text) for a in c.articles]).encode()).hexdigest())"
    )
    digests = {
        subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed},
                       capture_output=True, text=True, check=True).stdout.strip()
        for seed in seeds
    }
    assert len(digests) == 1


def test_gzip_when_asked(client: httpx.Client, manifest: dict[str, Any]) -> None:
    url = _site(manifest, "rss-cp1256")["feeds"][0]
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content
    assert zipped.headers["etag"] != plain.headers["etag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]})
    assert again.status_code == 304


def test_cp1256_site_text_needs_no_character_references(manifest: dict[str, Any]) -> None:
    site = _site(manifest, "rss-cp1256")
    for a in _articles(manifest, site=site["slug"]):
        (a["title"] + a["text"] + "".join(i["caption"] for i in a["images"])).encode("cp1256")


def test_section_pages_list_their_articles(client: httpx.Client, manifest: dict[str, Any]) -> None:
    for site in manifest["sites"]:
        home = lxml_html.fromstring(client.get(site["base_url"] + "/").content.decode(site["encoding"]))
        links = [a.get("href") for a in home.cssselect("nav a")]
        assert links
        for href in links[:3]:
            page = client.get(site["base_url"] + href)
            assert page.status_code == 200, href
            listed = {a.get("href") for a in lxml_html.fromstring(page.content).cssselect("main a")}
            assert listed and listed <= {a["url"] for a in _articles(manifest, site=site["slug"])}


def test_loopback_only() -> None:
    from bawaba.errors import ConfigError

    with pytest.raises(ConfigError):
        start_network(host="0.0.0.0")


def test_delay_scale_zero_turns_slowness_off() -> None:
    with start_network(delay_scale=0) as net, httpx.Client() as client:
        slow = [a for a in net.manifest()["articles"] if a["behaviour"] == "slow"]
        assert slow
        for a in slow:
            r = client.get(a["url"])
            assert r.status_code == 200 and r.elapsed.total_seconds() < 1.5


def test_shared_stories_are_closer_than_unrelated_ones(manifest: dict[str, Any]) -> None:
    """Clustering needs cross-site versions of a story to resemble each other more than other news."""

    def shingles(text: str) -> set[str]:
        words = text.split()
        return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}

    originals = [a for a in manifest["articles"] if a["original"] and not a["broken"]]
    same: list[float] = []
    other: list[float] = []
    for i, a in enumerate(originals):
        for b in originals[i + 1 :]:
            if a["category"] != b["category"]:
                continue
            x, y = shingles(a["text"]), shingles(b["text"])
            score = len(x & y) / len(x | y)
            (same if a["story_id"] and a["story_id"] == b["story_id"] else other).append(score)
    assert sum(same) / len(same) > 2 * sum(other) / len(other)


def test_a_slow_page_does_not_block_other_requests(client: httpx.Client, manifest: dict[str, Any]) -> None:
    import threading

    slow = next(a for a in manifest["articles"] if a["behaviour"] == "slow")
    fast = next(a for a in manifest["articles"] if a["site"] == slow["site"] and a["behaviour"] is None)
    done = threading.Event()

    def fetch_slow() -> None:
        client.get(slow["url"])
        done.set()

    worker = threading.Thread(target=fetch_slow)
    worker.start()
    try:
        assert client.get(fast["url"]).status_code == 200
        assert client.get(manifest["sites"][0]["base_url"] + "/").status_code == 200
        assert not done.is_set()  # both answered while the slow page was still sleeping
    finally:
        worker.join()
