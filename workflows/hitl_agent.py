"""Tool approval: a real LangChain agent (create_agent) with HumanInTheLoopMiddleware.

Two workflows from one agent: "batched" (one HITLRequest listing every proposed
tool call, answered with {"decisions": [...]}) and "per_call" (one interrupt per tool
call, with a response_schema, all pending at once while the calls run in parallel).
"""

from __future__ import annotations

from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware

from workflows.agent_tools import TOOLS, ScriptedToolModel
from workflows.spec import WorkflowSpec


def _describe_email(tool_call, state, runtime) -> str:
    args = tool_call["args"]
    return (f"**Send an email** to {', '.join(args.get('to') or [])}\n\n"
            f"Subject: *{args.get('subject', '')}* — check the wording before it goes out.")


INTERRUPT_ON = {
    "send_email": {"allowed_decisions": ["approve", "edit", "reject", "respond"], "description": _describe_email},
    # Deleting data may only be approved or refused: no edits, no made-up results.
    "delete_records": {"allowed_decisions": ["approve", "reject"],
                       "description": "**Delete records** permanently. This cannot be undone."},
}


def _builder(mode: str):
    def build():
        agent = create_agent(
            ScriptedToolModel(),
            tools=list(TOOLS.values()),
            middleware=[HumanInTheLoopMiddleware(interrupt_on=INTERRUPT_ON, interrupt_mode=mode)],
            name=f"tool_approval_{mode}",
        )
        # The console compiles every workflow with its own checkpointer: hand it the graph builder.
        return agent.builder
    return build


def _make_input(text: str) -> dict:
    return {"messages": [{"role": "user", "content": text}]}


SPEC = WorkflowSpec(
    name="tool_approval",
    title="Agent tool approval",
    description="An assistant proposes tool calls (send an email, delete records); a reviewer decides on each one "
                "before it runs. LangChain's human-in-the-loop middleware, all calls in one request.",
    builder=_builder("batched"),
    input_label="What should the assistant do?",
    make_input=_make_input,
    demo_inputs=("Email the team about the charity run and delete the old test records",),
)

PER_CALL_SPEC = WorkflowSpec(
    name="tool_approval_per_call",
    title="Agent tool approval (one question per call)",
    description="The same assistant, asking about each tool call separately: several questions wait at once, "
                "and each can be answered on its own or all together.",
    builder=_builder("per_call"),
    input_label="What should the assistant do?",
    make_input=_make_input,
    demo_inputs=("Email the board about the budget and delete the old test records",),
    step_titles={"tools": "Tool calls", "model": "Assistant"},  # each call asks from inside the agent's tool step
)
