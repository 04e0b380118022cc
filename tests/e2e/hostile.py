"""A hostile workflow for the browser's untrusted-text journey: every name, key, error and status it
writes is Markdown and HTML aimed at a listener (E2E_LEAK_URL). Routed by the input: ask | gate | fail."""

from __future__ import annotations

import os
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from workflows.spec import WorkflowSpec


def probes(url: str, where: str) -> str:
    """One of each thing that would load or link if it reached Markdown: an image, a link, an HTML image."""
    return f"![x]({url}/{where}.png) [click]({url}/{where}-link) <img src=\"{url}/{where}-html.png\">"


def short_probe(url: str, where: str) -> str:
    """An image and a link in under 80 characters: the longest `status` the console still shows."""
    return f"![x]({url}/{where}.png)[c]({url}/{where}-l)"


def leak_url() -> str:
    return os.environ.get("E2E_LEAK_URL", "http://127.0.0.1:9")


def node_name(url: str) -> str:
    # LangGraph refuses ':' in node names; CommonMark decodes the entity inside a link address.
    return probes(url.replace(":", "&#58;"), "node")


def state_key(url: str) -> str:
    return probes(url, "key")


def build(url: str | None = None) -> StateGraph:
    """The graph aimed at `url` (a LangGraph Server's factory passes its own), else at E2E_LEAK_URL."""
    url = url or leak_url()
    node, key = node_name(url), state_key(url)
    State = TypedDict("State", {"mode": str, "status": str, key: str}, total=False)  # noqa: N806

    def begin(state):
        if state.get("mode") == "fail":
            raise RuntimeError(f"Broken on purpose: {probes(url, 'error')}")
        return {key: "a value under a hostile key"}

    def ask(state):
        answer = interrupt({  # LangChain's HITL request: the edit form's labels are the tool's argument keys
            "action_requests": [{"name": "send", "args": {probes(url, "arg"): "hello"}, "description": "Send it?"}],
            "review_configs": [{"action_name": "send", "allowed_decisions": ["approve", "edit", "reject"]}],
        })
        return {"status": str(answer)[:40]}

    def act(state):
        return {"status": short_probe(url, "status")}  # a status of over 80 characters is not shown at all

    graph = StateGraph(State)
    graph.add_node("begin", begin)
    graph.add_node("ask", ask)
    graph.add_node(node, act)
    graph.add_edge(START, "begin")
    graph.add_conditional_edges("begin", lambda s: "ask" if s.get("mode") == "ask" else node, ["ask", node])
    graph.add_edge("ask", END)
    graph.add_edge(node, END)
    return graph


def __getattr__(name: str) -> WorkflowSpec:
    """SPEC is made when the registry asks for it, so it names the listener of the process asking (PEP 562)."""
    if name != "SPEC":
        raise AttributeError(name)
    url = leak_url()
    return WorkflowSpec(
        name="hostile",
        title="Hostile workflow",
        description=f"Described with {probes(url, 'description')}",
        builder=build,
        compile_options={"interrupt_before": [node_name(url)]},
        input_label=f"Mode {probes(url, 'input-label')}",
        make_input=lambda text: {"mode": text},
    )
