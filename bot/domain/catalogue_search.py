"""Does the council already have something that does this? Searching the application
catalogue, explained.

Classic text search, no language model, the same reading of words as the knowledge
search (`knowledge_search.words`: British spelling, stop words dropped, Snowball
stemming). Each entry has four fields with their own weights: its capabilities and
its name count most, then its description, then its supplier. Scores are BM25F (term
frequencies weighted by field and normalised by field length before saturation).

Two additions for this job:
- A capability said whole ("case management", "online payments") adds a bonus, as
  it tells more than its words one by one.
- Words everyone uses when buying ("system", "software", "buy", "contract") and verbs
  said in almost any need ("take", "get", "use", "help") are left out of the question:
  they say nothing about what the system should do.

A weak match is noise: an entry is shown only if it scores at least a share of what a
fairly rare word is worth, and at least a share of the best entry's score. Each match
says why in short sentences naming the person's own words and where they matched.

The index is built once from the whole catalogue (a few thousand entries at most) and
built again only when the catalogue changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.knowledge_search import idf, words
from bot.domain.procurement import CatalogueEntry, CatalogueMatch

# Fields, their weights and length normalisation (b); K1 is the usual saturation.
NAME, CAPABILITIES, DESCRIPTION, SUPPLIER = 0, 1, 2, 3
WEIGHTS = (3.0, 3.0, 1.5, 1.5)
B = (0.5, 0.5, 0.75, 0.3)
K1 = 1.2
# A capability of two words or more said whole adds this share of its words' worth.
PHRASE_SHARE = 0.5
# Shown only when scoring at least this share of a fairly rare word's worth (one in
# one entry in fifty, or in one entry in a small catalogue) ...
MIN_RELATIVE_SCORE = 0.5
RARE_SHARE = 1 / 50
# ... and at least this share of the best entry's score.
MIN_SHARE_OF_BEST = 0.25
# A question is read up to this length (a need is a few sentences; a book is not).
MOST_QUESTION_CHARS = 2_000
# At most this many sentences of why, and words named in one sentence.
MOST_REASONS = 3
MOST_WORDS = 4
# Where a word is said to match, strongest first, when it is in more than one field.
PLACES = (CAPABILITIES, NAME, SUPPLIER, DESCRIPTION)

# Words people use about any purchase, left out of the question: they would match
# every description that says "system".
_FILLER = frozenset(
    """buy buying bought purchase purchasing procure procuring procurement system systems
    software tool tools solution solutions product products package packages supplier
    suppliers contract contracts renew renewal renewing end ends ending council
    replace replacing replacement current currently existing""".split()  # noqa: SIM905
)
# Verbs said in almost any need ("we want to take payments", "help us get…"): a system
# whose description says "take" or "get" is no closer to the job for it.
_COMMON_VERBS = frozenset(
    """take takes taking took make makes making made get gets getting got use uses using
    used need needs needing needed want wants wanting wanted help helps helping helped
    have has having had let lets letting put puts putting give gives giving gave given
    see sees seeing saw seen find finds finding found keep keeps keeping kept like
    likes liked do does doing did done go goes going went come comes coming came
    able allow allows""".split()  # noqa: SIM905
)
_FILLER_TERMS = frozenset(term for term, _ in words(" ".join(sorted(_FILLER | _COMMON_VERBS))))
# Short forms people use at work, read as the words they stand for too (in the
# catalogue and in questions alike), so "CRM" meets "customer relationship management".
_SHORT_FORMS = {
    "asb": "anti-social behaviour",
    "bi": "business intelligence",
    "cms": "content management",
    "crm": "customer relationship management",
    "edms": "electronic document management",
    "edrms": "electronic document management",
    "ehcp": "education health and care plan",
    "foi": "freedom of information",
    "gis": "geographic information",
    "helpdesk": "service desk",
    "hr": "human resources",
    "itsm": "IT service management",
    "kpi": "performance",
    "kpis": "performance",
    "lms": "learning management",
    "nndr": "business rates",
    "pcn": "penalty charge notice",
    "pcns": "penalty charge notices",
    "rpa": "robotic process automation",
    "sar": "subject access request",
    "sen": "special educational needs",
    "sms": "text messages",
}
# Where the stemmer leaves two forms of one word apart.
_SAME_TERM = {"quizz": "quiz"}


def read(text: str) -> list[tuple[str, str]]:
    """(term, the word as written) for each word that counts, with the words a short
    form stands for after it (written as the short form)."""
    found: list[tuple[str, str]] = []
    for term, word in words(text):
        found.append((_SAME_TERM.get(term, term), word))
        meaning = _SHORT_FORMS.get(word.casefold())
        if meaning:
            found.extend((more, word) for more, _ in words(meaning))
    return found


@dataclass(frozen=True)
class _Capability:
    phrase: str  # as the catalogue writes it
    terms: frozenset[str]  # its terms that a question can say (filler left out)
    ordered: tuple[str, ...]


@dataclass(frozen=True)
class _Doc:
    entry: CatalogueEntry
    counts: dict[str, tuple[int, int, int, int]]
    # Each field's weight over its length factor (BM25F), worked out at build.
    scale: tuple[float, float, float, float]
    capabilities: tuple[_Capability, ...]
    sort_key: tuple[str, str]


def _terms(text: str, seen: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Remembered while building: catalogues say the same capabilities and suppliers
    again and again."""
    found = seen.get(text)
    if found is None:
        found = seen[text] = tuple(term for term, _ in read(text))
    return found


def _asked(text: str) -> tuple[list[str], dict[str, str]]:
    """The question's terms in order (filler words left out), and each term's first
    written form."""
    ordered: list[str] = []
    written: dict[str, str] = {}
    for term, word in read(text):
        if term in _FILLER_TERMS:
            continue
        ordered.append(term)
        written.setdefault(term, word)
    return ordered, written


class CatalogueIndex:
    """The catalogue, ready to search. Build it again when the catalogue changes."""

    def __init__(self, entries: Iterable[CatalogueEntry]) -> None:
        built: list[tuple[CatalogueEntry, dict[str, list[int]], list[int], list[_Capability]]]
        built = []
        totals = [0, 0, 0, 0]
        # Capabilities of two terms or more, by their first term, for the phrase bonus.
        # {first term: {the capability's terms: the entries that have it}}
        self._phrases: dict[str, dict[tuple[str, ...], list[int]]] = {}
        seen: dict[str, tuple[str, ...]] = {}
        for number, entry in enumerate(entries):
            capability_terms: list[str] = []
            capabilities: list[_Capability] = []
            for capability in entry.capabilities:
                found = _terms(capability, seen)
                capability_terms.extend(found)
                sayable = tuple(term for term in found if term not in _FILLER_TERMS)
                if sayable:
                    capabilities.append(_Capability(capability, frozenset(sayable), sayable))
                if len(sayable) >= 2:
                    having = self._phrases.setdefault(sayable[0], {}).setdefault(sayable, [])
                    if not having or having[-1] != number:  # the same capability twice
                        having.append(number)
            fields = (
                _terms(entry.name, seen),
                capability_terms,
                _terms(entry.description, seen),
                _terms(entry.supplier, seen),
            )
            counts: dict[str, list[int]] = {}
            for field, field_terms in enumerate(fields):
                for term in field_terms:
                    counts.setdefault(term, [0, 0, 0, 0])[field] += 1
            lengths = [len(field_terms) for field_terms in fields]
            for field in range(4):
                totals[field] += lengths[field]
            built.append((entry, counts, lengths, capabilities))
        n = len(built)
        average = [max(total / n, 1.0) for total in totals] if n else []
        self._docs: list[_Doc] = []
        self._postings: dict[str, list[tuple[int, tuple[int, int, int, int]]]] = {}
        for number, (entry, counts, lengths, capabilities) in enumerate(built):
            frozen = {term: (c[0], c[1], c[2], c[3]) for term, c in counts.items()}
            scale = [WEIGHTS[f] / (1 - B[f] + B[f] * lengths[f] / average[f]) for f in range(4)]
            self._docs.append(
                _Doc(
                    entry,
                    frozen,
                    (scale[0], scale[1], scale[2], scale[3]),
                    tuple(capabilities),
                    (entry.name.casefold(), entry.id),
                )
            )
            for term, tf in frozen.items():
                self._postings.setdefault(term, []).append((number, tf))
        self._idf = {term: idf(n, len(posting)) for term, posting in self._postings.items()}
        self._least = MIN_RELATIVE_SCORE * idf(n, max(1.0, n * RARE_SHARE))

    def __len__(self) -> int:
        return len(self._docs)

    def search(self, text: str, limit: int = 5) -> list[CatalogueMatch]:
        """The entries most likely to do what `text` asks, best first; [] when none fits
        well enough."""
        ordered, written = _asked(text[:MOST_QUESTION_CHARS])
        scores: dict[int, float] = {}
        for term in written:
            telling = self._idf.get(term)
            if telling is None:
                continue
            for number, tf in self._postings[term]:
                s = self._docs[number].scale
                weighted = s[0] * tf[0] + s[1] * tf[1] + s[2] * tf[2] + s[3] * tf[3]
                scores[number] = scores.get(number, 0.0) + telling * weighted / (K1 + weighted)
        for found, having in self._phrases_said(ordered):
            # "case management" said whole tells more than "case" and "management" apart.
            bonus = PHRASE_SHARE * sum(self._idf[term] for term in set(found))
            for number in having:
                scores[number] += bonus
        if not scores:
            return []
        least = max(self._least, MIN_SHARE_OF_BEST * max(scores.values()))
        ranked = sorted(
            (-score, self._docs[number].sort_key, number)
            for number, score in scores.items()
            if score >= least
        )
        return [
            self._match(number, -score, written) for score, _, number in ranked[: max(limit, 0)]
        ]

    def _phrases_said(self, ordered: Sequence[str]) -> list[tuple[tuple[str, ...], list[int]]]:
        """Each capability of two terms or more that the question says whole, in order,
        once however often it is said, with the entries that have it."""
        said: dict[tuple[str, ...], list[int]] = {}
        for start, term in enumerate(ordered):
            for found, having in self._phrases.get(term, {}).items():
                if found not in said and tuple(ordered[start : start + len(found)]) == found:
                    said[found] = having
        return list(said.items())

    def _match(self, number: int, score: float, written: dict[str, str]) -> CatalogueMatch:
        doc = self._docs[number]
        return CatalogueMatch(
            entry_id=doc.entry.id,
            name=doc.entry.name,
            score=round(score, 4),
            why=_why(doc, written),
            platform=doc.entry.platform,
        )


def _listed(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _in_their_words(capability: _Capability, written: dict[str, str]) -> str:
    """A capability the question covers, as the catalogue writes it when the person
    used its words, else in the person's words ("FOI requests")."""
    said = [written[term] for term in capability.ordered]
    if all(written[term].casefold() not in _SHORT_FORMS for term in capability.ordered):
        return capability.phrase
    shown: list[str] = []
    for word in said:
        if not shown or shown[-1] != word:
            shown.append(word)
    return " ".join(shown)


def _why(doc: _Doc, written: dict[str, str]) -> tuple[str, ...]:
    """One to three short sentences: the person's words, and where in the entry they are."""
    asked = set(written)
    covered = [c for c in doc.capabilities if c.terms <= asked]
    # The longest first; a capability inside one already named adds nothing.
    covered.sort(key=lambda c: -len(c.terms))
    named: list[_Capability] = []
    for capability in covered:
        if not any(capability.terms <= other.terms for other in named):
            named.append(capability)
    explained: set[str] = set().union(*(c.terms for c in named))
    where: dict[int, list[str]] = {}
    for term, word in written.items():
        tf = doc.counts.get(term)
        if tf is None or term in explained:
            continue
        field = next(f for f in PLACES if tf[f])
        listed = where.setdefault(field, [])
        shown = word.casefold() if word.casefold() not in _SHORT_FORMS else word
        if shown not in listed:
            listed.append(shown)
    sentences: list[tuple[int, str]] = []
    if named:
        phrases = [_in_their_words(c, written) for c in named] + where.get(CAPABILITIES, [])
        said = _listed(phrases[:MOST_WORDS])
        sentences.append((CAPABILITIES, f"Its capabilities include {said}."))
    elif CAPABILITIES in where:
        said = _listed(where[CAPABILITIES][:MOST_WORDS])
        sentences.append((CAPABILITIES, f"Its capabilities mention {said}."))
    if NAME in where:
        found = where[NAME][:MOST_WORDS]
        plural = "s" if len(found) > 1 else ""
        sentences.append((NAME, f"Its name has the word{plural} {_listed(found)}."))
    if DESCRIPTION in where:
        said = _listed(where[DESCRIPTION][:MOST_WORDS])
        sentences.append((DESCRIPTION, f"Its description mentions {said}."))
    if SUPPLIER in where:
        sentences.append((SUPPLIER, f"Its supplier is {doc.entry.supplier}."))
    sentences.sort(key=lambda item: PLACES.index(item[0]))
    reasons = [sentence for _, sentence in sentences]
    if doc.entry.platform:
        reasons = [*reasons[: MOST_REASONS - 1], "It is a platform the council already owns."]
    return tuple(reasons[:MOST_REASONS])
