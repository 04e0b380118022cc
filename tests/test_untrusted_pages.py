"""Untrusted text on the pages (AppTest): inert Markdown, hidden characters shown, huge drafts in parts,
CSV cells that cannot become formulas, and a thread whose question cannot be read."""

import io

import pandas as pd
import pytest

from console.decisions import Reviewer
from console.service import Console
from tests.conftest import raw_connect, settings_for
from tests.test_pages import open_thread, submit, texts
from ui import render
from ui.text import inert, visible

HOSTILE = ("![x](http://127.0.0.1:9/leak.png) [click](http://127.0.0.1:9/) <img src=x> **bold** :red[red] $x$ www.example.com "
           "a@b.co &amp; `code` ~~gone~~ | a | b |\n# heading\n- item\n12. item\n> quote\n===\n---\n  + x\n[ref]: http://x.y")


# ---- the two functions ---------------------------------------------------------------------------


def test_inert_leaves_no_markdown_markup_unescaped():
    import html
    import re

    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").render(inert(HOSTILE))
    assert not re.search(r"<(?!/?(p|code)>)", rendered), rendered  # no link, image, emphasis or raw HTML
    # GFM links addresses it finds in the text after parsing: none may be left outside a code span.
    outside_code = re.sub(r"<code>.*?</code>", " ", rendered)
    assert not re.search(r"https?://|www\.|@\w", html.unescape(outside_code)), outside_code
    # Shown as typed: the rendered text is the input, character for character.
    assert html.unescape(re.sub(r"</?(p|code)>", "", rendered)).strip() == HOSTILE.replace("\n  ", "\n")  # (a paragraph's indent)


def test_addresses_with_backticks_stay_whole():
    import html
    import re

    from markdown_it import MarkdownIt

    for text in ["see `http://a.b/`x`` now", "``www.a.b``", "mail x@y.zz`"]:
        rendered = MarkdownIt("commonmark").render(inert(text))
        assert html.unescape(re.sub(r"</?(p|code)>", "", rendered)).strip() == text, rendered


@pytest.mark.parametrize("hidden", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200f", "\ufeff", "\x00", "\x1b",
                                    "\u2028", "\U000e0041"])
def test_hidden_characters_are_shown_as_markers(hidden):
    shown = visible(f"a{hidden}b")
    assert shown == f"a⟨U+{ord(hidden):04X}⟩b"
    assert inert(f"a{hidden}b") == f"a⟨U+{ord(hidden):04X}⟩b"  # and stay marked in Markdown


def test_the_file_name_trick_reads_as_written():
    assert visible("RTL:\u202egnp.exe") == "RTL:⟨U+202E⟩gnp.exe"
    assert visible("line one\nline two\ttab") == "line one\nline two\ttab"  # layout kept
    assert visible("Grüße, 日本語, émoji 🎉") == "Grüße, 日本語, émoji 🎉"


# ---- CSV downloads ---------------------------------------------------------------------------


def test_csv_cells_that_a_spreadsheet_would_run_get_a_leading_quote():
    frame = pd.DataFrame({
        "reviewer": ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Ann", None],
        "text_after": ["=1", "ok", "fine - really", "a=b", "", "2", "x", "y"],
        "count": [1, -2, 3, 4, 5, 6, 7, 8],
    })
    back = pd.read_csv(io.BytesIO(render.csv_bytes(frame)), keep_default_na=False, dtype=str)
    assert back["reviewer"].tolist() == ["'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "Ann", ""]
    assert back["text_after"].tolist() == ["'=1", "ok", "fine - really", "a=b", "", "2", "x", "y"]
    assert back["count"].tolist() == ["1", "-2", "3", "4", "5", "6", "7", "8"]  # numbers stay numbers


def test_every_csv_download_goes_through_the_neutralising_writer():
    from tests.conftest import ROOT

    for path in list((ROOT / "views").glob("*.py")) + [ROOT / "streamlit_app.py"]:
        assert "download_button" not in path.read_text(), f"{path.name}: use render.csv_download"
    assert render.csv_download.__code__.co_names.count("csv_bytes") == 1


# ---- on the pages ----------------------------------------------------------------------------


def _start(db_path, topic: str, thread_id: str, reviewer: str = "Bob") -> None:
    setup = Console(settings_for(str(db_path), seed_demo=True, offline_token_delay=0))
    try:
        outcome = list(setup.start("content_approval", topic, Reviewer(reviewer), thread_id))[-1]
        assert outcome.status == "started", outcome.message
    finally:
        setup.close()


def _draft_texts(at) -> list[str]:
    return [t.value for t in at.text if "here is what you need to know" in t.value]


def test_a_huge_draft_is_read_in_parts_never_all_at_once(app, db_path):
    topic = "".join(f"{n:07d}." for n in range(70_000))  # 560 KB in one word, twice in the draft: over a megabyte
    _start(db_path, topic, "huge")
    at = open_thread(app, "huge")
    assert not at.exception
    toggle = next(t for t in at.toggle if t.label.startswith("Show all"))
    at = toggle.set_value(True).run()
    seen, parts = [], 0
    while True:
        part = max((t.value for t in at.text), key=len)  # the draft's part: every other text is short
        assert len(part) <= render.PART_CHARS  # the page never sends one element of a megabyte
        seen.append(part)
        parts += 1
        following = next(b for b in at.button if b.label == "Next part")
        if following.disabled:
            break
        at = following.click().run()
        assert not at.exception
    view = Console(settings_for(str(db_path), seed_demo=False, offline_token_delay=0))
    try:
        draft = view.thread("huge").interrupts[0].request.draft
    finally:
        view.close()
    assert parts == -(-len(draft) // render.PART_CHARS) and "".join(seen) == draft
    at = next(b for b in at.button if b.label == "Previous part").click().run()
    assert seen[-2] in [t.value for t in at.text]


def test_hidden_characters_in_a_draft_and_a_name_are_marked(app, db_path):
    _start(db_path, "RTL:\u202egnp.exe", "hidden", reviewer="Eve\u202eXX")
    at = open_thread(app, "hidden")
    assert not at.exception
    assert any("RTL:⟨U+202E⟩gnp.exe" in t for t in _draft_texts(at))
    assert "\u202e" not in texts(at)
    log = next(d.value for d in at.dataframe if "reviewer" in d.value.columns)
    assert any("Eve⟨U+202E⟩XX" in str(v) for v in log["reviewer"])


def _plant_interrupt(db_path, thread_id: str, value: bytes) -> None:
    """Another process's unreadable row: the thread's `__interrupt__` write replaced by `value`."""
    on_pg = str(db_path).startswith("postgresql:")
    table, column, literal = ("checkpoint_writes", "blob", f"'\\x{value.hex()}'::bytea") if on_pg else ("writes", "value", f"X'{value.hex()}'")
    with raw_connect(db_path) as conn:
        conn.execute(f"UPDATE {table} SET type = 'msgpack', {column} = {literal} "
                     f"WHERE thread_id = '{thread_id}' AND channel = '__interrupt__'")


@pytest.mark.parametrize("planted", ["a string", b"\xc1\xc1"], ids=["not-an-interrupt", "not-msgpack"])
def test_a_thread_whose_question_cannot_be_read_says_so_in_a_sentence(app, db_path, planted):
    import ormsgpack

    _start(db_path, "the unreadable question", "unreadable")
    _plant_interrupt(db_path, "unreadable", ormsgpack.packb(planted) if isinstance(planted, str) else planted)
    at = open_thread(app, "unreadable")
    assert not at.exception  # not Streamlit's redacted error box
    errors = [e.value for e in at.error]
    assert any("cannot read" in e for e in errors), errors
