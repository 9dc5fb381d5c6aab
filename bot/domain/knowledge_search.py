"""Finding answers already given: BM25F ranking over knowledge entries, explained.

Classic text search, no language model. Words are folded from US to British spelling
(a small table, below), stop words dropped, and the rest stemmed with the English
Snowball stemmer, so "organize", "organised" and "organising" all meet. Each entry has
three fields with their own weights: the question it answered counts most, then its
tags, then the answer text. Scores are BM25F (term frequencies weighted by field and
normalised by field length before saturation), multiplied by a small, capped boost for
people having confirmed the entry (chosen as best, or "helped me too"). A question that
shares too little with any entry gets nothing back, rather than noise.

Why our own BM25F rather than rank-bm25 or bm25s: neither has field weights or says
which words matched where (we must show people why an answer came up), both rebuild
the whole index on a change where ours adds and removes one entry at a time, and they
would bring numpy (and bm25s scipy) for something a page of Python does fast enough.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import snowballstemmer

from bot.domain.communities import Community, KnowledgeEntry

# Field weights and length normalisation (b) per field; K1 is the usual saturation.
QUESTION, TAGS, ANSWER = 0, 1, 2
WEIGHTS = (3.0, 2.0, 1.0)
B = (0.75, 0.5, 0.75)
K1 = 1.2
# A weak match is noise: an entry is shown only if one of the asker's words is in its
# question or tags, and it scores at least this share of what a fairly rare word (one
# in one entry in fifty, or in one entry in a small base) is worth, so the bar stays
# about the same as the knowledge base grows.
MIN_RELATIVE_SCORE = 0.7
RARE_SHARE = 1 / 50
# Confirmations lift an entry by up to 30%: enough to break near-ties, never to bury
# an answer that fits better.
CONFIRM_STEP = 0.1
CONFIRM_CAP = 1.3

# A community's name, keywords and description.
_COMMUNITY_WEIGHTS = (3.0, 3.0, 1.0)
# Added for each of a community's keyword phrases ("power automate") said as a phrase.
PHRASE_BONUS = 2.0
_WHERE = ("in the question", "in the tags", "in the answer")

# US spellings folded to British ones before stemming, so both find the same entries.
# Small on purpose: whole words here, and the -ize/-yze endings below. "program" is
# left alone: at work it usually means a piece of software, where British English
# writes "program" too.
_US_TO_UK = {
    "color": "colour",
    "colors": "colours",
    "colored": "coloured",
    "behavior": "behaviour",
    "favorite": "favourite",
    "favorites": "favourites",
    "center": "centre",
    "centers": "centres",
    "license": "licence",  # the noun; the verb "license" folds here too, harmlessly
    "licenses": "licences",
    "catalog": "catalogue",
    "dialog": "dialogue",
    "gray": "grey",
    "enroll": "enrol",
    "enrollment": "enrolment",
    "canceled": "cancelled",
    "canceling": "cancelling",
    "labeled": "labelled",
    "labeling": "labelling",
    "modeling": "modelling",
    "traveled": "travelled",
    "defense": "defence",
    "offense": "offence",
}
# Words that end in -ize in British English too.
_KEEP_IZE = frozenset({"size", "sizes", "sized", "prize", "prizes", "seize", "seized", "capsize"})
_IZE = re.compile(r"(?<=\w\w)(iz|yz)(e|es|ed|ing|ation|ations|er|ers)$")

_STOP = frozenset(
    """a about after again all also am an and any anyone are as at be because been before
    being best better but by can cannot could did do does doing done each else even every
    for from get gets getting got had has have having he hello her here hi him his how i
    if im in into is it its just know let like make me might more most much must my need
    needs new no not now of off ok on one only or other our out over please really right
    same see she should so some someone something still such sure than thank thanks that
    the their them then there these they thing things this those through to too try trying
    up us use used using very want wanted wants was way we well were what when where which
    while who why will with without work would yes yet you your whats thats theres hows
    dont cant doesnt isnt ive wont""".split()  # noqa: SIM905
)
# A word, with its apostrophes and hyphens: "team's", "stand-up".
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_stemmer = snowballstemmer.stemmer("english")


def fold(word: str) -> str:
    """A lower-case word in British spelling (see the table above)."""
    word = word.casefold()
    if word in _US_TO_UK:
        return _US_TO_UK[word]
    if word not in _KEEP_IZE:
        word = _IZE.sub(lambda m: ("is" if m[1] == "iz" else "ys") + m[2], word)
    return word


def words(text: str) -> list[tuple[str, str]]:
    """(term, the word as written) for each word that counts, in order.

    A hyphenated word counts whole and in parts, so "stand-up" meets both "standup"
    and "stand up".
    """
    found: list[tuple[str, str]] = []
    text = re.sub(r"\be-mail", "email", text, flags=re.IGNORECASE)
    for match in _WORD.finditer(text):
        written = match.group()
        plain = written.replace("’", "'").removesuffix("'s").replace("'", "")
        parts = plain.split("-")
        for word in [plain.replace("-", "")] + (parts if len(parts) > 1 else []):
            word = fold(word)
            if word in _STOP or (len(word) < 2 and not word.isdigit()):
                continue
            term = _stem(word)
            if term not in _STOP:  # "needed", "working": stop words once stemmed
                found.append((term, written))
    return found


def tag_words(text: str, most: int = 8) -> tuple[str, ...]:
    """Up to `most` of the words of `text` that search counts, as written (lower case).

    For tags on a new entry: unlike stems, these read well and give the same terms
    when the entry is indexed.
    """
    tags: list[str] = []
    seen: set[str] = set()
    for term, written in words(text):
        word = written.casefold().replace("’", "'").removesuffix("'s")
        if term not in seen and word not in tags:
            tags.append(word)
        seen.add(term)
    return tuple(tags[: max(most, 0)])


@functools.lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    """Stemming is the slow part of reading text, and people reuse words: remember them."""
    return str(_stemmer.stemWord(word))


def terms(text: str) -> list[str]:
    return [term for term, _ in words(text)]


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float
    why: str  # plain English: which of the asker's words matched, and where


def _listed(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def explain(where: dict[int, list[str]], confirmations: int) -> str:
    """ "Matched your words mailbox and shared in the question, and calendar in the answer." """
    parts = [f"{_listed(found)} {_WHERE[field]}" for field, found in sorted(where.items())]
    count = sum(len(found) for found in where.values())
    places = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + ", and " + parts[-1]
    text = f"Matched your word{'s' if count > 1 else ''} {places}."
    if confirmations == 1:
        text += " 1 person said it helped."
    elif confirmations > 1:
        text += f" {confirmations} people said it helped."
    return text


@dataclass
class _Doc:
    entry: KnowledgeEntry
    lengths: tuple[int, int, int]
    counts: dict[str, tuple[int, int, int]]


class KnowledgeIndex:
    """An inverted index of the entries that are not retired, kept up to date one by one."""

    def __init__(self) -> None:
        self._docs: dict[str, _Doc] = {}
        self._postings: dict[str, dict[str, tuple[int, int, int]]] = {}
        self._total = [0, 0, 0]
        # Each entry's field weight over its length factor, worked out again after a change.
        self._scale: dict[str, tuple[float, float, float]] | None = None

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._docs

    def add(self, entry: KnowledgeEntry) -> None:
        """Add or replace an entry. A retired entry is taken out instead."""
        self.remove(entry.id)
        if entry.retired:
            return
        fields = (terms(entry.question), terms(" ".join(entry.tags)), terms(entry.answer))
        counts: dict[str, list[int]] = {}
        for number, found in enumerate(fields):
            for term in found:
                counts.setdefault(term, [0, 0, 0])[number] += 1
        frozen = {term: (c[0], c[1], c[2]) for term, c in counts.items()}
        lengths = (len(fields[0]), len(fields[1]), len(fields[2]))
        self._docs[entry.id] = _Doc(entry, lengths, frozen)
        for term, tf in frozen.items():
            self._postings.setdefault(term, {})[entry.id] = tf
        for number in range(3):
            self._total[number] += lengths[number]
        self._scale = None

    replace = add

    def remove(self, entry_id: str) -> None:
        doc = self._docs.pop(entry_id, None)
        if doc is None:
            return
        for term in doc.counts:
            posting = self._postings[term]
            del posting[entry_id]
            if not posting:
                del self._postings[term]
        for number in range(3):
            self._total[number] -= doc.lengths[number]
        self._scale = None

    def _idf(self, term: str) -> float:
        return idf(len(self._docs), len(self._postings.get(term, ())))

    def search(self, text: str, limit: int = 3) -> list[Match]:
        """The best entries for a question, best first; [] when nothing fits well enough."""
        asked: dict[str, str] = {}
        for term, written in words(text):
            asked.setdefault(term, written)
        if not asked or not self._docs or limit <= 0:
            return []
        n = len(self._docs)
        scale = self._scales()
        scores: dict[str, float] = {}
        titled: set[str] = set()  # entries with one of the words in their question or tags
        for term in asked:
            telling = self._idf(term)
            for entry_id, tf in self._postings.get(term, {}).items():
                q, t, a = scale[entry_id]
                weighted = q * tf[QUESTION] + t * tf[TAGS] + a * tf[ANSWER]
                scores[entry_id] = scores.get(entry_id, 0.0) + telling * weighted / (K1 + weighted)
                if tf[QUESTION] or tf[TAGS]:
                    titled.add(entry_id)
        least = minimum_score(n)
        ranked: list[tuple[float, str]] = []
        for entry_id, score in scores.items():
            if score < least or entry_id not in titled:
                continue
            ranked.append((-score * self._boost(self._docs[entry_id].entry), entry_id))
        ranked.sort()
        return [
            Match(entry_id, round(-score, 4), self._why(asked, self._docs[entry_id]))
            for score, entry_id in ranked[:limit]
        ]

    def _scales(self) -> dict[str, tuple[float, float, float]]:
        """BM25F: each field's weight, over its length against that field's average length."""
        if self._scale is None:
            n = len(self._docs)
            average = [max(total / n, 1e-9) for total in self._total]

            def scaled(lengths: tuple[int, int, int], f: int) -> float:
                return WEIGHTS[f] / (1 - B[f] + B[f] * lengths[f] / average[f])

            self._scale = {
                entry_id: (
                    scaled(doc.lengths, QUESTION),
                    scaled(doc.lengths, TAGS),
                    scaled(doc.lengths, ANSWER),
                )
                for entry_id, doc in self._docs.items()
            }
        return self._scale

    @staticmethod
    def _boost(entry: KnowledgeEntry) -> float:
        confirmations = max(entry.best_count, 0) + max(entry.helped_count, 0)
        return min(1 + CONFIRM_STEP * math.log1p(confirmations), CONFIRM_CAP)

    @staticmethod
    def _why(asked: dict[str, str], doc: _Doc) -> str:
        where: dict[int, list[str]] = {}
        for term, written in asked.items():
            tf = doc.counts.get(term)
            if tf is None:
                continue
            best = max(range(3), key=lambda f: (tf[f] > 0, WEIGHTS[f]))
            listed = where.setdefault(best, [])
            if written.casefold() not in listed:  # "stand-up" matches as standup and stand
                listed.append(written.casefold())
        entry = doc.entry
        return explain(where, max(entry.best_count, 0) + max(entry.helped_count, 0))


def idf(entries: int, containing: float) -> float:
    """How telling a word is: BM25's inverse document frequency (never below 0)."""
    return math.log(1 + (entries - containing + 0.5) / (containing + 0.5))


def minimum_score(entries: int) -> float:
    """The least score shown, for a knowledge base of this many entries."""
    return MIN_RELATIVE_SCORE * idf(entries, max(1.0, entries * RARE_SHARE))


def build_index(entries: Iterable[KnowledgeEntry]) -> KnowledgeIndex:
    index = KnowledgeIndex()
    for entry in entries:
        index.add(entry)
    return index


def suggest_community(text: str, communities: Sequence[Community]) -> list[tuple[Community, str]]:
    """Communities whose name, keywords or description share the question's words, best first.

    Each comes with the reason in plain English; [] when none shares a word.
    """
    asked: dict[str, str] = {}
    asked_terms = terms(text)
    for term, written in words(text):
        asked.setdefault(term, written)
    if not asked or not communities:
        return []
    fields = [
        (terms(c.name), terms(" ".join(c.keywords)), terms(c.description)) for c in communities
    ]
    n = len(communities)
    telling = {
        term: idf(n, sum(1 for f in fields if any(term in part for part in f))) for term in asked
    }
    scored: list[tuple[float, str, int, list[str]]] = []
    for number, (community, found) in enumerate(zip(communities, fields, strict=True)):
        score = 0.0
        matched: list[str] = []
        for term, written in asked.items():
            weighted = sum(
                weight * part.count(term)
                for weight, part in zip(_COMMUNITY_WEIGHTS, found, strict=True)
            )
            if weighted:
                score += telling[term] * weighted / (K1 + weighted)
                matched.append(written.casefold())
        for phrase in _phrases_in(asked_terms, community.keywords):
            # "power automate" said as a phrase tells more than "power" and "automate" alone.
            score += PHRASE_BONUS
            inside = {written.casefold() for _, written in words(phrase)}
            matched = [phrase] + [word for word in matched if word not in inside]
        if score > 0:
            scored.append((-score, community.name.casefold(), number, matched))
    scored.sort()
    return [
        (communities[number], _fits(communities[number], matched)) for *_, number, matched in scored
    ]


def _phrases_in(asked_terms: list[str], keywords: Sequence[str]) -> list[str]:
    """The community's keywords of two words or more that the question says as a phrase."""
    found = []
    for keyword in keywords:
        wanted = terms(keyword)
        if len(wanted) < 2:
            continue
        width = len(wanted)
        if any(asked_terms[i : i + width] == wanted for i in range(len(asked_terms) - width + 1)):
            found.append(keyword.casefold())
    return found


def _fits(community: Community, matched: list[str]) -> str:
    if len(matched) == 1 and " " not in matched[0]:
        return f"Your word {matched[0]} matches what {community.name} helps with."
    return f"Your words {_listed(matched)} match what {community.name} helps with."
