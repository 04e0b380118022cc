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
    later visitor gets the same until someone opens the root URL. Leave that mode and run again,
    once per session: a later rerun (AppTest runs pages this way) must keep its button clicks."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get(keys.ROUTED):
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets
        st.rerun()


def console() -> Console:
    """The process-wide console; shows a plain message and stops the page when it cannot open."""
    _through_the_router()
    settings = load_settings()
    try:
        return _open_console(settings.database_url or str(settings.db_path), os.environ.get("REVIEW_CONSOLE_WORKFLOWS", ""))
    except ConsoleError as exc:
        st.error(str(exc))
    except Exception:
        log.exception("the console could not start")
        st.error("The console could not start. The details are in the server log.")
    st.stop()


def reviewer() -> Reviewer | None:
    """Who is deciding, in one place: the sign-in mode decides where the identity comes from."""
    settings = load_settings()
    if settings.auth_mode == "oidc":
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email")
        groups = st.user.get("groups") or ()
        return Reviewer(name=email or st.user.get("name") or "signed-in user", verified=True, email=email,
                        groups=tuple(groups) if isinstance(groups, (list, tuple)) else (str(groups),))
    if settings.auth_mode == "proxy":
        # Only trustworthy because the console listens where only the proxy can reach it (README).
        email = (st.context.headers.get(settings.proxy_header) or "").strip()
        return Reviewer(name=email, verified=True, email=email) if email else None
    name = (st.session_state.get(keys.REVIEWER_NAME) or "").strip()
    return Reviewer(name=name[:80], verified=False) if name else None


def identity_sidebar() -> None:
    """The sign-in part of the sidebar, for the configured mode."""
    mode = load_settings().auth_mode
    if mode == "oidc":
        if st.user.is_logged_in:
            st.text(f"Signed in as {st.user.get('email') or st.user.get('name')}")  # text: claims are not Markdown
            st.button("Sign out", on_click=st.logout, key="sign-out")
        else:
            st.button("Sign in", on_click=st.login, type="primary", key="sign-in")
        return
    if mode == "proxy":
        who = reviewer()
        if who is None:
            st.error("No signed-in user was passed by the sign-in proxy. Open the console through your company's sign-in.")
        else:
            st.text(f"Signed in as {who.name}")  # text, not Markdown: a header value must not render as a link
        return
    st.text_input(
        "Your name",
        key=keys.REVIEWER_NAME,
        persist_state="session",  # else st.switch_page (tour, inbox row) drops the name typed on the last page
        placeholder="Shown on every decision you make",
        help="Demo mode has no sign-in: the name you type is recorded on your decisions, marked as unverified.",
    )
    if reviewer() is None:
        st.caption("Enter your name to approve, reject or edit.")
    else:
        st.caption("Demo mode: your name is not verified.")


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
