"""Previews cut to one line of at most N characters: the same words whether the text is short or a long document."""

import random

from console.jsonable import shorten


def whole_text_cut(text: str, limit: int) -> str:
    """The definition: every run of white space one space, then cut with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)] + "…"


def test_a_preview_is_the_whole_texts_first_words_whatever_the_white_space():
    rng = random.Random(3)  # fixed: the same texts every run
    pieces = ["a", "word", " ", "\n", "\t", "\u00a0", "\u2003", "é", " " * 50, "\n" * 30]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 120)))
        limit = rng.randint(0, 120)
        assert shorten(text, limit) == whole_text_cut(text, limit), (text, limit)


def test_a_long_document_gives_its_first_words():
    document = "Dear team,\n\n" + "the quarterly   newsletter\tis ready. " * 100_000
    assert shorten(document, 40) == "Dear team, the quarterly newsletter is …"
    assert shorten(" " * 500 + "late words", 40) == "late words"  # white space first: the rest still counts
