"""Charset decoding: declarations, BOMs, lying declarations, Arabic single-byte charsets, mojibake."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from bawaba.pipeline.decode import charset_from_content_type, decode_html, looks_mojibake, normalize_charset

ARABIC = (
    "أعلنت الهيئة العامة للأرصاد الجوية عن ارتفاع درجات الحرارة في معظم المحافظات خلال عطلة نهاية الأسبوع"
)


def page(charset: str | None, body: str = ARABIC) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"<html><head>{meta}<title>خبر</title></head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("windows-1256", "cp1256"),
        ("CP1256", "cp1256"),
        ("iso-8859-6", "iso8859_6"),
        ("ISO_8859-6", "iso8859_6"),
        ("asmo-708", "iso8859_6"),
        ("utf8", "utf_8"),
        ("UTF-8", "utf_8"),
        ("iso-8859-1", "cp1252"),
        ("no-such-charset", None),
        (None, None),
    ],
)
def test_charset_aliases(label: str | None, codec: str | None) -> None:
    assert normalize_charset(label) == codec


def test_header_charset_parsing() -> None:
    assert charset_from_content_type('text/html; charset="windows-1256"') == "cp1256"
    assert charset_from_content_type("text/html") is None


@pytest.mark.parametrize("codec", ["utf-8", "cp1256", "iso-8859-6"])
def test_declared_in_meta(codec: str) -> None:
    raw = page(codec).encode(codec)
    assert ARABIC in decode_html(raw)


@pytest.mark.parametrize("codec", ["cp1256", "iso-8859-6"])
def test_declared_in_header_only(codec: str) -> None:
    raw = page(None).encode(codec)
    assert ARABIC in decode_html(raw, f"text/html; charset={codec}")


@pytest.mark.parametrize("codec", ["cp1256", "iso-8859-6"])
def test_undeclared_arabic_single_byte_is_detected(codec: str) -> None:
    raw = page(None, ARABIC + " " + ARABIC).encode(codec)
    assert ARABIC in decode_html(raw)


def test_declared_utf8_but_sent_cp1256() -> None:
    raw = page("utf-8").encode("cp1256")
    text = decode_html(raw, "text/html; charset=utf-8")
    assert ARABIC in text
    assert not looks_mojibake(text)


def test_declared_cp1256_but_sent_utf8() -> None:
    raw = page("windows-1256").encode("utf-8")
    text = decode_html(raw, "text/html; charset=windows-1256")
    assert ARABIC in text and not looks_mojibake(text)


def test_declared_latin1_but_sent_cp1256() -> None:
    raw = page("iso-8859-1").encode("cp1256")
    text = decode_html(raw)
    assert ARABIC in text and not looks_mojibake(text)


@pytest.mark.parametrize("bom_codec", ["utf-8-sig", "utf-16"])
def test_bom_wins(bom_codec: str) -> None:
    raw = page("windows-1256").encode(bom_codec)
    if bom_codec == "utf-16":
        assert raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    text = decode_html(raw, "text/html; charset=windows-1256")
    assert ARABIC in text and not text.startswith("\ufeff")


def test_output_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "آمنة إيمان")  # alef madda, hamza below decompose
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    text = decode_html(page("utf-8", decomposed).encode("utf-8"))
    assert unicodedata.normalize("NFC", decomposed) in text


@pytest.mark.parametrize(
    "bad",
    [
        ARABIC.encode("utf-8").decode("cp1252", errors="replace"),  # "Ø§Ù„..."
        ARABIC.encode("utf-8").decode("cp1256"),  # "ط§ظ„..."
        ARABIC.encode("cp1256").decode("latin-1"),  # "ÇáÜ..."
    ],
)
def test_mojibake_detector_flags_wrong_decodings(bad: str) -> None:
    assert looks_mojibake(bad)


@pytest.mark.parametrize(
    "good", [ARABIC, "Le café était très réputé à Paris.", "Straße, Ärger, Öl", "طالب ظريف طموح"]
)
def test_mojibake_detector_accepts_clean_text(good: str) -> None:
    assert not looks_mojibake(good)


def test_garbage_bytes_decode_to_text() -> None:
    assert isinstance(decode_html(bytes(range(256)) * 3), str)
    assert decode_html(b"") == ""
