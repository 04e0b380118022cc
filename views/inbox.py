"""Inbox: the threads waiting for a reviewer; choose one to open it."""

import time

import streamlit as st

from console.inbox import SORTS, InboxQuery
from console.threads import PAUSE_WORDS
from console.wording import any_step_label, workflow_title
from ui import bulk, cached, columns, keys, queue, runtime
from ui.text import inert, visible

AGES = {"any time": None, "1 hour": 3600, "1 day": 86400, "1 week": 7 * 86400}

app = runtime.console()
reviewer = runtime.reviewer()
st.title("Inbox")

# The filters a reviewer rarely changes are drawn only while "More filters" is open: every element is
# sent on every run (~0.2 ms each, and a wake-up of the event loop), so closed, they cost nothing.
# Their values still apply, and a caption names those in use.
MORE_FILTERS = {"kinds": ("Kind of pause", []), "nodes": ("Waiting at", []), "min_age": ("Waiting at least", "any time"),
                "page_size": ("Rows per page", 50)}

with runtime.plain_errors():
    choices = cached.filter_choices(app)
    # Titles and step names on screen; the query keeps the ids the index holds. Every filter is kept for the session.
    # Horizontal boxes, not st.columns: a row of columns is one block per column, each a message of its own.
    with st.container(horizontal=True, vertical_alignment="bottom", key="inbox-filters"):
        workflows = st.multiselect("Workflow", choices["workflows"], format_func=lambda w: visible(workflow_title(w, app.registry)),
                                   key=queue.remembered("workflows", [], choices["workflows"]))
        # A LangGraph Server searches threads by id or metadata only, not by the words of a preview.
        hint = "A thread id, or key=value of its metadata" if app.settings.server_url else "Words in the preview, or a thread id"
        search = st.text_input("Search", placeholder=hint, key=queue.remembered("search", ""))
        sort = st.selectbox("Sort by", list(SORTS), key=queue.remembered("sort", "waiting time", list(SORTS)), width=170)
    with st.container(horizontal=True, vertical_alignment="center", key="inbox-modes"):
        oldest_first = st.toggle("Oldest first", key=queue.remembered("oldest_first", True))
        mine = st.toggle("Only mine", key=queue.remembered("mine", False), disabled=reviewer is None,
                         help="Threads you are on, or that an administrator assigned to you.")
        st.toggle("Select several to approve", key=keys.INBOX_BULK)
    more = st.expander("More filters: kind of pause, waiting at, waiting at least, rows per page",
                       key=queue.remembered("more_filters", False), on_change="rerun")
    options = {"kinds": choices["kinds"], "nodes": choices["nodes"], "min_age": list(AGES), "page_size": [25, 50, 100]}
    if more.open:
        with more, st.container(horizontal=True, key="inbox-more-filters"):
            kinds = st.multiselect("Kind of pause", options["kinds"], format_func=lambda k: visible(PAUSE_WORDS.get(k, k)),
                                   key=queue.remembered("kinds", [], options["kinds"]))
            nodes = st.multiselect("Waiting at", options["nodes"], format_func=lambda n: visible(any_step_label(n, app.registry)),
                                   key=queue.remembered("nodes", [], options["nodes"]))
            min_age = st.selectbox("Waiting at least", options["min_age"], key=queue.remembered("min_age", "any time", options["min_age"]),
                                   width=150)
            page_size = st.selectbox("Rows per page", options["page_size"], key=queue.remembered("page_size", 50, options["page_size"]),
                                     width=120)
    else:
        kept = {name: queue.kept(name, default, options[name]) for name, (_, default) in MORE_FILTERS.items()}
        kinds, nodes, min_age, page_size = kept.values()
        in_use = [label for name, (label, default) in MORE_FILTERS.items() if kept[name] != default]
        if in_use:
            st.caption(inert("Set under More filters: " + ", ".join(in_use) + "."))  # our labels, inert all the same
    query = InboxQuery(workflows=tuple(workflows), nodes=tuple(nodes), kinds=tuple(kinds), min_age_s=AGES[min_age],
                       search=search, sort=sort, oldest_first=oldest_first, page_size=page_size,
                       mine=reviewer.name if mine and reviewer else "")
    queue.remember(query)


INBOX_WIDTHS = {"workflow": 170, "thread_id": 90, "waiting at": 120, "kind of pause": 125, "waiting for": 80,
                "due": 80, "on it": 70, "preview": "large"}

# Below this many changed threads not yet indexed, the index is simply keeping up.
BACKLOG_NOTE = 50


def waiting_threads(query: InboxQuery, version: tuple) -> None:
    """The list of waiting threads: one page of it, a row opens its thread (or rows are ticked to approve)."""
    backlog = cached.index_backlog(app, version)
    if backlog > BACKLOG_NOTE:
        st.info(inert(f"Indexing about {backlog:,} threads of this database… The list may be incomplete until this "
                      "finishes; it fills in by itself."))
    bulk.results()  # the last bulk approval's summary, even when it emptied the list
    page_no = st.session_state.get(keys.INBOX_PAGE_NO, 1)
    shown = cached.shown_inbox(app, InboxQuery(**{**query.__dict__, "page": page_no}), version)
    page = shown.page
    if page.total == 0:
        st.info("No thread is waiting for a reviewer" + (" with these filters." if query != InboxQuery(page_size=query.page_size) else "."))
        return
    how = "tick the rows to approve together" if st.session_state.get(keys.INBOX_BULK) else "choose a row to open the thread"
    read = f" · read from the server {time.time() - page.read_at:.0f} s ago" if page.read_at else ""
    st.caption(inert(f"{page.total} waiting · page {page.page} of {page.pages}{read} · {how}"))
    data = cached.shown_with_holders(app, shown)  # the shared table, plus who is on each row
    table = dict(
        data=data,
        hide_index=True,
        width="stretch",
        # "thread_id" reads "Thread"; the short columns narrow, so that the preview is in view on a laptop.
        column_config=columns.config(data, widths=INBOX_WIDTHS),
        column_order=columns.shown(["workflow", "thread_id", "waiting at", "kind of pause", "waiting for", "due", "on it",
                                    "preview"], data, drop_when_empty=("waiting at",)),  # long text last
    )
    if st.session_state.get(keys.INBOX_BULK):
        bulk.select_and_approve(app, page.rows, table, reviewer)
        return
    event = st.dataframe(**table, key=keys.INBOX_TABLE, on_select="rerun", selection_mode="single-row")
    if event.selection.rows:
        thread_id = page.rows.iloc[event.selection.rows[0]]["thread_id"]
        st.switch_page(keys.THREAD_PAGE, query_params={keys.THREAD_ID: thread_id})
    if page.pages > 1:
        st.number_input("Page", min_value=1, max_value=page.pages, step=1, key=keys.INBOX_PAGE_NO)


def not_listed_note(version: tuple) -> None:
    """Threads neither waiting, finished nor failed are not rows here, but are never hidden silently."""
    by_status = cached.status_totals(app, version)
    notes = []
    if by_status.get("running"):
        notes.append(f"{by_status['running']} being answered right now")
    if by_status.get("unknown"):
        notes.append(f"{by_status['unknown']} of a workflow this console does not know")
    if by_status.get("unreadable"):
        notes.append(f"{by_status['unreadable']} that cannot be read")
    if notes:
        st.caption(inert("Not listed: " + "; ".join(notes) + ". The server log has the details."))


def other_threads(version: tuple) -> None:
    """Failed threads, apart from the waiting ones."""
    not_listed_note(version)
    shown = cached.shown_inbox(app, InboxQuery(status="failed", page_size=100, oldest_first=False), version,
                               drop=("since", "kind of pause"), rename=(("waiting at", "stopped at"),))
    failed = shown.page
    if not failed.total:
        return
    st.subheader("Stopped with an error")
    st.caption(inert("These threads are not waiting for a decision: a step raised an error. Open one to see it and retry."
                     + (f" The {len(failed.rows)} most recent of {failed.total} are shown." if failed.total > len(failed.rows) else "")))
    event = st.dataframe(shown.table, key=keys.FAILED_TABLE, column_config=columns.config(shown.table),
                         on_select="rerun", selection_mode="single-row", hide_index=True, width="stretch")
    if event.selection.rows:
        st.switch_page(keys.THREAD_PAGE, query_params={keys.THREAD_ID: failed.rows.iloc[event.selection.rows[0]]["thread_id"]})


# One fragment for both lists, not one each: each fragment is a block, a timer and a run of its own
# (with 20 sessions, every run counts); the failed list now refreshes every 5 s, as the waiting one.
@st.fragment(run_every=5)
def threads() -> None:
    """Refreshes itself every few seconds without touching the filters above."""
    # The query the filters above made (queue.remember), read here rather than passed in: Streamlit
    # deep-copies a fragment's arguments at every run.
    query = st.session_state[keys.INBOX_QUERY]
    version = None
    with runtime.plain_errors():
        version = app.index_version()  # one cheap check; the reads below are shared by every session
        waiting_threads(query, version)
    if version is not None:
        with runtime.plain_errors():
            other_threads(version)


threads()
