"""The one console per process, the reviewer's identity, and plain-sentence error handling."""

from __future__ import annotations

import atexit
import contextlib
import logging
import base64
import threading
from pathlib import Path
from urllib.parse import unquote

import streamlit as st

from console.decisions import Reviewer
from console.errors import ConsoleError
from console.backend import ConsoleBackend
from console.service import Console
from console.settings import Settings, load_settings
from ui import keys
from ui.text import inert, visible

log = logging.getLogger("review_console")

NAME_CHARS = 80
# The demo name is kept in a cookie so that a deep link or a reload still knows it: Streamlit reads
# cookies on the first run of a session (st.context.cookies), so the field is filled at once, and
# writes them with nothing but its own components API. The name goes in as data, never as code.
# The component is drawn only until the browser says it kept the name (the "kept" trigger): while it
# is on the page, Streamlit builds a class for its state at every session-state read (a selectbox
# reads it all), which was ~3.5 ms of CPU on every inbox run (profile, 1.67).
_KEEP_NAME_JS = """
export default function ({ data, setTriggerValue }) {
  const name = data && typeof data.name === "string" ? data.name : "";
  const where = "; path=/; SameSite=Strict" + (window.location.protocol === "https:" ? "; Secure" : "");
  document.cookie = name
    ? `${data.cookie}=${encodeURIComponent(name)}${where}; max-age=${data.max_age}`
    : `${data.cookie}=${where}; max-age=0`;
  setTriggerValue("kept", name);
}
"""
_keep_name = st.components.v2.component("review_console_keep_name", js=_KEEP_NAME_JS)
KEEP_NAME_S = 180 * 86400
# The page icon as a data URL, read once per process: given the file's path, st.set_page_config read, searched and
# base64-encoded it on every rerun (~0.25 ms of each page's frame, bench/activity.py --profile). A file shipped
# here, not a material icon name, which is fetched from a font host and fails offline.
PAGE_ICON = "data:image/svg+xml;base64," + base64.b64encode((Path(__file__).parent / "favicon.svg").read_bytes()).decode()


# The console lives as long as the process, in a plain module-level holder, never in
# st.cache_resource: any websocket client may send BackMsg(clear_cache=True), which Streamlit honours
# whatever toolbarMode says, and a cleared cache_resource runs its on_release, which would close the
# bridge under every run in flight. One console per Settings, so tests with other settings get their
# own. Closed at interpreter exit (atexit), when no script run is left to strand.
_consoles: dict[Settings, ConsoleBackend] = {}
_consoles_lock = threading.Lock()


def _backend(settings: Settings) -> ConsoleBackend:
    """The local saver's console, or, with REVIEW_CONSOLE_SERVER set, the LangGraph Server's."""
    if settings.server_url:
        from console.server.service import ServerConsole
        return ServerConsole(settings)
    return Console(settings)


def _open_console(settings: Settings) -> ConsoleBackend:
    console_ = _consoles.get(settings)
    if console_ is not None:
        return console_
    with _consoles_lock:  # two first visitors at once must not open two consoles on one database
        if settings not in _consoles:
            with st.spinner("Connecting to the LangGraph Server…" if settings.server_url else "Opening the checkpoint database…"):
                _consoles[settings] = _backend(settings)  # a failure is not kept: the next visit tries again
        return _consoles[settings]


@atexit.register
def close_consoles() -> None:
    """Close every console of this process: at exit, and between tests (tests/conftest.py)."""
    with _consoles_lock:
        opened = list(_consoles.values())
        _consoles.clear()
    for console_ in opened:
        console_.close()


def console() -> ConsoleBackend:
    """The process-wide console; shows a plain message and stops the page when it cannot open."""
    settings = load_settings()
    try:
        return _open_console(settings)
    except ConsoleError as exc:
        st.error(inert(exc))
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
    name = _typed_name().strip()
    return Reviewer(name=name[:NAME_CHARS], verified=False) if name else None


def _typed_name() -> str:
    """Demo mode's name: as typed in this session, else as this browser remembers it."""
    if keys.REVIEWER_NAME not in st.session_state:  # a new session (a reload, a deep link): before the field exists
        remembered = unquote(st.context.cookies.get(keys.REVIEWER_COOKIE) or "")
        st.session_state[keys.REVIEWER_NAME] = " ".join(remembered.split())[:NAME_CHARS]
        st.session_state.setdefault(keys.NAME_KEPT, st.session_state[keys.REVIEWER_NAME])  # what the browser holds
    return st.session_state.get(keys.REVIEWER_NAME) or ""


def identity_sidebar() -> None:
    """The sign-in part of the sidebar, for the configured mode."""
    mode = load_settings().auth_mode
    if mode == "oidc":
        if st.user.is_logged_in:
            st.text(visible(f"Signed in as {st.user.get('email') or st.user.get('name')}"))  # text: claims are not Markdown
            st.button("Sign out", on_click=st.logout, key="sign-out")
        else:
            st.button("Sign in", on_click=st.login, type="primary", key="sign-in")
        return
    if mode == "proxy":
        who = reviewer()
        if who is None:
            st.error("No signed-in user was passed by the sign-in proxy. Open the console through your company's sign-in.")
        else:
            st.text(visible(f"Signed in as {who.name}"))  # text, not Markdown: a header value must not render as a link
        return
    _typed_name()
    st.text_input(
        "Your name",
        key=keys.REVIEWER_NAME,
        persist_state="session",  # else st.switch_page (tour, inbox row) drops the name typed on the last page
        placeholder="Shown on every decision you make",
        help="Demo mode has no sign-in: the name you type is recorded on your decisions, marked as unverified. "
             "This browser remembers it until you clear the field.",
    )
    who = reviewer()
    name = who.name if who else ""
    if st.session_state.get(keys.NAME_KEPT) != name:  # typed or cleared in this session: the browser keeps it
        _keep_name(data={"cookie": keys.REVIEWER_COOKIE, "name": name, "max_age": KEEP_NAME_S},
                   key=keys.KEEP_NAME, height=0, on_kept_change=_name_kept)
    if who is None:
        st.caption("Enter your name to approve, reject or edit.")
    else:
        st.caption("Demo mode: your name is not verified. This browser remembers it.")


def _name_kept() -> None:
    """The browser wrote the cookie (the component's "kept" trigger): stop drawing the component."""
    kept = (st.session_state.get(keys.KEEP_NAME) or {}).get("kept")
    if isinstance(kept, str):
        st.session_state[keys.NAME_KEPT] = kept


@contextlib.contextmanager
def plain_errors():
    """Show console errors as the sentence they carry, anything else as a generic sentence."""
    try:
        yield
    except ConsoleError as exc:
        st.error(inert(exc))
    except Exception:
        log.exception("unexpected error on a page")
        st.error("Something went wrong. Nothing was changed by this attempt. The details are in the server log.")
