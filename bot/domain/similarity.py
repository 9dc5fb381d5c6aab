"""Classic text similarity for likely duplicates: TF-IDF and cosine. No language model."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    (
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "there",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "will",
        "with",
        "you",
        "your",
        "can",
        "not",
        "no",
        "do",
        "does",
        "i",
        "me",
        "my",
        "need",
        "needs",
        "want",
        "wants",
        "would",
        "could",
        "should",
    )
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


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
    docs = [(ref, _terms(t, p)) for ref, t, p in candidates if ref != exclude]
    query = _terms(*target)
    if not docs or not query:
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
