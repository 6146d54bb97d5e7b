"""Region detection from the gazetteer: Egyptian, Arab or world places, title weighted."""

from __future__ import annotations

import pytest

from bawaba.pipeline.region import Gazetteer, default_gazetteer, detect_region


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("محافظ الجيزة يتفقد مشروعات الصرف الصحي", "تفقد المحافظ أعمال التطوير في عدة قرى", "egypt"),
        ("ارتفاع مؤشرات البورصة المصرية", "أغلقت الأسهم على صعود في ختام تعاملات الأسبوع", "egypt"),
        ("أمطار غزيرة على الإسكندرية", "شهدت المدينة الساحلية أمطارا متوسطة", "egypt"),
        ("قمة خليجية في الرياض", "اجتمع قادة دول مجلس التعاون الخليجي في العاصمة السعودية", "arab"),
        ("انفجار في بيروت", "هز انفجار قوي أحد أحياء العاصمة اللبنانية", "arab"),
        ("انتخابات تشريعية في فرنسا", "أدلى الناخبون بأصواتهم في باريس والمدن الكبرى", "world"),
        ("زلزال يضرب اليابان", "ضرب زلزال بقوة ست درجات شمال طوكيو", "world"),
        ("وصفة سهلة لكعكة البرتقال", "اخلطي الدقيق مع السكر والبيض ثم أضيفي العصير", None),
    ],
)
def test_regions(title: str, text: str, expected: str | None) -> None:
    assert detect_region(title, text) == expected


def test_clitics_are_stripped() -> None:
    assert detect_region("", "وصل الوفد بالقاهرة قادما من لندن وللقاهرة مكانة خاصة") == "egypt"
    assert detect_region("", "وبغداد تستعد للانتخابات") == "arab"


def test_title_counts_more_than_body() -> None:
    body = "وصل الوزير إلى برلين في زيارة رسمية"
    assert detect_region("", body) == "world"
    assert detect_region("وزير الخارجية المصري في جولة أوروبية", body) == "egypt"


def test_everyday_words_are_not_places() -> None:
    # "المدينة" (the city) and "ميدان" (square) are in geonames as places but not taken
    assert detect_region("", "افتتاح ميدان جديد في المدينة") is None


def test_tie_goes_to_the_nearer_region() -> None:
    gaz = Gazetteer.from_rows([("مصر", "egypt", 1.0), ("فرنسا", "world", 1.0)])
    assert detect_region("", "مصر وفرنسا", gazetteer=gaz) == "egypt"


def test_gazetteer_covers_countries_and_cities() -> None:
    entries = default_gazetteer().entries
    assert entries[("مصر",)][0] == "egypt"
    assert entries[("البرازيل",)][0] == "world"
    assert entries[("الخرطوم",)][0] == "arab"
    assert len(entries) > 700


def test_data_files_sorted() -> None:
    from importlib.resources import files

    for name in ("egypt", "arab", "world", "places", "exclude"):
        ext = "txt" if name == "exclude" else "tsv"
        raw = files("bawaba").joinpath(f"data/gazetteer/{name}.{ext}").read_text("utf-8")
        lines = [line for line in raw.splitlines() if line and not line.startswith("#")]
        assert lines == sorted(lines, key=lambda s: s.encode()), name
