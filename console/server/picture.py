"""The picture of a server's workflow: the assistant's drawn graph (assistants.get_graph, xray) read into what
console/graph_picture.to_dot draws, so both backends show the same picture."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from console.graph_picture import to_dot

log = logging.getLogger("review_console")

KEPT_S = 60.0  # a redeployed assistant draws its new graph within a minute; a page reads it once a minute


@dataclass(frozen=True)
class Step:
    name: str


@dataclass(frozen=True)
class Arrow:
    source: str
    target: str
    conditional: bool


class DrawnGraph:
    """`nodes` (id → Step) and `edges` (Arrow) from the server's JSON, which is untrusted: odd entries are left out."""

    def __init__(self, drawn: object) -> None:
        drawn = drawn if isinstance(drawn, dict) else {}
        self.nodes: dict[str, Step] = {}
        for node in _listed(drawn.get("nodes")):
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                data = node.get("data")
                name = data.get("name") if isinstance(data, dict) else None
                name = name if isinstance(name, str) and name else node["id"]
                # A subgraph's step is named "outer:inner" here (xray), its own name locally: ":" is not allowed in one.
                self.nodes[node["id"]] = Step(name.rsplit(":", 1)[-1])
        self.edges = [Arrow(e["source"], e["target"], bool(e.get("conditional")))
                      for e in _listed(drawn.get("edges"))
                      if isinstance(e, dict) and isinstance(e.get("source"), str) and isinstance(e.get("target"), str)]


def _listed(value: object) -> list:
    return value if isinstance(value, list) else []


class ServerPictures:
    """Each workflow's drawn graph (with its subgraphs' steps, or without), read from the server at most once per
    KEPT_S for every session: the picture and the reopen plan both read it, on every rerun that shows them."""

    def __init__(self, client, assistant_ids: dict[str, str]) -> None:
        self.client, self.assistant_ids = client, assistant_ids
        self._drawn: dict[tuple[str, bool], tuple[float, DrawnGraph | None]] = {}

    def dot(self, workflow: str | None, waiting: str | None) -> str | None:
        graph = self.graph(workflow or "", xray=True)
        return to_dot(graph, waiting) if graph is not None and graph.nodes else None

    def graph(self, workflow: str, xray: bool) -> DrawnGraph | None:
        """The assistant's drawn graph, or None when it cannot be read (no picture, never a broken page)."""
        kept = self._drawn.get((workflow, xray))
        if kept is not None and time.monotonic() - kept[0] < KEPT_S:
            return kept[1]
        assistant = self.assistant_ids.get(workflow)
        graph = None
        if assistant is not None:
            try:
                graph = DrawnGraph(self.client.assistants.get_graph(assistant, xray=xray))
            except Exception as exc:
                log.warning("the server's graph of %s cannot be read: %r", workflow, exc)
        self._drawn[(workflow, xray)] = (time.monotonic(), graph)
        return graph
