"""Every setting, declared once with its default and help.

Values come from ``BAWABA_<NAME>`` environment variables (upper case), else the default.
Stages never read this module: the coordinator, CLI, workers and web pass plain values down.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from bawaba.errors import ConfigError


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = _setting(
        "sqlite:///bawaba.db", "Store URL: sqlite:///path.db (default) or postgresql://user@host/db."
    )
    user_agent: str = _setting(
        "bawaba/0.1 (+https://github.com/bawaba/bawaba; news aggregator)", "User-Agent sent with every request."
    )
    host_concurrency: int = _setting(4, "Most simultaneous connections to one host.")
    host_delay_s: float = _setting(5.0, "Least seconds between two requests to one host.")
    global_concurrency: int = _setting(32, "Most simultaneous requests overall.")
    connect_timeout_s: float = _setting(10.0, "Seconds to wait for a TCP/TLS connection.")
    read_timeout_s: float = _setting(20.0, "Seconds to wait between two received chunks.")
    total_timeout_s: float = _setting(60.0, "Seconds a whole request may take, body included.")
    max_response_bytes: int = _setting(10_000_000, "Largest response body accepted, on the wire.")
    max_decompressed_bytes: int = _setting(
        30_000_000, "Largest body accepted after gzip/deflate/brotli decoding."
    )
    max_redirects: int = _setting(5, "Most redirects followed for one request.")
    allow_private_addresses: bool = _setting(
        False, "Allow fetching loopback/private/link-local addresses (the demo network and tests need it)."
    )
    respect_robots: bool = _setting(True, "Obey robots.txt (cached per host).")
    robots_cache_s: int = _setting(86_400, "Seconds a host's robots.txt is cached.")
    max_retries: int = _setting(3, "Retries after 429/503 or a transient network error.")
    min_poll_s: int = _setting(600, "Shortest adaptive polling interval of a feed.")
    max_poll_s: int = _setting(86_400, "Longest adaptive polling interval of a feed.")
    default_poll_s: int = _setting(3_600, "Polling interval of a new feed.")
    max_feed_entries: int = _setting(2_000, "Most entries taken from one feed fetch.")
    extract_workers: int = _setting(
        -1, "Processes that extract articles during a crawl (-1: one per core; 0 or 1: in-process)."
    )
    story_window_h: int = _setting(72, "Hours of the sliding window in which articles join a story.")
    classifier_model: str = _setting(
        "", "Topic model file (.npz) for ingest, recategorize and classify; empty: the shipped one "
        "(train your own with `bawaba classify train --from-store`)."
    )
    web_cache_s: int = _setting(30, "Seconds hot pages stay in the in-process cache.")
    page_size: int = _setting(20, "Articles per listing page on the portal.")
    site_name: str = _setting("بوابة الأخبار", "Portal name shown in titles and feeds.")
    site_url: str = _setting("http://127.0.0.1:8000", "Public base URL of the portal (for feeds and sitemaps).")
    timezone: str = _setting("Africa/Cairo", "Time zone used to show dates on the portal.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"BAWABA_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f.name, type(f.default), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def describe(cls) -> Iterator[tuple[str, str, Any, str]]:
        """Yield (name, env var, default, help) for ``bawaba config``."""
        for f in fields(cls):
            yield f.name, f"BAWABA_{f.name.upper()}", f.default, f.metadata["help"]


def _coerce(name: str, kind: type, raw: str) -> Any:
    try:
        if kind is bool:
            low = raw.strip().lower()
            if low in {"1", "true", "yes", "on"}:
                return True
            if low in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return raw
    except ValueError:
        raise ConfigError(f"BAWABA_{name.upper()}={raw!r} is not a valid {kind.__name__}") from None
