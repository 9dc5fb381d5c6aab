"""A Teams message's HTML as the plain text a request keeps."""

from __future__ import annotations

from bot.journeys.intake.message_text import (
    cut_at_word,
    html_to_text,
    message_link,
    prefill,
    title_from,
)


def test_paragraphs_and_breaks_become_lines() -> None:
    assert html_to_text("<p>One</p>\n  <p>Two<br/>Three</p><div>Four</div>") == (
        "One\nTwo\nThree\nFour"
    )


def test_empty_paragraphs_leave_at_most_one_blank_line() -> None:
    assert html_to_text("<p>One</p><p>&nbsp;</p><p></p><br><br><br><p>Two</p>") == "One\n\nTwo"


def test_lists_keep_their_numbers_bullets_and_nesting() -> None:
    html = "<ol><li>First<ul><li>inner</li></ul></li><li>Second</li></ol>"
    assert html_to_text(html) == "1. First\n  - inner\n2. Second"


def test_a_mention_is_the_name_it_shows() -> None:
    assert html_to_text('<p>Hi <at id="0">Megan Bowen</at>, see this</p>') == (
        "Hi Megan Bowen, see this"
    )


def test_links_keep_their_address_once() -> None:
    assert html_to_text('<a href="https://a.example/x">the guide</a>') == (
        "the guide (https://a.example/x)"
    )
    assert html_to_text('<a href="https://a.example/x">https://a.example/x</a>') == (
        "https://a.example/x"
    )
    assert html_to_text('<a href="mailto:it@council.example">email IT</a>') == (
        "email IT (mailto:it@council.example)"
    )
    assert html_to_text('<a href="javascript:alert(1)">click</a>') == "click"


def test_code_blocks_keep_their_spacing() -> None:
    assert html_to_text("<pre>  a\n    b</pre><p>after</p>") == "a\n    b\nafter"


def test_scripts_styles_and_quoted_cards_are_not_words() -> None:
    html = '<style>p{}</style><p>Words</p><script>x()</script><attachment id="1"></attachment>'
    assert html_to_text(html) == "Words"


def test_emoji_are_kept_and_other_images_are_not() -> None:
    html = (
        '<p>Thanks <img itemtype="http://schema.skype.com/Emoji" alt="🙂" src="e">'
        '<img alt="image" src="https://x.example/p.png"></p>'
    )
    assert html_to_text(html) == "Thanks 🙂"


def test_broken_html_still_gives_its_words() -> None:
    assert html_to_text("<p>Open <b>bold <i>and</p> never closed <") == (
        "Open bold and\nnever closed <"
    )


def test_a_cut_ends_on_a_whole_word_with_an_ellipsis() -> None:
    assert cut_at_word("short", 10) == "short"
    assert cut_at_word("one two three four", 12) == "one two…"
    assert len(cut_at_word("x" * 500, 120)) == 120


def test_the_title_is_the_first_sentence_of_the_first_line() -> None:
    assert title_from("\n\n- Printer jams. Every day.\nMore", "", 120) == "Printer jams."
    assert title_from("2) Book rooms online", "", 120) == "Book rooms online"
    assert title_from("Anything", "A channel post subject", 120) == "A channel post subject"


def test_only_a_web_address_is_taken_as_the_link() -> None:
    assert message_link({"linkToMessage": " https://teams.example/l/1 "}) == (
        "https://teams.example/l/1"
    )
    for bad in (
        "http://teams.example/l/1",
        "javascript:x",
        "https://a b",
        7,
        "https://" + "a" * 3000,
    ):
        assert message_link({"linkToMessage": bad}) == ""


def test_the_link_always_fits_after_a_long_message() -> None:
    link = "https://teams.example/l/" + "m" * 300
    filled = prefill({"body": {"content": "word " * 4000}, "linkToMessage": link}, 120, 4000)
    assert filled.shortened
    assert len(filled.description) <= 4000
    assert filled.description.endswith(f"…\n\nThe Teams message: {link}")
