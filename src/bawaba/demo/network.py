"""Serve the demo sites on loopback: one threaded HTTP server per site, all in this process.

Each site has its own port, so crawlers see distinct hosts with their own robots.txt and
politeness queues. Slow responses sleep in their own handler thread and never hold up others.
"""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from bawaba.demo.corpus import Corpus, SiteSpec, build_corpus
from bawaba.demo.media import CONTENT_TYPES, render_image
from bawaba.demo.render import Resource, SiteRenderer, feed_paths
from bawaba.errors import BawabaError, ConfigError

RETRY_AFTER_S = 2


class SiteServer(ThreadingHTTPServer):
    """A site's HTTP server; holds its routes and the little state misbehaviours need."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: SiteSpec, delay_scale: float = 1.0) -> None:
        super().__init__(address, SiteHandler)
        self.site = site
        self.delay_scale = delay_scale
        self.routes: Mapping[str, Resource] = {}
        self.media_prefix = f"/{site.media_dir}/"
        self._lock = threading.Lock()
        self._refused: set[str] = set()

    def refuse_once(self, path: str) -> bool:
        """True the first time ``path`` is asked for: that request gets a 429."""
        with self._lock:
            if path in self._refused:
                return False
            self._refused.add(path)
            return True


class SiteHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SiteServer

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the CLI print their own summaries."""

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, *, head: bool) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        resource = self.server.routes.get(path)
        if resource is None and path.startswith(self.server.media_prefix):
            resource = _media(path)
        if resource is None:
            self._send(
                404,
                b"<html><body><h1>404 Not Found</h1></body></html>",
                "text/html; charset=utf-8",
                head=head,
            )
            return
        if resource.delay_s and self.server.delay_scale > 0:
            time.sleep(resource.delay_s * self.server.delay_scale)
        if resource.behaviour == "retry_after" and self.server.refuse_once(path):
            self._send(
                429, b"Too Many Requests", "text/plain", head=head, extra={"Retry-After": str(RETRY_AFTER_S)}
            )
            return
        if resource.location is not None:
            self._send(resource.status, b"", "text/html", head=head, extra={"Location": resource.location})
            return
        body, etag, encoding = resource.body, resource.etag, None
        if _compressible(resource.content_type) and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, etag, encoding = gzip.compress(body, mtime=0), etag[:-1] + '-gz"', "gzip"
        validators = {
            "ETag": etag,
            "Last-Modified": format_datetime(resource.last_modified, usegmt=True),
            "Vary": "Accept-Encoding",
        }
        if self._not_modified(resource):
            self._send(304, b"", None, head=True, extra=validators)
            return
        if encoding:
            validators["Content-Encoding"] = encoding
        self._send(resource.status, body, resource.content_type, head=head, extra=validators)

    def _not_modified(self, resource: Resource) -> bool:
        tags = self.headers.get("If-None-Match")
        if tags is not None:
            offered = {t.strip().removeprefix("W/") for t in tags.split(",")}
            return bool(offered & {resource.etag, resource.etag[:-1] + '-gz"', "*"})
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return resource.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        *,
        head: bool,
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
        self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)


def _compressible(content_type: str) -> bool:
    return content_type.startswith(("text/", "application/"))


def _media(path: str) -> Resource | None:
    if path.rsplit(".", 1)[-1] not in CONTENT_TYPES:
        return None
    body, content_type = render_image(path)
    return Resource(body, content_type, datetime(2024, 1, 1, tzinfo=UTC))


class RunningNetwork:
    """The started network; a context manager that stops every server on exit."""

    def __init__(self, corpus: Corpus, servers: list[SiteServer], now: datetime) -> None:
        self.corpus = corpus
        self.now = now
        self._servers = servers
        self._threads = [
            threading.Thread(
                target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name=f"demo-{s.site.slug}"
            )
            for s in servers
        ]
        for t in self._threads:
            t.start()

    @property
    def base_urls(self) -> dict[str, str]:
        return {s.site.slug: _base_url(s) for s in self._servers}

    @property
    def sites(self) -> list[dict[str, str]]:
        return [
            {"slug": s.site.slug, "name": s.site.name, "base_url": _base_url(s), "kind": s.site.kind}
            for s in self._servers
        ]

    def source_urls(self) -> list[str]:
        """Home pages to add as sources (feed discovery starts there)."""
        return [_base_url(s) + "/" for s in self._servers]

    def manifest(self) -> dict[str, Any]:
        """What the network serves, with the gold text of every article (JSON-serialisable)."""
        bases = self.base_urls
        sites = []
        for s in self._servers:
            paths = feed_paths(s.site)
            sites.append(
                {
                    "slug": s.site.slug,
                    "name": s.site.name,
                    "base_url": bases[s.site.slug],
                    "kind": s.site.kind,
                    "encoding": s.site.encoding,
                    "feeds": [bases[s.site.slug] + p for p in paths.feeds],
                    "sitemaps": [bases[s.site.slug] + p for p in paths.sitemaps],
                }
            )
        articles = []
        for a in self.corpus.articles:
            articles.append(
                {
                    "site": a.site,
                    "url": bases[a.site] + a.path,
                    "category": a.category,
                    "section": a.section.name,
                    "story_id": self.corpus.story_ids.get(a.story_key),
                    "original": a.original,
                    "original_url": None
                    if a.original
                    else bases[a.original_site or ""] + (a.original_path or ""),
                    "disallowed": a.disallowed,
                    "broken": a.broken,
                    "behaviour": a.behaviour,
                    "title": a.title,
                    "text": a.text,
                    "author": a.author,
                    "published_at": a.published_at.isoformat(),
                    "images": [{"src": bases[im.site] + im.path, "caption": im.caption} for im in a.images],
                }
            )
        return {"generated_at": self.now.isoformat(), "sites": sites, "articles": articles}

    def stop(self) -> None:
        for s in self._servers:
            s.shutdown()
        for s in self._servers:
            s.server_close()
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self) -> RunningNetwork:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _base_url(server: SiteServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def start_network(
    host: str = "127.0.0.1",
    base_port: int = 0,
    *,
    now: datetime | None = None,
    delay_scale: float = 1.0,
) -> RunningNetwork:
    """Start every demo site on ``host``: free ports when ``base_port`` is 0, else base_port + i.

    ``now`` fixes the clock the publication times are relative to; ``delay_scale`` multiplies the
    slow pages' delays (0 turns them off for tests that do not study slowness).
    """
    if not _is_loopback(host):
        raise ConfigError(f"the demo network serves loopback only, not {host!r}")
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    corpus = build_corpus(now)
    servers: list[SiteServer] = []
    try:
        for i, site in enumerate(corpus.sites):
            servers.append(SiteServer((host, base_port + i if base_port else 0), site, delay_scale))
    except OSError as exc:
        for s in servers:
            s.server_close()
        raise BawabaError(f"demo network cannot listen on {host}:{base_port}: {exc}") from exc
    bases = {s.site.slug: _base_url(s) for s in servers}
    for s in servers:
        s.routes = SiteRenderer(corpus, s.site, bases, now).routes()
    return RunningNetwork(corpus, servers, now)
