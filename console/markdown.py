"""Untrusted Markdown (descriptions written by workflows or models) parsed and written back inert.

st.markdown escapes raw HTML, but it loads images with no click (a tracking pixel, or a
picture that looks like a button), turns links into anchors that hide where they go, and
(GFM) links bare `www.…`, `https://…` and e-mail addresses by itself. So the text is parsed
with markdown-it-py (CommonMark, raw HTML off, linkify on to find bare addresses) and its
token tree is written back as Markdown in which every character the author typed is escaped:
emphasis, lists, quotes and code survive; raw HTML shows as text; images leave their alt
text; every link, autolink and bare address shows as its text plus the address as code.
Line breaks inside a paragraph stay line breaks, as the author saw them.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": True}).enable("linkify")
# Keep every link as a link token (javascript:, data: included): it is shown as code, never followed.
_PARSER.validateLink = lambda url: True

# Inline characters that start Markdown or GFM syntax wherever they stand.
_SPECIAL = re.compile(r"([\\`*_\[\]<&~|$])")
# Characters that start a block only at the beginning of a line (headings, lists, quotes, setext).
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))", re.M)
# What GFM would still link by itself, should linkify leave any: wrapped as code, whole word.
_GFM_LITERAL = re.compile(r"\S*(?:(?:https?|ftp)://|www\.|mailto:|xmpp:|[\w.+-]@[\w-]+\.[\w-])\S*", re.I)


def _code(text: str) -> str:
    """A code span holding `text` verbatim, whatever backticks it contains."""
    text = text.replace("\n", " ")
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _join(parts: list[str]) -> str:
    """Concatenate, keeping two code spans that meet apart (their fences would merge into one run)."""
    out = ""
    for part in parts:
        if out.endswith("`") and part.startswith("`"):
            out += " "
        out += part
    return out


def _text(text: str) -> str:
    """The author's words, shown literally: syntax escaped, addresses GFM would link as code."""
    out, last = [], 0
    for match in _GFM_LITERAL.finditer(text):
        out.append(_SPECIAL.sub(r"\\\1", text[last:match.start()]))
        out.append(_code(match.group(0)))
        last = match.end()
    out.append(_SPECIAL.sub(r"\\\1", text[last:]))
    return _join(out)


def _address(node: SyntaxTreeNode) -> str:
    return _PARSER.normalizeLinkText(str(node.attrs.get("href", "")))


def _inline(nodes) -> str:
    parts = []
    for node in nodes:
        kind = node.type
        if kind == "text":
            parts.append(_text(node.content))
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\\\n")  # a hard break: the author's line breaks stay
        elif kind == "code_inline":
            parts.append(_code(node.content))
        elif kind == "em":
            parts.append(f"*{_inline(node.children)}*")
        elif kind == "strong":
            parts.append(f"**{_inline(node.children)}**")
        elif kind == "image":  # never loaded: its alt text stays, as text
            parts.append(_inline(node.children))
        elif kind == "link" and node.markup in ("autolink", "linkify"):
            label = "".join(c.content for c in node.children) or _address(node)
            parts.append(f"\\<{_code(label)}\\>" if node.markup == "autolink" else _code(label))
        elif kind == "link":
            label, address = _inline(node.children), _code(_address(node))
            parts.append(f"{label} ({address})" if label.strip() else address)
        else:  # anything else the parser may add later: its words only
            parts.append(_text(node.content) if node.content else _inline(node.children))
    return _join(parts)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [(rest + line) if line else line for line in lines[1:]])


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "paragraph" or kind == "inline":
        inline = node.children[0] if kind == "paragraph" and node.children else node
        return _LINE_START.sub(r"\1\\\2", _inline(inline.children))
    if kind == "heading":  # a heading of the workflow's must not look like the console's own
        words = _block(node.children[0]) if node.children else ""
        return f"**{words}**" if words.strip() else ""
    if kind in ("bullet_list", "ordered_list"):
        start = int(node.attrs.get("start", 1)) if kind == "ordered_list" else 1
        items = []
        for n, item in enumerate(node.children):
            marker = "- " if kind == "bullet_list" else f"{start + n}. "
            items.append(_indent(_blocks(item.children, tight=True), marker, " " * len(marker)))
        return "\n".join(items)
    if kind == "blockquote":
        return _indent(_blocks(node.children), "> ", "> ")
    if kind in ("code_block", "fence"):
        content = node.content.rstrip("\n")
        longest = max((len(run) for run in re.findall(r"`{3,}", content)), default=2)
        fence = "`" * (longest + 1)
        return f"{fence}\n{content}\n{fence}"
    if kind == "hr":
        return "---"
    return _text(node.content) if node.content else _blocks(node.children)


def _blocks(nodes, tight: bool = False) -> str:
    rendered = [_block(n) for n in nodes]
    return ("\n" if tight else "\n\n").join(r for r in rendered if r)


def safe_markdown(text: str, limit: int = 20_000) -> str:
    """Markdown with no images, no raw HTML, and no live link: addresses are shown as code."""
    tree = SyntaxTreeNode(_PARSER.parse(str(text)[:limit]))
    return _blocks(tree.children).strip()


def escape(text: str) -> str:
    """Untrusted words inside our own Markdown (a tool name in a heading): shown literally."""
    return _LINE_START.sub(r"\1\\\2", _text(str(text)))


def _plain(nodes) -> str:
    parts = []
    for node in nodes:
        if node.type in ("text", "code_inline"):
            parts.append(node.content)
        elif node.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif node.type == "link" and node.markup not in ("autolink", "linkify"):
            parts.append(f"{_plain(node.children)} ({_address(node)})")
        elif node.type in ("code_block", "fence"):
            parts.append(" " + node.content + " ")
        else:
            parts.append(_plain(node.children) + (" " if node.is_root or node.type in ("paragraph", "heading", "list_item") else ""))
    return "".join(parts)


def plain_text(text: str) -> str:
    """One-line, mark-up-free text for previews (the inbox table shows text, not Markdown)."""
    return " ".join(_plain(SyntaxTreeNode(_PARSER.parse(str(text)[:20_000])).children).split())
