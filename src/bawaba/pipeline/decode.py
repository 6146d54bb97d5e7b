"""Turn the bytes of an HTML page into correct Unicode text.

Arabic sites still serve windows-1256 and ISO-8859-6, and often declare one charset while
sending another (a CMS template says utf-8, the database spits cp1256). Trusting the declaration
blindly produces mojibake that poisons search, dedup and classification, so every declared
charset is checked by a strict decode and, for single-byte declarations, against the far more
telling evidence of valid multi-byte UTF-8. When declarations fail, the Arabic byte statistics
decide between cp1256 and ISO-8859-6 before charset-normalizer's general guess.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

__all__ = ["charset_from_content_type", "decode_html", "looks_mojibake", "normalize_charset"]

_META_SCAN_BYTES = 4096

# WHATWG treats these labels as windows-1252; many Arabic sites send them for cp1256 bytes
_LATIN_LABELS = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})
_SINGLE_BYTE_ARABIC = ("cp1256", "iso8859_6")

_ALIASES = {
    "windows-1256": "cp1256",
    "x-cp1256": "cp1256",
    "cp-1256": "cp1256",
    "win-1256": "cp1256",
    "arabic": "iso8859_6",
    "iso-8859-6-i": "iso8859_6",
    "iso-8859-6-e": "iso8859_6",
    "asmo-708": "iso8859_6",
    "ecma-114": "iso8859_6",
    "utf8": "utf_8",
    "unicode-1-1-utf-8": "utf_8",
    "x-user-defined": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf_8"),
    (codecs.BOM_UTF16_LE, "utf_16_le"),
    (codecs.BOM_UTF16_BE, "utf_16_be"),
)

_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]{1,40})""", re.I)
_META_TAG = re.compile(rb"<meta\b[^>]{0,512}>", re.I)
_HEADER_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]{1,40})""", re.I)

# Lead bytes of Arabic letters in UTF-8 (U+0600-U+06FF) read as a single-byte charset.
_UTF8_AS_CP1256 = re.compile("[طظ][" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1256")) + "]")
_UTF8_AS_LATIN = re.compile(
    "[ØÙ][" + re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore") + "\u0080-\u00bf") + "]"
)
# cp1256 Arabic read as Latin-1: runs of accented capitals/lowercase with no spaces, e.g. "ÇáÜ"
_CP1256_AS_LATIN = re.compile("[\u00c0-\u00ff]{3,}")
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")


def normalize_charset(label: str | None) -> str | None:
    """Map a declared charset label to a Python codec name; None when unknown."""
    if not label:
        return None
    low = label.strip().strip("\"'").lower()
    low = _ALIASES.get(low, low)
    try:
        name = codecs.lookup(low).name
    except (LookupError, ValueError):
        return None
    name = name.replace("-", "_")
    if name in {"iso8859_1", "latin_1", "ascii"}:
        return "cp1252"
    return name


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_PARAM.search(content_type)
    return normalize_charset(match.group(1)) if match else None


def _bom_charset(body: bytes) -> tuple[str, int] | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name, len(bom)
    return None


def _meta_charset(body: bytes) -> str | None:
    head = body[:_META_SCAN_BYTES]
    for tag in _META_TAG.findall(head):
        match = _CHARSET_PARAM.search(tag)
        if match:
            found = normalize_charset(match.group(1).decode("ascii", "ignore"))
            if found:
                # a page that reached us as bytes cannot really be UTF-16 if the meta is ASCII-readable
                return "utf_8" if found.startswith("utf_16") else found
    return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _arabic_score(text: str) -> float:
    """How much the text looks like real Arabic: letters, the article "ال", minus mojibake."""
    letters = len(_ARABIC_LETTER.findall(text))
    definite = text.count("ال")
    garbage = len(_UTF8_AS_CP1256.findall(text)) + text.count("\ufffd")
    return letters + 4 * definite - 6 * garbage


def _has_high_bytes(body: bytes) -> bool:
    return any(b >= 0x80 for b in body)


def looks_mojibake(text: str) -> bool:
    """True when text shows the typical traces of Arabic decoded with the wrong charset."""
    if len(_UTF8_AS_CP1256.findall(text)) >= 3 or len(_UTF8_AS_LATIN.findall(text)) >= 3:
        return True
    runs = _CP1256_AS_LATIN.findall(text)
    return len(runs) >= 3 and sum("Ç" in r or "á" in r for r in runs) >= 2


def _guess(body: bytes) -> str:
    """Decode undeclared or mis-declared bytes: UTF-8, then Arabic single-byte, then detection."""
    utf = _strict(body, "utf_8")
    if utf is not None:
        return utf
    high = [b for b in body if b >= 0x80]
    arabic_range = sum(1 for b in high if 0xC1 <= b <= 0xFE)
    if high and arabic_range / len(high) >= 0.6:
        best: tuple[float, str] | None = None
        for codec in _SINGLE_BYTE_ARABIC:
            text = body.decode(codec, errors="replace")
            score = _arabic_score(text)
            if best is None or score > best[0]:
                best = (score, text)
        if best is not None and best[0] > 0:
            return best[1]
    match = from_bytes(body).best()
    if match is not None:
        return str(match)
    return body.decode("utf_8", errors="replace")


def _decode_declared(body: bytes, codec: str) -> str | None:
    """Decode with a declared codec, or None when the bytes contradict the declaration."""
    text = _strict(body, codec)
    if text is None:
        return None
    if codec != "utf_8" and not codec.startswith("utf_16") and _has_high_bytes(body):
        # valid multi-byte UTF-8 almost never happens by chance: the declaration is stale
        if _strict(body, "utf_8") is not None:
            return None
        if codec in _LATIN_LABELS and looks_mojibake(text):
            return None
    return text


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode an HTML body; HTTP header, BOM, ``<meta>`` declarations, then detection. NFC output.

    A BOM is byte-level proof and overrides a header that contradicts it (as browsers do).
    """
    text: str | None = None
    bom = _bom_charset(body)
    declared = [charset_from_content_type(content_type), _meta_charset(body)]
    if bom is not None:
        text = _strict(body[bom[1] :], bom[0])
    if text is None:
        for codec in declared:
            if codec is not None:
                text = _decode_declared(body, codec)
                if text is not None:
                    break
    if text is None:
        text = _guess(body)
    return unicodedata.normalize("NFC", text.lstrip("\ufeff"))
