"""Catalogue search: finds what the council already has, says why in the person's own
words, and stays quiet when nothing fits."""

from __future__ import annotations

import dataclasses
import math
import re

import pytest

from bot.domain import catalogue_search
from bot.domain.catalogue_search import CatalogueIndex, read
from bot.domain.knowledge_search import idf, terms
from bot.domain.procurement import CatalogueEntry
from bot.journeys.procurement.sample_catalogue import SAMPLE


def entry(
    entry_id: str,
    name: str,
    capabilities: tuple[str, ...] = (),
    description: str = "",
    supplier: str = "Acme",
    platform: bool = False,
) -> CatalogueEntry:
    return CatalogueEntry(
        id=entry_id,
        name=name,
        supplier=supplier,
        owner_name="Sam Jones",
        owner_id="",
        capabilities=capabilities,
        description=description,
        platform=platform,
    )


def found(index: CatalogueIndex, text: str, limit: int = 5) -> list[str]:
    return [match.entry_id for match in index.search(text, limit)]


def base(count: int = 30) -> list[CatalogueEntry]:
    """Plain entries with fields of the same length, so a test's own entries differ
    from each other only where the test says."""
    return [
        entry(f"base-{n}", f"Service {n}", ("general admin",), "Helps teams daily.", "Acme")
        for n in range(count)
    ]


def with_base(*extra: CatalogueEntry) -> CatalogueIndex:
    return CatalogueIndex([*base(), *extra])


def with_sample(*extra: CatalogueEntry) -> CatalogueIndex:
    """The sample gives the index realistic word counts; the test's entries go on top."""
    return CatalogueIndex([*SAMPLE, *extra])


# Nothing to find


def test_an_empty_catalogue_or_question_finds_nothing() -> None:
    assert CatalogueIndex([]).search("online payments") == []
    assert len(CatalogueIndex([])) == 0
    index = with_sample()
    assert len(index) == len(SAMPLE)
    assert index.search("") == []
    assert index.search("   ") == []
    assert index.search("online payments", limit=0) == []
    assert index.search("online payments", limit=-1) == []
    assert index.search("zebra crossing xylophone") == []


@pytest.mark.parametrize(
    "text",
    [
        "we want to buy a system",
        "our contract ends soon, we need to renew the software",
        "Procurement of a new solution to replace the current product",
        "a tool from a supplier",
    ],
)
def test_words_about_any_purchase_find_nothing_on_their_own(text: str) -> None:
    # Every description says "system"; a question made only of buying words is empty.
    assert (
        with_sample(entry("s", "Some system", ("software tool",), "A system.")).search(text) == []
    )


def test_filler_words_do_not_count_towards_a_match() -> None:
    index = with_sample()
    assert found(index, "card payments")[:2] == found(index, "buy a card payments system")[:2]
    assert index.search("card payments")[0].score == index.search("card payments system")[0].score


@pytest.mark.parametrize(
    "verb",
    [
        "take",
        "taking",
        "make",
        "get",
        "use",
        "need",
        "want",
        "help",
        "have",
        "let",
        "put",
        "give",
        "see",
        "find",
        "keep",
        "like",
    ],
)
def test_a_verb_said_in_any_need_is_not_a_reason_to_match(verb: str) -> None:
    # "Its description mentions take." says nothing about the job: the verb is left out.
    index = with_base(entry("v", "Vague", ("records",), f"Staff {verb} things here."))
    assert found(index, f"we {verb} card payments") == []
    assert found(index, f"{verb} records") == ["v"]
    assert all(verb not in " ".join(m.why) for m in index.search(f"{verb} records"))


def test_the_reasons_for_a_real_need_name_no_common_verb() -> None:
    reasons = " ".join(with_sample().search("We want to take card payments online")[0].why)
    assert "take" not in reasons and "want" not in reasons
    assert "card payments" in reasons


# Ranking


def test_the_score_is_bm25f_over_the_four_fields() -> None:
    # One term, checked against the formula by hand: weights 3, 3, 1.5, 1.5; b 0.5, 0.5,
    # 0.75, 0.3; k1 1.2; lengths against each field's average over the catalogue.
    a = entry(
        "a",
        "Permit hub",
        ("permits", "appeals", "fines"),
        "Permits and more permits for parking.",
        "Permit Co",
    )
    b = entry("b", "Libraries", ("loans",), "Books and loans for the libraries.", "Civica")
    index = CatalogueIndex([a, b])
    fields_a = (
        ["permit", "hub"],
        ["permit", "appeal", "fine"],
        ["permit", "permit", "park"],
        ["permit", "co"],
    )
    fields_b = (["librari"], ["loan"], ["book", "loan", "librari"], ["civica"])
    texts_a = (a.name, " ".join(a.capabilities), a.description, a.supplier)
    assert [terms(text) for text in texts_a] == list(fields_a)
    average = [(len(x) + len(y)) / 2 for x, y in zip(fields_a, fields_b, strict=True)]
    weights, bs = (3.0, 3.0, 1.5, 1.5), (0.5, 0.5, 0.75, 0.3)
    weighted = sum(
        w * field.count("permit") / (1 - bb + bb * len(field) / avg)
        for w, bb, field, avg in zip(weights, bs, fields_a, average, strict=True)
    )
    expected = idf(2, 1) * weighted / (1.2 + weighted)
    (match,) = index.search("permit")
    assert match.entry_id == "a"
    assert match.score == pytest.approx(expected, abs=1e-4)
    assert match.score == round(match.score, 4)


def test_a_field_shorter_than_one_word_on_average_counts_as_one() -> None:
    # No entry has a supplier: the average length is taken as 1, not 0.
    a = entry("a", "Permits", ("permits",), "", "")
    b = entry("b", "Loans", ("loans",), "", "")
    weighted = 3.0 * 1 / (0.5 + 0.5 * 1 / 1) * 2  # the name and the capabilities
    expected = idf(2, 1) * weighted / (1.2 + weighted)
    assert CatalogueIndex([a, b]).search("permits")[0].score == pytest.approx(expected, abs=1e-4)


def test_a_rare_word_counts_more_than_a_common_one() -> None:
    common = [entry(f"c{n}", f"Common {n}", ("housing",)) for n in range(6)]
    rare = entry("r", "Rare", ("parking",))
    index = CatalogueIndex([*common, rare])
    assert found(index, "parking housing")[:1] == ["r"]


def test_the_name_and_capabilities_count_more_than_the_supplier_and_description() -> None:
    # Same lengths, same words: only where "franking" is differs ("post" is in all).
    places = {
        "name": entry("n", "Franking hub", ("post room",), "Sends post today.", "Acme"),
        "capabilities": entry("c", "Post hub", ("franking room",), "Sends post today.", "Acme"),
        "supplier": entry("s", "Post hub", ("post room",), "Sends post today.", "Franking"),
        "description": entry("d", "Post hub", ("post room",), "Sends franking today.", "Acme"),
    }
    for order in (list(places.values()), list(reversed(places.values()))):
        scores = {m.entry_id: m.score for m in with_base(*order).search("post franking", 10)}
        assert scores["n"] == pytest.approx(scores["c"], abs=0.2)
        assert min(scores["n"], scores["c"]) > max(scores["s"], scores["d"])


def test_a_longer_description_counts_each_word_less() -> None:
    short = entry("s", "Hub one", ("post",), "Franking machines.")
    long = entry("l", "Hub two", ("post",), "Franking machines " + "and envelopes " * 10)
    assert found(with_base(long, short), "post franking")[:2] == ["s", "l"]
    assert found(with_base(short, long), "post franking")[:2] == ["s", "l"]


def test_a_capability_said_whole_counts_more_than_its_words_apart() -> None:
    whole = entry("w", "Beta", ("case management", "letters"))
    apart = entry("a", "Alpha", ("management letters", "case"))
    index = with_base(apart, whole)
    assert found(index, "case management")[:2] == ["w", "a"]
    # Said apart, the two score the same, and the name breaks the tie.
    assert found(index, "management of a case")[:2] == ["a", "w"]
    said, apart_score = index.search("case management")[0], index.search("management case")[0]
    assert said.entry_id == "w"
    # The bonus is half of what the phrase's words are worth.
    bonus = said.score - next(m for m in index.search("management case") if m.entry_id == "w").score
    worth = sum(index._idf[term] for term in ("case", "manag"))
    assert bonus == pytest.approx(catalogue_search.PHRASE_SHARE * worth, abs=1e-3)
    assert apart_score.entry_id in {"a", "w"}


def test_a_phrase_counts_once_however_often_it_is_said() -> None:
    index = with_sample()
    once = index.search("case management")
    twice = index.search("case management case management")
    assert [m.entry_id for m in once] == [m.entry_id for m in twice]


def test_ties_are_in_order_of_name_then_id_whatever_the_catalogue_order() -> None:
    same = dict(capabilities=("franking",), description="Post.")
    b = entry("b-2", "beta", **same)  # type: ignore[arg-type]
    a = entry("a-1", "Alpha", **same)  # type: ignore[arg-type]
    b_first = entry("b-1", "Beta", **same)  # type: ignore[arg-type]
    for order in ([b, a, b_first], [b_first, b, a], [a, b_first, b]):
        assert found(with_base(*order), "franking") == ["a-1", "b-1", "b-2"]


def test_results_come_best_first_and_the_limit_holds() -> None:
    index = with_sample()
    matches = index.search("case management", limit=10)
    assert len(matches) > 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert len(index.search("case management")) == 5
    assert len(index.search("case management", limit=2)) == 2
    assert all(m.score > 0 for m in matches)


def test_the_same_catalogue_in_another_order_gives_the_same_answers() -> None:
    forward, backward = CatalogueIndex(SAMPLE), CatalogueIndex(reversed(SAMPLE))
    for text in ("case management", "online payments", "maps", "book a room", "payroll"):
        assert forward.search(text) == backward.search(text)


# Weak matches are left out


def test_a_match_only_on_a_common_description_word_is_left_out() -> None:
    common = [
        entry(f"d{n}", f"Hub {n}", ("post",), "Sends letters to residents in the morning.")
        for n in range(5)
    ]
    index = with_base(*common)
    assert found(index, "morning") == []
    # Rarer, the same word is enough, even only in the description.
    assert found(with_base(*common[:1]), "morning") == ["d0"]


def test_the_least_score_is_a_share_of_a_rare_words_worth() -> None:
    for size in (35, 2000):
        index = CatalogueIndex([entry(f"e{n}", f"E{n}", ("x",)) for n in range(size)])
        rare = idf(size, max(1.0, size / 50))
        assert index._least == pytest.approx(catalogue_search.MIN_RELATIVE_SCORE * rare)
    assert catalogue_search.MIN_RELATIVE_SCORE == 0.5
    assert catalogue_search.RARE_SHARE == 1 / 50


@pytest.mark.parametrize(("shared", "kept"), [(1, False), (2, True)])
def test_a_match_far_below_the_best_is_left_out(shared: int, kept: bool) -> None:
    # The best has all five words; the other has `shared` of them. Alone, either would be
    # shown; beside the best, one word is under a quarter of its score, two are over.
    words = ("franking", "stamps", "envelopes", "parcels", "couriers")
    best = entry("b", "Alpha", words)
    other = entry("o", "Beta", (*words[:shared], "vans", "bikes", "lorries", "carts")[:5])
    index = with_base(best, other)
    alone = index.search(" ".join(words[:shared]), 10)
    assert "o" in [m.entry_id for m in alone]
    scores = {m.entry_id: m.score for m in index.search(" ".join(words), 10)}
    assert ("o" in scores) is kept
    assert scores["b"] > scores.get("o", 0)
    assert catalogue_search.MIN_SHARE_OF_BEST == 0.25


# Words


def test_short_forms_mean_what_they_stand_for() -> None:
    index = with_sample()
    assert found(index, "CRM")[:1] == ["dynamics-365"]
    assert found(index, "FOI requests")[:1] == ["respond-complaints"]
    assert found(index, "GIS")[:1] == ["arcgis"]
    assert found(index, "helpdesk")[:1] == ["servicenow"]
    assert found(index, "HR")[:1] == ["itrent"]
    assert [t for t, _ in read("CRM")] == ["crm", "custom", "relationship", "manag"]
    assert {w for _, w in read("CRM")} == {"CRM"}


def test_a_short_form_in_the_catalogue_meets_the_long_form_in_a_question() -> None:
    index = with_sample(entry("x", "Dynamo", ("CRM",), "Our CRM."))
    assert "x" in found(index, "customer relationship management")


def test_plural_quizzes_meet_quiz() -> None:
    index = CatalogueIndex([entry("q", "Quizmaster", ("quizzes",)), entry("o", "Other", ("x",))])
    assert found(index, "a quiz") == ["q"]


def test_us_spelling_and_word_endings_meet() -> None:
    index = with_sample(entry("c", "Cataloguer", ("organising catalogues",)))
    assert found(index, "organize a catalog")[:1] == ["c"]


# Why


def test_why_names_a_capability_said_whole() -> None:
    match = with_sample().search("we want to take card payments online")[0]
    assert match.entry_id == "civica-pay"
    assert match.why[0] == "Its capabilities include online payments and card payments."
    assert match.name == "Civica Pay"
    assert match.platform is False


def test_why_lists_other_capability_words_with_the_phrases() -> None:
    match = with_sample().search("FOI requests and complaints")[0]
    assert match.entry_id == "respond-complaints"
    assert match.why == ("Its capabilities include FOI requests and complaints.",)


def test_why_mentions_capability_words_when_no_capability_is_said_whole() -> None:
    index = CatalogueIndex([entry("x", "Hub", ("franking machines",)), entry("o", "O", ("y",))])
    assert index.search("franking")[0].why == ("Its capabilities mention franking.",)


def test_why_names_words_in_the_name_the_description_and_the_supplier() -> None:
    x = entry("x", "Franking Hub", ("stamps",), "Sends parcels.", supplier="Royal Post Ltd")
    index = CatalogueIndex([x, entry("o", "O", ("y",))])
    assert index.search("Franking hub")[0].why == ("Its name has the words franking and hub.",)
    assert index.search("stamps parcels")[0].why == (
        "Its capabilities include stamps.",
        "Its description mentions parcels.",
    )
    assert index.search("Royal")[0].why == ("Its supplier is Royal Post Ltd.",)
    assert index.search("franking stamps royal parcels")[0].why == (
        "Its capabilities include stamps.",
        "Its name has the word franking.",
        "Its supplier is Royal Post Ltd.",
    )


def test_a_word_is_explained_once_in_its_strongest_place() -> None:
    x = entry("x", "Franking", ("franking",), "Franking for post.", supplier="Franking Ltd")
    index = CatalogueIndex([x, entry("o", "O", ("y",))])
    assert index.search("franking")[0].why == ("Its capabilities include franking.",)
    y = entry("y", "Franking", ("stamps",), "Franking for post.", supplier="Franking Ltd")
    index = CatalogueIndex([y, entry("o", "O", ("z",))])
    assert index.search("franking")[0].why == ("Its name has the word franking.",)
    z = entry("z", "Stamps", ("stamps",), "Franking for post.", supplier="Franking Ltd")
    index = CatalogueIndex([z, entry("o", "O", ("z",))])
    assert index.search("franking")[0].why == ("Its supplier is Franking Ltd.",)


def test_why_says_a_platform_is_already_owned_and_has_at_most_three_sentences() -> None:
    x = entry("x", "Franking", ("stamps",), "Sends parcels.", supplier="Royal Post", platform=True)
    index = CatalogueIndex([x, entry("o", "O", ("y",))])
    match = index.search("franking stamps parcels royal")[0]
    assert match.platform is True
    assert match.why == (
        "Its capabilities include stamps.",
        "Its name has the word franking.",
        "It is a platform the council already owns.",
    )
    assert index.search("stamps")[0].why == (
        "Its capabilities include stamps.",
        "It is a platform the council already owns.",
    )


def test_why_shows_the_words_as_the_person_wrote_them() -> None:
    index = CatalogueIndex([entry("x", "Hub", ("organising events",), "Organised.")])
    assert index.search("Organizing")[0].why == ("Its capabilities mention organizing.",)
    index = with_sample()
    assert index.search("crm")[0].why[0] == "Its capabilities include crm."


def test_why_names_at_most_four_words_in_one_sentence() -> None:
    x = entry("x", "Hub", ("a1",), "Alpha bravo charlie delta echo foxtrot.")
    index = CatalogueIndex([x, entry("o", "O", ("y",))])
    why = index.search("alpha bravo charlie delta echo foxtrot")[0].why
    assert why == ("Its description mentions alpha, bravo, charlie and delta.",)


def test_a_capability_said_two_ways_is_named_once() -> None:
    x = entry("x", "Hub", ("online payments", "payments online"))
    index = CatalogueIndex([x, entry("o", "O", ("y",))])
    assert index.search("online payments")[0].why == ("Its capabilities include online payments.",)


def test_a_short_form_matching_in_part_is_shown_as_written() -> None:
    x = entry("x", "Hub", ("resources planning",))
    index = CatalogueIndex([x, entry("o", "O", ("y",))])
    assert index.search("HR")[0].why == ("Its capabilities mention HR.",)


def test_a_capability_inside_another_named_one_is_not_named_again() -> None:
    x = entry("x", "Hub", ("card payments", "online card payments", "payments"))
    index = CatalogueIndex([x, entry("o", "O", ("y",))])
    assert index.search("online card payments")[0].why == (
        "Its capabilities include online card payments.",
    )


def test_every_why_uses_only_the_persons_words() -> None:
    index = with_sample()
    for text in ("book a meeting room", "store documents", "maps of roads", "pay by card"):
        asked = {term for term, _ in read(text)}
        for match in index.search(text):
            assert 1 <= len(match.why) <= 3
            for sentence in match.why:
                assert sentence.endswith(".")
                said = re.sub(
                    r"^It(s| is)[^:]*?(include|mention|mentions|has the words?) ", "", sentence
                )
                if sentence.startswith(("It is a platform", "Its supplier is")):
                    continue
                words = {t for t, _ in read(said)}
                assert words <= asked | {"and"}, (text, sentence)


def test_scores_are_finite_and_rounded() -> None:
    for match in with_sample().search("case management for complaints", 10):
        assert math.isfinite(match.score)
        assert match.score == round(match.score, 4)


def test_matches_are_plain_data_the_journey_can_keep() -> None:
    match = with_sample().search("payroll")[0]
    assert dataclasses.asdict(match)["entry_id"] == "itrent"
    assert match.why
