"""Several questions in one payload: each item decided on its own, all sent together, in order."""

from __future__ import annotations

from typing import Any

from console.errors import InvalidAnswer
from console.formats.base import PREVIEW_CHARS, Action, ReviewRequest, read_inputs
from console.jsonable import shorten

SEND_ALL = Action("decide_each", "Send all decisions", primary=True)


def batch(format_: str, title: str, message: str, parts: tuple[ReviewRequest, ...], noun: str) -> ReviewRequest:
    """Several items decided one by one and sent together (a list of requests in one payload)."""
    return ReviewRequest(
        format=format_, title=title, message=message, actions=(SEND_ALL,), items=parts,
        preview=shorten(f"{len(parts)} {noun}: " + "; ".join(p.preview for p in parts), PREVIEW_CHARS),
    )


def items_answer(request: ReviewRequest, inputs: dict[str, Any]) -> list[tuple[Action, dict[str, Any]]]:
    """The reviewer's choice for every item, in order: (action, checked inputs)."""
    chosen = inputs.get("items")
    if not isinstance(chosen, list) or len(chosen) != len(request.items):
        raise InvalidAnswer(f"Please decide on each of the {len(request.items)} items.")
    out = []
    for n, (item, choice) in enumerate(zip(request.items, chosen), start=1):
        if not isinstance(choice, dict) or not choice.get("action"):
            raise InvalidAnswer(f"Please choose a decision for item {n} ({item.title}).")
        try:
            action = item.action(choice["action"])
            out.append((action, read_inputs(action, choice.get("inputs") or {})))
        except InvalidAnswer as exc:
            raise InvalidAnswer(f"Item {n} ({item.title}): {exc}", exc.field) from None
    return out


def chosen_actions(request: ReviewRequest, action: str, inputs: dict[str, Any]) -> list[tuple[Action, dict[str, Any]]]:
    """(action, checked inputs) for every item of a batch, or for the one question of a single request."""
    if request.items:
        request.action(action)
        return items_answer(request, inputs)
    one = request.action(action)
    return [(one, read_inputs(one, inputs))]
