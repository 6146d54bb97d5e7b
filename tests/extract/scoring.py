"""Token-level scoring of extracted text against a gold body, shared by tests and benches."""

from __future__ import annotations

import unicodedata
from collections import Counter


def tokens(text: str) -> list[str]:
    """Whitespace tokens after NFC, the unit every extraction score here counts."""
    return unicodedata.normalize("NFC", text).split()


def token_prf(pred: str, gold: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1 of ``pred`` against ``gold``."""
    p, g = Counter(tokens(pred)), Counter(tokens(gold))
    if not p and not g:
        return 1.0, 1.0, 1.0
    overlap = sum((p & g).values())
    if overlap == 0:
        return 0.0, 0.0, 0.0
    precision = overlap / sum(p.values())
    recall = overlap / sum(g.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def token_f1(pred: str, gold: str) -> float:
    return token_prf(pred, gold)[2]
