"""The one console per process, the reviewer's identity, and plain-sentence error handling."""

from __future__ import annotations

import contextlib
import logging
import os

import streamlit as st

from console.decisions import Reviewer
from console.errors import ConsoleError
from console.service import Console
from console.settings import load_settings
from ui import keys

log = logging.getLogger("review_console")


def _release(console: Console) -> None:
    console.close()


@st.cache_resource(show_spinner="Opening the checkpoint database…", on_release=_release)
def _open_console(db_path: str, workflows: str) -> Console:
    return Console(load_settings())


def _through_the_router() -> None:
    """Until some run of the router has called st.navigation, Streamlit treats pages/ as its old
    pages folder: a first visit after a server start through a deep link (/thread?thread_id=…)
    runs pages/thread.py alone, with no "Your name" field and file names as the menu, and every
    later visitor gets the same until someone opens the root URL. Leave that mode and run again."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets
        st.rerun()


def console() -> Console:
    """The process-wide console; shows a plain message and stops the page when it cannot open."""
    _through_the_router()
    settings = load_settings()
    try:
        return _open_console(str(settings.db_path), os.environ.get("REVIEW_CONSOLE_WORKFLOWS", ""))
    except ConsoleError as exc:
        st.error(str(exc))
    except Exception:
        log.exception("the console could not start")
        st.error("The console could not start. The details are in the server log.")
    st.stop()


def reviewer() -> Reviewer | None:
    """Who is deciding. Sign-in replaces this later; until then, a typed, unverified name."""
    name = (st.session_state.get(keys.REVIEWER_NAME) or "").strip()
    return Reviewer(name=name[:80], verified=False) if name else None


@contextlib.contextmanager
def plain_errors():
    """Show console errors as the sentence they carry, anything else as a generic sentence."""
    try:
        yield
    except ConsoleError as exc:
        st.error(str(exc))
    except Exception:
        log.exception("unexpected error on a page")
        st.error("Something went wrong. Nothing was changed by this attempt. The details are in the server log.")
