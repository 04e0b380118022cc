"""Untrusted Markdown (descriptions written by workflows or models) made safe to render.

st.markdown escapes raw HTML, but it loads images with no click (a tracking pixel,
or a picture that looks like a button) and turns links into clickable anchors that
hide where they go. So before rendering: images and raw HTML go, and every link is
shown as its text followed by its address, as code, so nothing is followed by itself.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"<!--.*?(-->|$)", re.S)
_BLOCK = re.compile(r"<(script|style|iframe|object|embed|svg|math|template)\b.*?(</\1\s*>|$)", re.S | re.I)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<[!?][^<>]*>")
_IMAGE_INLINE = re.compile(r"!\[[^\]]*\]\((?:[^()]|\([^()]*\))*\)")
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\s*\[[^\]]*\]")
_REF_DEF = re.compile(r"^[ ]{0,3}\[([^\]]+)\]:\s*(\S+).*$", re.M)
_LINK_INLINE = re.compile(r"\[([^\]]*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))*)>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK_REF = re.compile(r"\[([^\]]+)\]\s*\[([^\]]*)\]")
_AUTOLINK = re.compile(r"(?<![`(])\b((?:https?|ftp|mailto|javascript|data):[^\s<>`]+)", re.I)
# Bare addresses that Markdown (GFM) would turn into links by itself: www.… and e-mail addresses.
_BARE = re.compile(r"(?<![`(/@\w.])((?:www\.[^\s<>`]+)|(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+))")


def _address(url: str) -> str:
    return "`" + url.replace("`", "") + "`"


def _protect_code(text: str, change) -> str:
    """Apply `change` outside `code` spans only (addresses already shown as code stay as they are)."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1 else change(p) for p in parts)


def safe_markdown(text: str, limit: int = 20_000) -> str:
    """Markdown with no images, no raw HTML, and links shown (not clickable)."""
    text = str(text)[:limit]
    text = _COMMENT.sub("", text)
    text = _BLOCK.sub("", text)
    text = _TAG.sub("", text)
    text = text.replace("<", "‹")  # no half-tag left to be read as HTML
    refs = {m.group(1).strip().lower(): m.group(2) for m in _REF_DEF.finditer(text)}
    text = _IMAGE_INLINE.sub("", text)
    text = _IMAGE_REF.sub("", text)
    text = _REF_DEF.sub("", text)

    def inline(match: re.Match) -> str:
        label, url = match.group(1), match.group(2)
        return f"{label} ({_address(url)})" if url else label

    def reference(match: re.Match) -> str:
        label, ref = match.group(1), (match.group(2) or match.group(1)).strip().lower()
        return f"{label} ({_address(refs[ref])})" if ref in refs else match.group(0)

    # Bare addresses first, so the ones written by the link rules below are not wrapped twice.
    text = _AUTOLINK.sub(lambda m: _address(m.group(1)), text)
    text = _protect_code(text, lambda part: _BARE.sub(lambda m: _address(m.group(1)), part))
    text = _LINK_INLINE.sub(inline, text)
    text = _LINK_REF.sub(reference, text)
    return text.strip()


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<])")


def escape(text: str) -> str:
    """Untrusted words inside our own Markdown (a tool name in a heading): shown literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def plain_text(text: str) -> str:
    """One-line, mark-up-free text for previews (the inbox table shows text, not Markdown)."""
    text = safe_markdown(text)
    text = re.sub(r"[*_`#>]+", "", text)
    return " ".join(text.split())
