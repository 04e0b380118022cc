"""The chat model the drafting nodes call: a deterministic offline writer, or a configured provider.

Demo workflows must run with no network and no API key, yet still stream
tokens the way a real model does, so the console's live progress is real.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

# Set while seeding demo data: tokens come at once, with no pause between them.
instant_tokens: contextvars.ContextVar[bool] = contextvars.ContextVar("instant_tokens", default=False)

WRITE = "Write a short post about:"
REVISE = "Revise the draft below. Requested changes:"
POLISH = "Polish the draft below for publication."


def _offline_reply(prompt: str) -> str:
    """A fixed, readable answer for each instruction our workflows send."""
    if prompt.startswith(WRITE):
        topic = prompt[len(WRITE):].strip() or "our news"
        return (
            f"{topic}: here is what you need to know. "
            f"We are pleased to share an update on {topic}. "
            "It is available to everyone from today, and we would love to hear what you think."
        )
    if prompt.startswith(REVISE):
        head, _, draft = prompt.partition("\n\nDraft:\n")
        request = head[len(REVISE):].strip()
        return f"{draft.strip()} (Revised as asked: {request})"
    if prompt.startswith(POLISH):
        draft = prompt.partition("\n\nDraft:\n")[2].strip()
        return re.sub(r"\s+", " ", draft).strip() + " Thank you for reading."
    return prompt.strip()


class OfflineWriter(BaseChatModel):
    """Answers from `_offline_reply`, streamed word by word."""

    token_delay: float = 0.0

    @property
    def _llm_type(self) -> str:
        return "offline-writer"

    def _reply(self, messages: list[BaseMessage]) -> str:
        return _offline_reply(str(messages[-1].content))

    def _generate(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._reply(messages)))])

    def _stream(self, messages, stop=None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for token in re.findall(r"\S+\s*", self._reply(messages)):
            if self.token_delay:
                time.sleep(self.token_delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk

    async def _astream(self, messages, stop=None, run_manager: AsyncCallbackManagerForLLMRun | None = None, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        for token in re.findall(r"\S+\s*", self._reply(messages)):
            if self.token_delay:
                await asyncio.sleep(self.token_delay)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                await run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk


def chat_model() -> BaseChatModel:
    """The configured model: REVIEW_CONSOLE_MODEL="provider:model" (needs that provider's package), else offline."""
    configured = os.environ.get("REVIEW_CONSOLE_MODEL", "").strip()
    if configured:
        from langchain.chat_models import init_chat_model

        return init_chat_model(configured)
    try:
        delay = float(os.environ.get("REVIEW_CONSOLE_TOKEN_DELAY", "0.02"))
    except ValueError:
        delay = 0.02
    if instant_tokens.get():
        delay = 0.0
    return OfflineWriter(token_delay=delay)


async def write(prompt: str) -> str:
    """Ask the model and return its text; tokens stream to any listener (astream_events)."""
    parts = [str(chunk.content) async for chunk in chat_model().astream(prompt)]
    return "".join(parts).strip()
