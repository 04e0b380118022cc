"""Every query-param name, session-state key and widget key prefix, in one place."""

# Query parameters
THREAD_ID = "thread_id"

# Page files (st.navigation / st.switch_page targets) and their URL paths
INBOX_PAGE = "views/inbox.py"
THREAD_PAGE = "views/thread.py"
START_PAGE = "views/start.py"
ACTIVITY_PAGE = "views/activity.py"
TOUR_PAGE = "views/tour.py"

# Session state
REVIEWER_NAME = "reviewer_name"
REVIEWER_COOKIE = "review_console_name"  # demo mode: the typed name, kept by the browser across page loads
NAME_KEPT = "reviewer_name_kept"  # the name this browser's cookie holds, as far as this session knows
KEEP_NAME = "keep-name"  # the cookie-writing component's key
PENDING_DECISION = "pending_decision"  # set by a submit callback, applied by the page body
CONFIRM_DECISION = "confirm_decision"  # a decision the reviewer still confirms (an edit's changes, a guessed shape)
LAST_OUTCOME = "last_outcome"  # {thread_id: Outcome}, shown once above the thread
INBOX_TABLE = "inbox_table"
INBOX_OPEN = "inbox_open_thread"
INBOX_PAGE_NO = "inbox_page_no"
FAILED_TABLE = "failed_table"
START_RESULT = "start_result"
LOAD_LARGE = "load_large_thread"  # the thread id a reviewer chose to open despite its size


def action_key(thread_id: str, interrupt_id: str | None, action: str) -> str:
    return f"act:{thread_id}:{interrupt_id or 'static'}:{action}"


def field_key(thread_id: str, interrupt_id: str | None, action: str, field: str) -> str:
    return f"{action_key(thread_id, interrupt_id, action)}:{field}"


def choice_key(thread_id: str, interrupt_id: str | None) -> str:
    return f"choice:{thread_id}:{interrupt_id or 'static'}"


def item_choice_key(thread_id: str, interrupt_id: str | None, item: int) -> str:
    return f"{choice_key(thread_id, interrupt_id)}:item{item}"


def item_field_key(thread_id: str, interrupt_id: str | None, item: int, action: str, field: str) -> str:
    return f"{action_key(thread_id, interrupt_id, f'item{item}:{action}')}:{field}"


def send_key(thread_id: str, interrupt_id: str | None, what: str) -> str:
    return f"send:{thread_id}:{interrupt_id or 'static'}:{what}"


def confirm_key(thread_id: str, where: str | None, what: str) -> str:
    return f"confirm:{thread_id}:{where or 'static'}:{what}"


# The guided tour (views/tour.py)
TOUR_CONFIRM_RESET = "tour_confirm_reset"  # the reset's confirmation is showing
TOUR_RESET_RESULT = "tour_reset_result"  # the last reset's ResetResult, shown once


def tour_key(step_key: str) -> str:
    return f"tour:{step_key}"


# Working through the queue (ui/queue.py, ui/comments.py, ui/bulk.py)
INBOX_FILTERS = "inbox_filters"  # {filter name: value}: the inbox's filters and sort, kept for the session
INBOX_QUERY = "inbox_query"  # the InboxQuery the inbox last showed: "Next waiting thread" follows it
QUEUE_CURSOR = "queue_cursor"  # (thread id, sort, position): where the open thread stood in that order
QUEUE_NOTE = "queue_note"  # a sentence shown once on the thread page (the queue's end, a claim refused)
INBOX_BULK = "inbox_bulk_mode"  # the inbox's "select several to approve" toggle
INBOX_BULK_TABLE = "inbox_bulk_table"
BULK_PLAN = "bulk_plan"  # the selected threads as checked (console.bulk.BulkItem), before the reviewer confirms
BULK_RESULTS = "bulk_results"  # the last bulk approval's results, shown once
COMMENT_BOX = "comment_box"


def inbox_filter_key(name: str) -> str:
    return f"inbox-filter:{name}"


def bulk_table_key(generation: int) -> str:
    """The bulk table's key: a new one after each approval, so the old ticks (now other rows) are gone."""
    return f"{INBOX_BULK_TABLE}:{generation}"


# Time travel (ui/history.py)
PENDING_REOPEN = "pending_reopen"  # a ReopenRequest set by the confirm button's callback, applied by the page body


def reopen_key(thread_id: str, what: str) -> str:
    return f"reopen:{thread_id}:{what}"
