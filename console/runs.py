"""Running a graph with live progress: astream_events(v2) turned into plain progress events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Progress:
    kind: str  # started | finished | token
    node: str | None
    text: str = ""


async def run_with_progress(graph, graph_input: Any, config: dict, emit: Callable[[Any], None]) -> None:
    """Run until the graph pauses or ends; durability="sync" so no step is lost in a crash."""
    async for event in graph.astream_events(graph_input, config, version="v2", durability="sync"):
        kind = event["event"]
        node = (event.get("metadata") or {}).get("langgraph_node")
        if kind in ("on_chain_start", "on_chain_end") and node and event.get("name") == node:
            emit(Progress("started" if kind == "on_chain_start" else "finished", node))
        elif kind == "on_chat_model_stream":
            chunk = event.get("data", {}).get("chunk")
            text = getattr(chunk, "content", "")
            if isinstance(text, str) and text:
                emit(Progress("token", node, text))
