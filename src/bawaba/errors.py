"""One exception tree. Third-party errors are translated into these at the module that meets them.

The CLI prints ``str(error)`` of any ``BawabaError`` as a one-line message and exits non-zero.
"""

from __future__ import annotations


class BawabaError(Exception):
    """Base of every error bawaba raises on purpose."""


class ConfigError(BawabaError):
    """A setting has an invalid value."""


class StoreError(BawabaError):
    """The store could not do what was asked (connection, migration, constraint)."""


class NotFoundError(StoreError):
    """A row asked for by id or slug does not exist."""


class FetchError(BawabaError):
    """A fetch failed. ``kind`` is the same short tag as ``FetchResult.error_kind``."""

    def __init__(self, message: str, kind: str = "error", url: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.url = url


class BlockedAddressError(FetchError):
    """A URL resolves or redirects to a private, loopback or link-local address."""

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message, "blocked_address", url)


class ParseError(BawabaError):
    """A feed, sitemap, OPML or YAML document could not be parsed."""


class ExtractionError(BawabaError):
    """A page could not be turned into an article."""


class NoArticleError(ExtractionError):
    """The page holds no article text (an index page, an empty page, an error page)."""


class ImportLineError(BawabaError):
    """One line of a JSONL import is unusable; the import goes on without it."""

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(f"line {line_no}: {message}")
        self.line_no = line_no


class ModelError(BawabaError):
    """A shipped or trained model file is missing or unusable."""
