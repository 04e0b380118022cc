"""A team's own Functional API workflow: a @task drafts an announcement, a person approves or edits it.

Review it in the console without changing the console (the Start form asks for "Topic" and "Audience"):

    REVIEW_CONSOLE_WORKFLOWS="examples.announcement:announcement" .venv/bin/streamlit run streamlit_app.py
"""

from typing_extensions import NotRequired, TypedDict  # pydantic reads the input schema: typing.TypedDict fails on 3.11

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.func import entrypoint, task
from langgraph.types import interrupt


class Request(TypedDict):
    topic: str
    audience: NotRequired[str]


@task
def draft(topic: str, audience: str) -> str:
    return f"Dear {audience}, we are pleased to announce {topic}. More details follow this week."


@task
def publish(text: str) -> str:
    return f"published: {text}"


# The team runs it with its own checkpointer; the console replaces it with its database (and logs so).
@entrypoint(checkpointer=InMemorySaver())
def announcement(request: Request) -> dict:
    text = draft(request["topic"], request.get("audience") or "everyone").result()
    answer = interrupt({"draft": text, "message": "Publish this announcement?"})
    if not answer.get("approved"):
        return {"status": "rejected", "reason": answer.get("reason", "")}
    final = answer.get("draft") or text
    return {"status": "published", "published": publish(final).result()}
