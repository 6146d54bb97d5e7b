"""Light Arabic stemmers: strip attached particles and common suffixes, never guess roots.

Root extraction (Khoja-style) conflates unrelated words; light stemming in the spirit of Larkey's
light10 keeps precision while folding the forms readers actually type (with or without ال,
attached و/ب/ل/ف/ك, plural and feminine endings). All functions expect ``normalize()``d input,
so ة is already ه, ى is ي and every hamza-alef is bare ا.
"""

from __future__ import annotations

from collections.abc import Callable

#: light10 as in Larkey et al. (2002) and Lucene's ArabicStemmer, over normalised text
_LIGHT10_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_LIGHT10_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")

#: bawaba's variant: also a conjunction plus a preposition before the article, and lone
#: prepositions before a long enough word (بمصر, لبيروت), measured in bench/search_quality.py
ARTICLE_PREFIXES = (
    "وبال",
    "وكال",
    "وفال",
    "فبال",
    "فكال",
    "ولل",
    "فلل",
    "وال",
    "بال",
    "كال",
    "فال",
    "لل",
    "ال",
)
_CONJUNCTIONS = ("و", "ف")
_PREPOSITIONS = ("ب", "ل", "ك")
_SUFFIXES = ("هما", "كما", "تين", "ها", "ان", "ات", "ون", "ين", "يه", "هم", "كم", "نا", "ه", "ي")


def light10(word: str) -> str:
    """Larkey's light10: one leading و, one article form, then each listed suffix at most once."""
    if len(word) > 3 and word[0] == "و":
        word = word[1:]
    for prefix in _LIGHT10_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    for suffix in _LIGHT10_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


def light(word: str) -> str:
    """bawaba's light stemmer: light10 widened to attached prepositions and pronoun suffixes.

    Lone prepositions are stripped only when three letters remain, so three-letter nouns that
    start with ب/ل/ك keep their first letter; stripping is the same at index and query time, so
    an over-stemmed word still matches its own variants.
    """
    if not word.isalpha() or len(word) < 3:
        return word
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    else:
        if word[0] in _CONJUNCTIONS and len(word) > 3:
            word = word[1:]
        while word[0] in _PREPOSITIONS and len(word) > 3:
            word = word[1:]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word[-1] == "ا":  # accusative tanween alef: جديدا, تطبيقا
        word = word[:-1]
    if len(word) > 3 and word[-1] in "هي":
        word = word[:-1]
    return word


#: particle runs that may precede a word, longest first (و/ف, then ب/ل/ك)
_PARTICLE_RUNS = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")


def light_cores(word: str) -> list[str]:
    """``word`` and what remains after each article or particle run it may start with.

    The analyzer stems each core bare and with ال to learn every index term a document spelling
    of the same word can have; cores shorter than three letters are not words.
    """
    cores = [word]
    for prefix in ARTICLE_PREFIXES + _PARTICLE_RUNS:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            cores.append(word[len(prefix) :])
    return cores


def identity(word: str) -> str:
    return word


def snowball() -> Callable[[str], str]:
    """The Snowball Arabic stemmer (PyStemmer); a fresh instance since it is not thread-safe."""
    import Stemmer

    return Stemmer.Stemmer("arabic").stemWord  # type: ignore[no-any-return]
