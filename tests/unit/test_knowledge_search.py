"""Answer search: finds the answer already given, says why, and stays quiet when nothing fits."""

import dataclasses
import datetime as dt
import math

import pytest

from bot.domain.communities import Community, KnowledgeEntry
from bot.domain.knowledge_search import (
    KnowledgeIndex,
    build_index,
    fold,
    idf,
    minimum_score,
    suggest_community,
    tag_words,
    terms,
)
from bot.journeys.communities.seed import seed_communities, seed_entries
from tests.unit.search_questions import QUESTIONS, UNRELATED

TODAY = dt.date(2026, 11, 25)
SEEDS = seed_entries(TODAY)
AT = dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)


def entry(
    entry_id: str, question: str, answer: str = "", tags: tuple[str, ...] = ()
) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=entry_id,
        question=question,
        answer=answer,
        community_id="m365-teams",
        tags=tags,
        answered_by="Digital champions",
        added_at=AT,
        review_on=TODAY,
    )


def seeded(*extra: KnowledgeEntry) -> KnowledgeIndex:
    """The seeds give the index realistic word counts; the test's own entries go on top."""
    return build_index([*SEEDS, *extra])


def found(index: KnowledgeIndex, text: str) -> list[str]:
    return [match.entry_id for match in index.search(text)]


def test_the_question_set_finds_the_expected_answer() -> None:
    index = seeded()
    assert len(QUESTIONS) >= 30
    assert {want for _, want in QUESTIONS} <= {e.id for e in SEEDS}
    top1 = sum(found(index, text)[:1] == [want] for text, want in QUESTIONS)
    top3 = sum(want in found(index, text)[:3] for text, want in QUESTIONS)
    assert top1 / len(QUESTIONS) >= 0.8
    assert top3 / len(QUESTIONS) >= 0.95


@pytest.mark.parametrize("text", UNRELATED)
def test_unrelated_questions_find_nothing(text: str) -> None:
    assert seeded().search(text) == []


def test_empty_or_stop_words_only_find_nothing() -> None:
    index = seeded()
    assert index.search("") == []
    assert index.search("how do I do it?") == []
    assert KnowledgeIndex().search("shared mailbox") == []


def test_the_question_field_counts_more_than_the_answer() -> None:
    # Same lengths, same words: only where "franking" is differs.
    in_question = entry("q", "Where do I send post by franking?", "Go to reception.")
    in_answer = entry("a", "Where do I send post today?", "Franking, at reception.")
    assert found(seeded(in_answer, in_question), "send post franking")[:2] == ["q", "a"]
    assert found(seeded(in_question, in_answer), "send post franking")[:2] == ["q", "a"]


def test_tags_count_more_than_the_answer() -> None:
    tagged = entry("t", "Where do I send post?", "Go to reception.", ("franking",))
    in_answer = entry("a", "Where do I send post?", "Franking, at reception.", ("today",))
    assert found(seeded(in_answer, tagged), "send post franking")[:2] == ["t", "a"]


def test_words_only_in_the_answer_are_not_enough() -> None:
    in_answer = entry("a", "Where do I send post?", "Use the franking machine at reception.")
    assert found(seeded(in_answer), "franking machine") == []
    assert found(seeded(in_answer), "send franking machine") == ["a"]


def test_stemming_meets_different_endings() -> None:
    assert terms("organising") == terms("organised") == terms("organise")
    index = seeded(entry("o", "Who organised the away day?", "The events team."))
    assert found(index, "organising an away day")[:1] == ["o"]


def test_us_spellings_fold_to_british() -> None:
    assert fold("organize") == "organise"
    assert fold("Organizing") == "organising"
    assert fold("analyzed") == "analysed"
    assert fold("color") == "colour"
    assert fold("center") == "centre"
    assert fold("license") == "licence"
    assert fold("size") == "size"  # British English writes size too
    assert fold("program") == "program"  # software, in British English too
    assert terms("color center license") == terms("colour centre licence")
    index = seeded(entry("v", "How do I analyse visitor numbers at the contact centre?"))
    assert found(index, "analyze visitor numbers at the contact center")[:1] == ["v"]


def test_email_written_with_a_hyphen_is_the_same_word() -> None:
    assert terms("e-mail") == terms("E-Mail") == terms("email")


def test_short_words_digits_and_contractions() -> None:
    assert terms("HR BI") == ["hr", "bi"]  # two letters are enough
    assert terms("x 5") == ["5"]  # one letter is not, one digit is
    assert terms("don't don’t can't") == []
    assert terms("log-in-page")[-1] == "page"


def test_every_stop_word_is_dropped() -> None:
    from bot.domain.knowledge_search import _STOP

    assert terms(" ".join(sorted(_STOP))) == []


def test_a_retired_entry_is_never_returned() -> None:
    retired = dataclasses.replace(SEEDS[0], retired=True)
    index = build_index([retired, *SEEDS[1:]])
    assert SEEDS[0].id not in index
    assert SEEDS[0].id not in found(index, SEEDS[0].question)
    index = seeded()
    assert found(index, SEEDS[0].question)[:1] == [SEEDS[0].id]
    index.replace(retired)
    assert SEEDS[0].id not in found(index, SEEDS[0].question)
    assert len(index) == len(SEEDS) - 1


def test_confirmations_raise_a_tied_entry() -> None:
    first = entry("first", "How do I book the council chamber?", "Ask democratic services.")
    second = dataclasses.replace(first, id="second", helped_count=3)
    assert found(seeded(first, second), "book the council chamber")[:2] == ["second", "first"]
    best = dataclasses.replace(first, id="second", best_count=1)
    assert found(seeded(first, best), "book the council chamber")[:2] == ["second", "first"]
    none = dataclasses.replace(first, id="second")
    assert found(seeded(first, none), "book the council chamber")[:2] == ["first", "second"]


def test_more_confirmations_count_more_but_only_so_far() -> None:
    base = entry("a", "How do I book the council chamber?", "Ask democratic services.")
    one = dataclasses.replace(base, id="one", helped_count=1)
    many = dataclasses.replace(base, id="many", helped_count=20)
    assert found(seeded(one, many), "book the council chamber")[:2] == ["many", "one"]
    # A thousand confirmations cannot lift a poor match over a good one.
    good = entry("good", "How do I book the council chamber for a meeting?", "Ask.")
    poor = entry("poor", "Where is the canteen?", "Next to the council chamber.", ())
    poor = dataclasses.replace(poor, helped_count=1000)
    assert found(seeded(poor, good), "book the council chamber")[:1] == ["good"]


def test_scores_come_best_first_and_the_limit_holds() -> None:
    matches = seeded().search("teams meeting", limit=5)
    assert 1 < len(matches) <= 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert len(seeded().search("teams meeting", limit=1)) == 1
    assert seeded().search("teams meeting", limit=0) == []


def test_why_names_the_askers_words_and_where_they_matched() -> None:
    mailbox = dataclasses.replace(
        entry("m", "Who looks after the shared mailbox?", "Check the calendar rota.", ("rota",)),
        helped_count=2,
        best_count=1,
    )
    match = seeded(mailbox).search("shared Mailbox calendar rota")[0]
    assert match.entry_id == "m"
    assert match.why == (
        "Matched your words shared and mailbox in the question, rota in the tags, "
        "and calendar in the answer. 3 people said it helped."
    )


def test_why_for_one_word_and_one_confirmation() -> None:
    chamber = dataclasses.replace(entry("c", "Booking the chamber"), helped_count=1)
    why = seeded(chamber).search("chamber")[0].why
    assert why == "Matched your word chamber in the question. 1 person said it helped."


def test_why_shows_the_word_as_the_asker_wrote_it() -> None:
    index = seeded(entry("o", "Who organised the away day?"))
    assert "organizing" in index.search("organizing an away day")[0].why


def test_adding_and_removing_one_by_one_equals_building_afresh() -> None:
    index = KnowledgeIndex()
    for e in SEEDS:
        index.add(e)
    extra = entry("x", "How do I claim mileage?", "Use the expenses form.", ("mileage",))
    index.add(extra)
    index.add(dataclasses.replace(SEEDS[3], question="Changed question about mileage"))
    index.remove(SEEDS[5].id)
    index.remove("not-there")
    fresh = build_index(
        [extra, dataclasses.replace(SEEDS[3], question="Changed question about mileage")]
        + [e for i, e in enumerate(SEEDS) if i not in (3, 5)]
    )
    for text in ("mileage claims", "shared mailbox", "power bi report"):
        assert index.search(text, 5) == fresh.search(text, 5)
    assert len(index) == len(fresh) == len(SEEDS)


def test_removing_every_entry_leaves_an_empty_index() -> None:
    index = seeded()
    for e in SEEDS:
        index.remove(e.id)
    assert len(index) == 0
    assert index.search("shared mailbox") == []


def test_suggest_community_ranks_by_keywords_and_says_why() -> None:
    communities = seed_communities()
    suggested = suggest_community("I think I clicked a phishing link", communities)
    assert suggested[0][0].id == "cyber-security"
    assert suggested[0][1] == "Your word phishing matches what Cyber security awareness helps with."
    both = suggest_community("my power automate flow keeps failing", communities)
    assert both[0][0].id == "power-platform"
    assert "automate and flow" in both[0][1] and " match what " in both[0][1]


def test_suggest_community_returns_nothing_when_nothing_matches() -> None:
    assert suggest_community("what time does the canteen open", seed_communities()) == []
    assert suggest_community("", seed_communities()) == []
    assert suggest_community("phishing", []) == []


def test_hyphenated_words_meet_joined_and_separate_spellings() -> None:
    assert set(terms("standup")) <= set(terms("stand-up"))
    assert set(terms("stand up")) <= set(terms("stand-up"))
    match = seeded().search("stand-up")[0]
    assert match.entry_id == "kb-standup"
    assert match.why == "Matched your word stand-up in the question."


def test_curly_apostrophes_and_possessives() -> None:
    assert terms("team’s") == terms("team's") == terms("team")
    assert terms("what’s it’s") == []


def test_stop_words_stay_stopped_once_stemmed() -> None:
    assert terms("needed working others") == []


def test_tag_words_read_well_and_index_to_the_same_terms() -> None:
    text = "Who organised the team’s stand-up? Organising stand-ups needs a room."
    tags = tag_words(text)
    assert tags == ("organised", "team", "stand-up", "room")
    assert set(terms(" ".join(tags))) <= set(terms(text))
    assert tag_words(text, most=2) == ("organised", "team")
    assert tag_words("how do I?") == ()
    assert tag_words(text, most=0) == ()


def test_the_score_is_bm25f() -> None:
    # Two entries; "alpha" and "beta" only in the first one's question (2 words; the
    # average question is 1.5 words). Each word: idf log(1 + 1.5 / 1.5) = log 2; its
    # weighted frequency 3 / (1 - 0.75 + 0.75 * 2 / 1.5) = 2.4, saturated 2.4 / 3.6.
    index = build_index([entry("one", "alpha beta"), entry("two", "gamma")])
    [match] = index.search("alpha beta")
    assert match.entry_id == "one"
    assert match.score == round(2 * math.log(2) * 2.4 / 3.6, 4)
    assert idf(2, 1) == math.log(2)
    assert idf(10, 0) == math.log(1 + 10.5 / 0.5)


def test_the_least_score_shown_moves_little_with_the_size_of_the_base() -> None:
    assert minimum_score(2) == 0.7 * math.log(2)  # a word in one entry of two
    assert minimum_score(42) == 0.7 * math.log(1 + 41.5 / 1.5)
    assert minimum_score(5000) == 0.7 * math.log(1 + 4900.5 / 100.5)  # in 1 entry in 50
    # One word of a two-word base scores below the bar; both words clear it.
    index = build_index([entry("one", "alpha beta"), entry("two", "gamma")])
    assert index.search("alpha") == []


def test_a_word_used_more_often_counts_more() -> None:
    twice = entry("twice", "Where do I send post?", "Franking: franking at reception.")
    once = entry("once", "Where do I send post?", "Franking: go to reception.")
    assert found(seeded(once, twice), "send post franking")[:2] == ["twice", "once"]


def test_why_lists_three_words_and_counts_two_confirmations() -> None:
    desk = dataclasses.replace(entry("d", "Booking a hot desk on the fourth floor"), helped_count=2)
    why = seeded(desk).search("book hot desk floor")[0].why
    assert why == (
        "Matched your words book, hot, desk and floor in the question. 2 people said it helped."
    )
    two = seeded(entry("d", "Booking a hot desk")).search("book hot")[0].why
    assert two == "Matched your words book and hot in the question."


def test_an_answer_nobody_confirmed_says_nothing_about_helping() -> None:
    why = seeded(entry("c", "Booking the chamber")).search("chamber")[0].why
    assert why == "Matched your word chamber in the question."


def test_a_best_answer_and_a_helped_too_count_the_same() -> None:
    base = entry("a", "How do I book the council chamber?", "Ask democratic services.")
    best = dataclasses.replace(base, id="best", best_count=1)
    helped = dataclasses.replace(base, id="helped", helped_count=1)
    [first, second] = seeded(best, helped).search("book the council chamber", limit=2)
    assert (first.entry_id, second.entry_id) == ("best", "helped")
    assert first.score == second.score


def community(cid: str, name: str, description: str, keywords: tuple[str, ...]) -> Community:
    return Community(cid, name, description, keywords)


def test_suggest_community_weighs_name_and_keywords_over_the_description() -> None:
    by_keyword = community("k", "Zeta", "Helps with things.", ("rota",))
    by_name = community("n", "Rota team", "Helps with things.", ())
    by_words = community("d", "Alpha", "Helps with the rota.", ())
    other = community("o", "Other", "Helps with parking.", ("parking",))
    suggested = suggest_community("who changes the rota", [by_words, other, by_keyword, by_name])
    assert [c.id for c, _ in suggested] == ["n", "k", "d"]


def test_suggest_community_ties_go_by_name_and_more_words_win() -> None:
    b = community("b", "Bravo", "", ("rota", "shifts"))
    a = community("a", "alpha", "", ("rota", "shifts"))
    c = community("c", "Aardvark", "", ("shifts",))
    suggested = suggest_community("rota shifts", [c, b, a])
    assert [x.id for x, _ in suggested] == ["a", "b", "c"]
    assert suggested[0][1] == "Your words rota and shifts match what alpha helps with."
    assert suggested[2][1] == "Your word shifts matches what Aardvark helps with."


def test_suggest_community_counts_rarer_words_more() -> None:
    common = community("c", "Common", "", ("rota", "staff"))
    rare = community("r", "Rare", "", ("payslip",))
    also = community("a", "Also", "", ("rota", "staff"))
    suggested = suggest_community("staff rota payslip", [common, rare, also])
    # One word only Rare has outweighs two words that two communities share.
    assert [c.id for c, _ in suggested] == ["r", "a", "c"]


def test_a_keyword_phrase_said_as_a_phrase_outweighs_loose_single_words() -> None:
    """'power automate' beats 'emailing', 'team' and 'form', three words that each match
    Microsoft 365 and Teams loosely."""
    asked = (
        "How do I stop a Power Automate flow emailing the whole team every time a form is "
        "submitted?"
    )
    (best, why), (second, _) = suggest_community(asked, seed_communities())[:2]
    assert (best.id, second.id) == ("power-platform", "m365-teams")
    assert why == "Your words power automate and flow match what Power Platform helps with."
    # The same words apart are not the phrase: no bonus, and the reason lists them singly.
    (_, apart), *_ = [
        (c, w)
        for c, w in suggest_community("automate the power cut rota", seed_communities())
        if c.id == "power-platform"
    ]
    assert "power automate" not in apart


def test_a_phrase_is_found_wherever_it_comes_in_the_keywords_and_the_question() -> None:
    """'power apps' comes after single-word keywords in the list; the phrase ends the question."""
    (best, why), *_ = suggest_community("I want to build a form in power apps", seed_communities())
    assert best.id == "power-platform"
    assert why.startswith("Your words power apps")


def test_two_different_words_count_for_more_than_one_word_said_many_times() -> None:
    """Each word's weight levels off (BM25 saturation): a community matching two of the
    question's words beats one whose name, keywords and description repeat a single word."""
    printers = Community("printers", "Printer", "Printer printer printer printer.", ("printer",))
    scanners = Community("scanners", "Scanning", "Help with documents.", ("toner", "scanner"))
    ranked = suggest_community("printer toner scanner", [printers, scanners])
    assert [c.id for c, _ in ranked] == ["scanners", "printers"]
