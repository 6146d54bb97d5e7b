"""Arabic presentation helpers: dates, numbers, URL slugs and excerpts.

Babel's ``ar_EG`` locale gives Egyptian month names and Arabic separators, but Babel writes Latin
digits; Egyptian readers expect Arabic-Indic ones (U+0660..U+0669), so digits are mapped here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from babel.numbers import format_decimal

from bawaba.errors import ConfigError

LOCALE = "ar_EG"
DATE_PATTERN = "EEEE d MMMM y - hh:mm a"
SHORT_DATE_PATTERN = "d MMMM y - hh:mm a"


_DIGITS = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))


@cache
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"unknown time zone {name!r}") from exc


def arabic_digits(text: str) -> str:
    return text.translate(_DIGITS)


def arabic_number(value: int) -> str:
    """Grouped Arabic-Indic number, e.g. ``١٬٢٣٤``."""
    return arabic_digits(format_decimal(value, locale=LOCALE, numbering_system="default"))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def arabic_datetime(moment: datetime | None, tz: str = "Africa/Cairo", *, short: bool = False) -> str:
    """``الثلاثاء ٢٤ نوفمبر ٢٠٢٦ - ٠٣:١٥ م`` in the portal's time zone; empty for None."""
    if moment is None:
        return ""
    pattern = SHORT_DATE_PATTERN if short else DATE_PATTERN
    return arabic_digits(format_datetime(_aware(moment), pattern, tzinfo=zone(tz), locale=LOCALE))


def iso(moment: datetime | None) -> str:
    return _aware(moment).isoformat() if moment is not None else ""


_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_SPACE = re.compile(r"[\s_-]+", re.UNICODE)


def title_slug(title: str, max_words: int = 8) -> str:
    """A readable URL slug that keeps Arabic letters (browsers show them decoded)."""
    text = unicodedata.normalize("NFC", title)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")  # drop harakat/tatweel marks
    text = text.replace("\u0640", "")
    words = _SLUG_SPACE.split(_SLUG_DROP.sub(" ", text).strip().lower())
    return "-".join(w for w in words[:max_words] if w)


def excerpt(text: str, limit: int = 200) -> str:
    """The first ``limit`` characters of ``text``, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + "…"
