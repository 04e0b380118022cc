"""A workflow's graph (LangGraph's own get_graph) as Graphviz DOT, in plain words, with the waiting step lit."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

START, END = "__start__", "__end__"
LIT_FILL = "#ffd54f"
LIT_LINE = "#b26a00"
PLAIN_FILL = "#eef2f8"
MAX_LABEL = 60


def readable(name: str) -> str:
    """draft_reply → "Draft reply"; HumanInTheLoopMiddleware.after_model → "Human in the loop middleware after model"."""
    if name == START:
        return "Start"
    if name == END:
        return "End"
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(name))
    words = [w for w in re.split(r"[\s_.\-]+", text) if w]
    if not words:
        return "Step"
    words = [w if w.isupper() and len(w) > 1 else w.lower() for w in words]
    sentence = " ".join(words)
    sentence = sentence[0].upper() + sentence[1:]
    return sentence if len(sentence) <= MAX_LABEL else sentence[: MAX_LABEL - 1] + "…"


def quoted(text: str) -> str:
    """A DOT double-quoted string that reads back as `text`, and only as text.

    Backslashes first (Graphviz gives \\N, \\G, \\l … meanings inside labels), then quotes.
    Control characters and line breaks become spaces: one label, one line. `&` is written
    as `&amp;`: Graphviz copies entity-like text (&lt;) into its SVG unescaped, so an
    unescaped & would render as a character the name does not contain. A quoted string is
    never an HTML-like label (those are delimited by < >), so < and > need nothing.
    """
    clean = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in str(text))
    clean = clean.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    return f'"{clean}"'


def _cluster_of(node_id: str) -> str | None:
    # xray=True names a subgraph's steps "outer:inner" (LangGraph forbids ":" in node names).
    return node_id.rsplit(":", 1)[0] if ":" in node_id else None


def to_dot(graph: Any, waiting: str | None = None) -> str:
    """DOT for a `langchain_core.runnables.graph.Graph` (what `compiled.get_graph(xray=True)` returns).

    Node names are untrusted: they are never DOT ids (ids are n0, n1, …), only escaped labels.
    `waiting` is the step the thread waits at: lit, and labelled so (colour is not the only sign).
    A subgraph's steps sit in a box named after it; a waiting subgraph lights its box.
    """
    ids = {node_id: f"n{i}" for i, node_id in enumerate(graph.nodes)}
    lines = [
        "digraph workflow {",
        '  graph [rankdir=TB, bgcolor="transparent", fontname="sans-serif", nodesep=0.4, ranksep=0.45];',
        f'  node [shape=box, style="rounded,filled", fillcolor="{PLAIN_FILL}", color="#8a94a6", fontname="sans-serif", fontsize=12];',
        '  edge [color="#8a94a6", arrowsize=0.7];',
    ]

    def node_line(node_id: str, node: Any, indent: str) -> str:
        name = getattr(node, "name", None) or node_id
        label = readable(name if node_id not in (START, END) else node_id)
        attrs = []
        if node_id in (START, END):
            attrs.append('shape=oval, style="filled", fillcolor="#ffffff", fontsize=10')
        if waiting is not None and node_id == waiting:
            label += " (waits here)"
            attrs.append(f'fillcolor="{LIT_FILL}", color="{LIT_LINE}", penwidth=2.5')
        return f"{indent}{ids[node_id]} [label={quoted(label)}{', ' + ', '.join(attrs) if attrs else ''}];"

    clusters: dict[str, list[str]] = {}
    for node_id, node in graph.nodes.items():
        outer = _cluster_of(node_id)
        if outer is None:
            lines.append(node_line(node_id, node, "  "))
        else:
            clusters.setdefault(outer, []).append(node_id)
    for n, (outer, members) in enumerate(clusters.items()):
        lit = waiting is not None and waiting == outer
        label = readable(outer.rsplit(":", 1)[-1]) + (" (waits here)" if lit else "")
        lines.append(f"  subgraph cluster_{n} {{")
        lines.append(f'    label={quoted(label)}; labeljust="l"; style="rounded{",filled" if lit else ""}"; '
                     f'color="{LIT_LINE if lit else "#8a94a6"}"; fillcolor="#fff4d6"; fontname="sans-serif"; fontsize=11;')
        lines.extend(node_line(member, graph.nodes[member], "    ") for member in members)
        lines.append("  }")
    for edge in graph.edges:
        if edge.source not in ids or edge.target not in ids:
            continue
        style = ' [style="dashed"]' if edge.conditional else ""
        lines.append(f"  {ids[edge.source]} -> {ids[edge.target]}{style};")
    lines.append("}")
    return "\n".join(lines)


def workflow_dot(compiled: Any, waiting: str | None = None) -> str | None:
    """The picture of a compiled graph, subgraphs expanded; None when the graph cannot draw itself."""
    if compiled is None:
        return None
    try:
        graph = compiled.get_graph(xray=True)
    except Exception:  # a graph that cannot describe itself gets no picture, not a broken page
        return None
    return to_dot(graph, waiting)
