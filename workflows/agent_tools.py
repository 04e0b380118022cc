"""Offline stand-ins for a tool-calling agent: the tools it may call and a scripted chat model.

The demo agents must run with no network and no API key, yet go through the real
tool-calling machinery (bind_tools, AIMessage.tool_calls, ToolMessage), so the
pauses the console reviews are the ones a real model would cause.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool


@tool
def send_email(to: list[str], subject: str, body: str, priority: int = 2) -> str:
    """Send an email to one or more addresses (priority 1 = urgent, 3 = low)."""
    return f"Email “{subject}” sent to {', '.join(to)} (priority {priority})."


@tool
def delete_records(table: str, older_than_days: int) -> str:
    """Delete rows older than a number of days from a table."""
    return f"Deleted the rows of {table} older than {older_than_days} days."


@tool
def book_room(room: str, date: str, attendees: int, catering: bool = False) -> str:
    """Book a room for a number of people."""
    return f"Booked {room} on {date} for {attendees} people{' with catering' if catering else ''}."


TOOLS = {t.name: t for t in (send_email, delete_records, book_room)}


def propose(request: str) -> dict[str, Any]:
    """The tool call a sensible agent would make for one plain-words request."""
    text = request.strip().rstrip(".")
    lower = text.lower()
    if "delete" in lower or "clean up" in lower:
        table = "test_records" if "test" in lower else "old_orders"
        return {"name": "delete_records", "args": {"table": table, "older_than_days": 365}}
    if "book" in lower or "room" in lower or "hall" in lower:
        return {"name": "book_room", "args": {"room": "Main hall", "date": "Friday", "attendees": 12, "catering": False}}
    about = re.sub(r"^(email|e-mail|write to|tell)\s+", "", text, flags=re.I)
    return {"name": "send_email", "args": {
        "to": ["team@example.org"],
        "subject": about[:1].upper() + about[1:80],
        "body": f"Hello,\n\n{about[:1].upper() + about[1:]}.\n\nBest wishes",
        "priority": 2,
    }}


def split_requests(text: str) -> list[str]:
    """"Email the team and delete the old records" → two requests."""
    parts = re.split(r";|\band then\b|\band\s+(?=(?:delete|book|email|clean)\b)", text, flags=re.I)
    return [p.strip() for p in parts if p and p.strip()]


class ScriptedToolModel(BaseChatModel):
    """First turn: one tool call per request in the user's message. After tool results: a summary."""

    @property
    def _llm_type(self) -> str:
        return "scripted-tool-caller"

    def bind_tools(self, tools, **kwargs: Any):  # the script knows the tools already
        return self

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        results = [m for m in messages[last_human + 1:] if isinstance(m, ToolMessage)]
        if results:
            return AIMessage(content="Done. " + " ".join(str(m.content).splitlines()[-1] for m in results))
        text = str(messages[last_human].content) if last_human >= 0 else ""
        calls = [{**propose(part), "id": f"call_{i}", "type": "tool_call"} for i, part in enumerate(split_requests(text), start=1)]
        return AIMessage(content="", tool_calls=calls)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])
