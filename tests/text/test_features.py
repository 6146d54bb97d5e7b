"""The hashed vectoriser gives scikit-learn's HashingVectorizer columns (docs/CLASSIFIER.md: models
stay interchangeable, and training may use either)."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from bawaba.text.features import FeatureSpec, HashedFeatures

DOCS = [
    ("منتخب مصر يتأهل إلى النهائيات", "سجل المهاجم هدفين في الشوط الأول، وأضاف زميله الثالث من ركلة جزاء."),
    ("البورصة المصرية ترتفع", "ارتفع المؤشر الرئيسي ١٫٢٪ في ختام تعاملات الأسبوع وسط مشتريات المستثمرين الأجانب."),
    ("", "و"),
    ("عنوان فقط", ""),
]


def test_blocks_match_sklearn_hashing() -> None:
    spec = FeatureSpec(word_bits=14, char_bits=14)
    features = HashedFeatures(spec)
    ours = features.transform(DOCS).toarray()
    prepared = [features.prepared(t, x) for t, x in DOCS]
    common = {"alternate_sign": False, "norm": None, "lowercase": False}
    words = HashingVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=spec.word_ngrams,
                              n_features=1 << spec.word_bits, **common).transform([p[0] for p in prepared])
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=spec.char_ngrams,
                              n_features=1 << spec.char_bits, **common).transform([p[1] for p in prepared])
    width = 1 << spec.word_bits
    assert np.array_equal(ours[:, :width], words.toarray())
    assert np.array_equal(ours[:, width:], chars.toarray())
    assert ours[0].sum() > 0
