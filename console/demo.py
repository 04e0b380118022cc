"""Demo data: a full inbox on first start, with every kind of pause the demo workflows have."""

from __future__ import annotations

from langgraph.types import Command

from workflows.models import instant_tokens
from workflows.registry import DEMO_WORKFLOWS


async def seed_demo(graphs: dict) -> None:
    """A full inbox on first start: every demo workflow, every kind of pause."""
    token = instant_tokens.set(True)
    try:
        for spec in DEMO_WORKFLOWS:
            graph = graphs[spec.name]
            for i, text in enumerate(spec.demo_inputs, start=1):
                config = {"configurable": {"thread_id": f"demo-{spec.name}-{i}"},
                          "metadata": {"workflow": spec.name, "workflow_version": spec.version, "started_by": "demo"}}
                await graph.ainvoke(spec.make_input(text), config, durability="sync")
                if i == 2 and spec.name in ("gated_publication", "two_stage_review"):  # a second pause further on
                    snapshot = await graph.aget_state(config)
                    answer = Command(resume={snapshot.interrupts[0].id: {"approved": False, "changes": "Make it friendlier."}}) if snapshot.interrupts else None
                    if spec.name != "content_approval":
                        await graph.ainvoke(answer, config, durability="sync")
    finally:
        instant_tokens.reset(token)

