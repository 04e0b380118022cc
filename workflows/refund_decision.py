"""Refund decision: a typed answer, interrupt(value, response_schema=RefundDecision), checked by LangGraph."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from langgraph.graph import StateGraph
from langgraph.types import interrupt

from workflows.common import in_order
from workflows.spec import WorkflowSpec

ORDER_TOTAL = 120.0


class ReturnLabel(BaseModel):
    carrier: Literal["post", "courier"] = Field("post", description="Who collects the parcel.")
    prepaid: bool = Field(True, description="We pay for the return.")


class RefundDecision(BaseModel):
    """What to do with a customer's refund request."""

    decision: Literal["refund", "partial", "deny"] = Field(description="Full refund, part of it, or none.")
    amount: float = Field(0, ge=0, le=500, description="Euros to refund (0 to 500).")
    notify_customer: bool = Field(True, description="Email the customer about the decision.")
    note: str = Field("", description="Why. Needed when the refund is denied.", validate_default=True)
    tags: list[str] = Field(default_factory=list, description="Labels for the monthly report.")
    return_label: ReturnLabel | None = Field(None, description="Send a return label.")

    # Not expressible in JSON Schema, so only LangGraph's own check catches it: the console
    # must then show the reviewer which field is wrong.
    @field_validator("note")
    @classmethod
    def reason_for_denial(cls, note: str, info: ValidationInfo) -> str:
        if info.data.get("decision") == "deny" and not note.strip():
            raise ValueError("Please say why the refund is denied.")
        return note


class State(TypedDict, total=False):
    complaint: str
    decision: dict[str, Any]
    status: str
    final: str


def review(state: State) -> State:
    answer: RefundDecision = interrupt(
        {"question": "How should we handle this refund request?", "customer": "Ada Lovelace",
         "order": "#1042 (garden chairs)", "order_total": ORDER_TOTAL, "complaint": state["complaint"]},
        response_schema=RefundDecision,
    )
    return {"decision": answer.model_dump(), "status": answer.decision}


def reply(state: State) -> State:
    d = state["decision"]
    words = {"refund": f"We refund {d['amount']:.2f} EUR.", "partial": f"We refund {d['amount']:.2f} EUR of your order.",
             "deny": f"We cannot refund this order: {d['note']}"}[d["decision"]]
    return {"final": words + (" We sent you an email." if d["notify_customer"] else ""), "status": d["decision"]}


def build() -> StateGraph:
    return in_order(State, review, reply)


SPEC = WorkflowSpec(
    name="refund_decision",
    title="Refund decision (typed answer)",
    description="A refund request waits for a typed decision: a form built from the answer's schema, "
                "checked before it is sent and again by the workflow.",
    builder=build,
    input_label="The customer's message",
    make_input=lambda text: {"complaint": text},
    demo_inputs=("My order #1042 arrived broken. I want my money back.",),
)
