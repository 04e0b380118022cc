"""Plain dicts as in LangGraph's docs, {"draft": …, "message": …}: approve, reject, edit, request changes."""

from __future__ import annotations

from typing import Any

from console.errors import InvalidAnswer
from console.formats.base import DRAFT_KEYS, MESSAGE_KEYS, PREVIEW_CHARS, Action, Field, ReviewRequest, first_text, read_inputs
from console.jsonable import shorten, to_jsonable


class DraftAdapter:
    """Answers: approve → {"approved": True}; reject → {"approved": False, "reason": …};
    edit → {"approved": True, "edited": True, "draft": …};
    request changes (offered when the payload's "allow" lists it) → {"approved": False, "changes": …}.
    """

    name = "draft"

    def matches(self, value: Any, schema: dict | None = None) -> bool:
        return isinstance(value, dict) and first_text(value, DRAFT_KEYS)[0] is not None

    def describe(self, value: dict, schema: dict | None = None) -> ReviewRequest:
        draft_key, draft = first_text(value, DRAFT_KEYS)
        _, message = first_text(value, MESSAGE_KEYS)
        allowed = value.get("allow") if isinstance(value.get("allow"), list) else ["approve", "reject", "edit"]
        actions = []
        if "approve" in allowed:
            actions.append(Action("approve", "Approve", primary=True))
        if "request_changes" in allowed:
            actions.append(Action("request_changes", "Request changes", (
                Field("changes", "What should change?", "long_text", required=True),
            )))
        if "reject" in allowed:
            actions.append(Action("reject", "Reject", (Field("reason", "Reason for rejecting", "long_text", required=True),)))
        if "edit" in allowed:
            actions.append(Action("edit", "Edit", (Field("draft", "Edited draft", "long_text", default=draft),),
                                  help="Change the draft, then approve the edited version.", edits=True))
        step, steps = value.get("step"), value.get("steps")
        shown = {k: v for k, v in value.items() if k not in (draft_key, "allow", "step", "steps") and v != message}
        return ReviewRequest(
            format=self.name,
            title="Review this draft",
            message=message,
            draft=draft,
            details=to_jsonable(shown),
            actions=tuple(actions),
            step=step if isinstance(step, int) else None,
            steps=steps if isinstance(steps, int) else None,
            preview=shorten(draft or "", PREVIEW_CHARS),
        )

    def answer(self, value: dict, action: str, inputs: dict[str, Any], schema: dict | None = None) -> Any:
        request = self.describe(value)
        got = read_inputs(request.action(action), inputs)
        if action == "approve":
            return {"approved": True}
        if action == "reject":
            return {"approved": False, "reason": got["reason"].strip()}
        if action == "request_changes":
            return {"approved": False, "changes": got["changes"].strip()}
        if action == "edit":
            if not got["draft"].strip():
                raise InvalidAnswer("The edited draft is empty. Write the text you approve, or choose Reject.", "draft")
            return {"approved": True, "edited": True, "draft": got["draft"]}
        raise InvalidAnswer("That action is not offered for this request.")
