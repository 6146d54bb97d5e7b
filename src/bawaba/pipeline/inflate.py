"""Capped, incremental Content-Encoding decoding (gzip, deflate, br).

httpx would decode bodies for us, but without a limit on the inflated size: a 50 kB gzip body
can expand to gigabytes. Here every stage of decoding stops as soon as its output would pass
``max_bytes`` and raises ``FetchError(kind="decompression_bomb")``.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

from bawaba.errors import FetchError

_GZIP_OR_ZLIB = zlib.MAX_WBITS | 32  # auto-detect gzip or zlib header
_RAW_DEFLATE = -zlib.MAX_WBITS


class _Stage(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


def _bomb(limit: int) -> FetchError:
    return FetchError(f"body inflates past {limit} bytes", "decompression_bomb")


def _corrupt(encoding: str, exc: Exception) -> FetchError:
    return FetchError(f"corrupt {encoding} body: {exc}", "protocol")


class _ZlibStage:
    """gzip (including concatenated members) or deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, encoding: str, limit: int) -> None:
        self._encoding = encoding
        self._limit = limit
        self._produced = 0
        self._started = False
        self._next_member = False
        self._ignore_rest = False
        self._wbits = _GZIP_OR_ZLIB
        self._d = zlib.decompressobj(self._wbits)

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        while data and not self._ignore_rest:
            try:
                chunk = self._d.decompress(data, self._limit - self._produced + 1)
            except zlib.error as exc:
                if self._next_member:
                    self._ignore_rest = True  # trailing garbage after a complete gzip stream
                    break
                if not self._started and self._encoding == "deflate" and self._wbits != _RAW_DEFLATE:
                    self._wbits = _RAW_DEFLATE
                    self._d = zlib.decompressobj(self._wbits)
                    continue
                raise _corrupt(self._encoding, exc) from None
            self._started = True
            self._next_member = False
            self._produced += len(chunk)
            if self._produced > self._limit:
                raise _bomb(self._limit)
            out.append(chunk)
            if self._d.eof:
                data = self._d.unused_data
                if self._encoding != "gzip":
                    self._ignore_rest = True
                    break
                # another gzip member may follow (concatenated gzip is valid)
                self._d = zlib.decompressobj(self._wbits)
                self._next_member = True
            else:
                data = self._d.unconsumed_tail
        return b"".join(out)

    def finish(self) -> bytes:
        try:
            tail = self._d.flush()
        except zlib.error as exc:
            raise _corrupt(self._encoding, exc) from None
        self._produced += len(tail)
        if self._produced > self._limit:
            raise _bomb(self._limit)
        return tail


class _BrotliStage:
    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._produced = 0
        self._d = brotli.Decompressor()

    def _take(self, data: bytes) -> bytes:
        try:
            return bytes(self._d.process(data, output_buffer_limit=self._limit - self._produced + 1))
        except brotli.error as exc:
            raise _corrupt("br", exc) from None

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        chunk = self._take(data)
        while True:
            self._produced += len(chunk)
            if self._produced > self._limit:
                raise _bomb(self._limit)
            out.append(chunk)
            if self._d.can_accept_more_data():
                return b"".join(out)
            chunk = self._take(b"")

    def finish(self) -> bytes:
        return b""


class Inflater:
    """Decode a body whose ``Content-Encoding`` lists ``encodings`` (in the order applied),
    feeding raw chunks as they arrive. Raises ``FetchError`` on bombs, corrupt data or
    encodings we do not know."""

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        names = [e.strip().lower() for e in (content_encoding or "").split(",")]
        names = [n for n in names if n and n != "identity"]
        stages: list[_Stage] = []
        for name in reversed(names):  # the last encoding applied is undone first
            if name in {"gzip", "x-gzip"}:
                stages.append(_ZlibStage("gzip", max_bytes))
            elif name == "deflate":
                stages.append(_ZlibStage("deflate", max_bytes))
            elif name == "br":
                stages.append(_BrotliStage(max_bytes))
            else:
                raise FetchError(f"unsupported content-encoding {name!r}", "protocol")
        self._stages = stages
        self._limit = max_bytes
        self._size = 0

    @property
    def size(self) -> int:
        """Decoded bytes produced so far."""
        return self._size

    def _count(self, data: bytes) -> bytes:
        self._size += len(data)
        if self._stages and self._size > self._limit:
            raise _bomb(self._limit)
        return data

    def feed(self, data: bytes) -> bytes:
        for stage in self._stages:
            data = stage.feed(data)
        return self._count(data)

    def finish(self) -> bytes:
        out = b""
        for stage in self._stages:
            out = stage.feed(out) + stage.finish()
        return self._count(out)
