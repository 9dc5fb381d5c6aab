"""Classic text similarity for likely duplicates: TF-IDF and cosine. No language model."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

# Letters and digits in any script; "_" is a word character to re, but not to people.
_WORD = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"'s\b")
_STOP = frozenset(
    [
        "a",
        "about",
        "all",
        "also",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "more",
        "my",
        "need",
        "needs",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "some",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "us",
        "want",
        "wants",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


def _stem(word: str) -> str:
    """Light suffix stripping, so "bookings", "booked" and "booking" all become "book".

    Not a full stemmer: enough to match the everyday plurals and tenses in request titles,
    while keeping words like "process", "status" and "analysis" whole.
    """
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return _undouble(word[: -len(suffix)])
    # "service" and "services", "share" and "shared": a final e is dropped on both sides.
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _undouble(stem: str) -> str:
    """Planned and planning become plan; filling keeps its ll, and staffing its ff."""
    last = stem[-1]
    if len(stem) > 3 and stem[-2] == last and last not in "aeioulsfz":
        return stem[:-1]
    return stem


def tokens(text: str) -> list[str]:
    """Lower-case words of letters or digits, without stop words, lightly stemmed."""
    text = _POSSESSIVE.sub("", text.lower().replace("\u2019", "'")).replace("'", "")
    return [_stem(w) for w in _WORD.findall(text) if w not in _STOP]


def _terms(title: str, problem: str) -> Counter[str]:
    counts = Counter(tokens(problem))
    for word in tokens(title):
        counts[word] += 2  # a title says what it is about: its words count double
    return counts


def most_similar(
    target: tuple[str, str],
    candidates: Sequence[tuple[str, str, str]],
    limit: int = 3,
    minimum: float = 0.15,
    exclude: str = "",
) -> list[tuple[str, float]]:
    """The candidates most like the target, best first: (reference, score from 0 to 1).

    Scores are TF-IDF cosine over the target and the candidates. Ties go to the lower
    reference, so the same input always gives the same answer.
    """
    docs = [(ref, _terms(t, p)) for ref, t, p in candidates if ref != exclude]
    query = _terms(*target)
    if limit < 1 or not docs or not query:
        return []
    frequency: Counter[str] = Counter()
    for _, terms in docs:
        frequency.update(terms.keys())
    frequency.update(query.keys())
    total = len(docs) + 1

    def vector(terms: Counter[str]) -> dict[str, float]:
        return {w: c * (math.log((1 + total) / (1 + frequency[w])) + 1) for w, c in terms.items()}

    q = vector(query)
    q_norm = math.sqrt(sum(v * v for v in q.values()))
    scored: list[tuple[str, float]] = []
    for ref, terms in docs:
        d = vector(terms)
        norm = math.sqrt(sum(v * v for v in d.values()))
        if not norm:
            continue
        score = sum(q[w] * d[w] for w in q.keys() & d.keys()) / (q_norm * norm)
        if score >= minimum:
            scored.append((ref, round(score, 4)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit]
