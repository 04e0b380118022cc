"""The one way untrusted text reaches the screen: hidden characters shown, Markdown made inert."""

from __future__ import annotations

import re
import unicodedata

# Characters that change how text reads without being seen: bidi overrides and isolates
# (U+202A–U+202E, U+2066–U+2069), zero-width ones (U+200B–U+200F, U+FEFF), every other
# format or control character, line/paragraph separators, and the blank "filler" letters.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0"}
_KEEP = {"\n", "\t", "\r"}  # layout a reader expects in a draft; a browser shows them as space or breaks

# CommonMark lets a backslash escape any ASCII punctuation, and an escaped character is always
# shown as itself. Escaped everywhere: what starts emphasis, code, links, images, HTML, entities,
# tables, LaTeX ($) and Streamlit's :shortcodes:. Escaped at a line's start only: what starts a
# heading, quote, list or rule. The rest stays as typed, because Streamlit also uses the raw
# label as the widget's accessible name, and a screen reader would read every backslash.
_ALWAYS = re.compile(r"([\\`*_\[\]<|~$&]|:(?=[\w+/-]+:))")
_LINE_START = re.compile(r"^([ \t]*)([#>+=-]|\d+[.)])", re.M)
# GFM's "autolink literals" are found in the text *after* escapes are read (Streamlit's renderer
# linked "http\:\/\/…" in the browser), so web and mail addresses go in code spans, where nothing links.
_ADDRESS = re.compile(r"(?:https?://|www\.)\S*|[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.I)


def _marker(char: str) -> str:
    return f"⟨U+{ord(char):04X}⟩"


def visible(text: object) -> str:
    """Plain text (for st.text / st.code / tables) with every hidden character shown as ⟨U+XXXX⟩:
    "RTL:\\u202egnp.exe" reads "RTL:⟨U+202E⟩gnp.exe", not "RTL:exe.png"."""
    text = "" if text is None else str(text)
    if text.isascii() and text.isprintable():  # the common case, without a per-character walk
        return text
    return "".join(
        _marker(c) if c not in _KEEP and (unicodedata.category(c) in _HIDDEN_CATEGORIES or c in _BLANK_LETTERS) else c
        for c in text
    )


def _code(text: str) -> str:
    """A code span showing `text` as is, fenced by more backticks than it holds."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _escape(text: str) -> str:
    text = _ALWAYS.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def inert(text: object) -> str:
    """Any untrusted string, ready for a Streamlit call that renders Markdown (titles, alerts,
    captions, labels, help): shown exactly as written, hidden characters marked, nothing live."""
    text, out, at = visible(text), [], 0
    for match in _ADDRESS.finditer(text):
        out += [_escape(text[at:match.start()]), _code(match.group())]
        at = match.end()
    out.append(_escape(text[at:]))
    return "".join(out)
