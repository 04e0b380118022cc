"""The graphs the test LangGraph Server serves: the demo workflows and the copied payload shapes, one per interrupt format."""

from __future__ import annotations

import sys
from pathlib import Path

# `langgraph dev` loads this file by path; the console's packages sit two folders up.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import format_graphs, lifetime_flow  # noqa: E402
from workflows import registry  # noqa: E402


def _compiled(spec):
    """The graph as a team deploys it: no checkpointer of its own (the server brings one), named by its title
    (the server names each graph's assistant after the graph)."""
    graph = spec.attach(None) if spec.attach is not None else spec.builder().compile(**spec.compile_options)
    graph.name = spec.title
    return graph


_SPECS = {spec.name: spec for spec in registry.DEMO_WORKFLOWS}
_SPECS.update({s.name: s for s in (format_graphs.TOOL_REVIEW, format_graphs.HUMAN_HELP, format_graphs.ASK_NAME,
                                    format_graphs.EMAIL_TRIAGE)})
# The words walk's last two shapes (tests/e2e/test_screenshots.py ENTRIES): a Functional API @entrypoint, and an
# interrupt inside a subgraph; loaded as the console loads them, then served like the rest.
_SPECS.update({s.name: s for s in map(registry.load_entry, (
    "examples.announcement:announcement",
    "tests.team_graphs:build_email_assistant?name=email_assistant&title=Email assistant"))})
# A run held in flight by the test (tests/e2e/test_clear_cache.py): its step waits for a file the test writes.
_SPECS["slow_effect"] = lifetime_flow.SLOW
GRAPHS = {name: _compiled(spec) for name, spec in _SPECS.items()}
globals().update(GRAPHS)


# ---- a graph whose step fails after the answer: the failed-run sentence, and answering again ----------

from typing import TypedDict  # noqa: E402

from langgraph.graph import START, StateGraph  # noqa: E402
from langgraph.types import interrupt  # noqa: E402


class _FailState(TypedDict, total=False):
    draft: str
    final: str


def _ask_then_fail(state: _FailState) -> _FailState:
    answer = interrupt({"draft": state.get("draft") or "A draft", "message": "Approve it (the step then fails)."})
    if answer.get("approved") and not answer.get("draft"):
        raise RuntimeError("the printer is out of paper")
    return {"final": answer.get("draft") or ""}


_failing = StateGraph(_FailState)
_failing.add_node("print_it", _ask_then_fail)
_failing.add_edge(START, "print_it")
fails_after_answer = _failing.compile(name="Print after approval (fails)")


# ---- the two-stage review, its revision streamed over time: live progress on the server ----------

import importlib.util  # noqa: E402
import dataclasses  # noqa: E402

from workflows.models import OfflineWriter  # noqa: E402

# The server runs with REVIEW_CONSOLE_TOKEN_DELAY=0 (seeding stays quick); only this graph's revision streams, each
# word after this await inside the graph, as the local console's offline model does (tests/e2e/conftest.TOKEN_DELAY_S).
STREAMED_TOKEN_DELAY_S = 0.05


def _streamed_two_stage():
    """A copy of workflows/two_stage_review.py whose `write` streams each word after a short await, so a browser
    can watch the revision arrive token by token (its draft is written at once, like every other graph's)."""
    source = Path(__file__).resolve().parents[2] / "workflows" / "two_stage_review.py"
    found = importlib.util.spec_from_file_location("two_stage_review_streamed", source)
    module = importlib.util.module_from_spec(found)
    sys.modules[found.name] = module  # its TypedDict's annotations are resolved through its module
    found.loader.exec_module(module)

    async def write(prompt: str) -> str:
        writer = OfflineWriter(token_delay=STREAMED_TOKEN_DELAY_S)
        return "".join([str(chunk.content) async for chunk in writer.astream(prompt)]).strip()

    module.write = write  # what its `apply_changes` task calls
    return dataclasses.replace(module.SPEC, builder=module.build)


# The tour's streaming step starts a thread of "two_stage_review", as every journey on it does: the streamed copy.
two_stage_review = GRAPHS["two_stage_review"] = _compiled(_streamed_two_stage())


# ---- the picture journeys' graphs (tests/tour_graphs.py): a subgraph, and node names that try to break out of DOT ----

from tests import tour_graphs as _tour  # noqa: E402

checked_reply = _tour.with_subgraph().compile(name="Checked reply")
hostile_names = _tour.hostile().compile(name="Hostile names")


# ---- the untrusted-text journey's hostile graph (tests/e2e/hostile.py), aimed at the listener of the test ------

from tests.e2e import hostile as _hostile  # noqa: E402


def hostile(config):
    """A graph factory, made per run: its node name, state key, error and status aim at E2E_LEAK_URL, the address the
    server was told when it started (tests/server/conftest.py), which the untrusted-text journey's listener binds;
    or at `leak_url` in the run's configuration, when an assistant names one."""
    url = ((config or {}).get("configurable") or {}).get("leak_url") or _hostile.leak_url()
    graph = _hostile.build(url).compile(interrupt_before=[_hostile.node_name(url)])
    graph.name = "Hostile workflow"
    return graph
