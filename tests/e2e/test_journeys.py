"""Every reviewer journey, in a real browser against `streamlit run` of the real app, on both backends.

Each journey runs twice: on the local store (`local`) and with REVIEW_CONSOLE_SERVER set on a real `langgraph dev`
(`server`; tests/e2e/server_mode.py seeds twins of the demo threads there). A journey knows its threads by their
local ids and asks the backend for the real one (`backend.id`). Each asserts what the reviewer sees, and one
thing that must not happen. Where the server shows other words, it is a pause before or after a step (the server
does not say which: the README's "Review a LangGraph Server's threads").
"""

import re
import uuid

import pytest

from tests.e2e.conftest import pick
from ui.keys import INBOX_TABLE
from workflows.content_approval import SPEC as CONTENT_APPROVAL

pytestmark = pytest.mark.e2e


@pytest.fixture
def reviewer(backend_reviewer):
    """This module's reviewer is on the parametrised backend (conftest: `backend`)."""
    return backend_reviewer


def inbox_table(reviewer):
    """The waiting threads' table (not the failed threads' below it, which other journeys' threads may fill)."""
    return reviewer.main().locator(f".st-key-{INBOX_TABLE}").get_by_test_id("stDataFrame")


def heading(reviewer, title):
    return reviewer.main().get_by_role("heading", name=title, level=1)


def open_thread(reviewer, thread_id, title, sign_in=True):
    reviewer.goto(f"/thread?thread_id={thread_id}")
    reviewer.show(heading(reviewer, title))
    reviewer.see(f"Thread {thread_id}", exact=True)
    if sign_in:
        reviewer.sign_in()
        reviewer.expect(reviewer.main().get_by_text("Enter your name in the sidebar to decide.")).to_have_count(0)


def final_text(reviewer):
    """The "Final text" box of a finished thread."""
    reviewer.see("Final text", exact=True)
    return reviewer.main().locator(".st-key-final-text").get_by_test_id("stText")


def draft(reviewer):
    """The draft the pending question shows (not the streamed text in the progress box)."""
    return reviewer.main().locator("[class*='st-key-draft-']").get_by_test_id("stText")


def search_inbox(reviewer, words):
    search = reviewer.main().get_by_role("textbox", name="Search")
    search.fill(words)
    search.press("Enter")


def find_in_inbox(reviewer, thread_id):
    """Search the inbox for one thread id and expect exactly that row."""
    reviewer.navigate("Inbox")
    search_inbox(reviewer, thread_id)
    reviewer.see("1 waiting · page 1 of 1")
    table = inbox_table(reviewer)
    assert reviewer.grid_rows(table, 1)[0][1] == thread_id
    return table


def assert_not_in_inbox(reviewer, thread_id):
    """Answered threads leave the inbox: search for the id and find nothing."""
    reviewer.navigate("Inbox")
    search_inbox(reviewer, thread_id)
    reviewer.see("No thread is waiting for a reviewer with these filters.")
    reviewer.expect(inbox_table(reviewer)).to_have_count(0)


def topic_box(reviewer):
    """The Start form's topic: "Topic of the post" from the local workflow, "Topic" from a server's input schema."""
    return reviewer.main().get_by_role("textbox", name=re.compile(r"^Topic"))


def start_content_approval(reviewer, topic: str) -> tuple[str, str]:
    """Start a content approval under a new id (a UUID: a server takes no other) → (thread id, topic as typed)."""
    thread_id = str(uuid.uuid4())
    reviewer.goto("/start")
    reviewer.show(heading(reviewer, "Start a workflow"))
    reviewer.sign_in()
    pick(reviewer, reviewer.main().get_by_role("combobox", name="Workflow"), "Content approval")
    # The choice reruns the page and draws that workflow's form anew: type only into the new one.
    reviewer.see(CONTENT_APPROVAL.description, exact=True)
    reviewer.idle()
    topic_box(reviewer).fill(topic)
    reviewer.field("Thread id (optional)").fill(thread_id)
    typed = topic_box(reviewer).input_value()
    reviewer.submit("Start")
    reviewer.see("Started. The workflow now waits for a decision: a question at “Review”.", exact=True)
    return thread_id, typed


def test_inbox_lists_seeded_threads_and_a_row_opens_its_thread(reviewer, backend):
    from workflows.registry import DEMO_WORKFLOWS

    seeded = backend.demo_threads  # oldest first, the order they were seeded in
    reviewer.goto("/")
    reviewer.show(heading(reviewer, "Inbox"))
    # The search box says what this backend can search: a server finds threads by id or metadata, not preview words.
    hint = "A thread id, or key=value of its metadata" if backend.backend == "server" else "Words in the preview, or a thread id"
    reviewer.expect(reviewer.main().get_by_placeholder(hint, exact=True)).to_be_visible()
    search_inbox(reviewer, backend.inbox_search)
    reviewer.see(f"{len(seeded)} waiting · page 1 of 1")
    table = inbox_table(reviewer)
    rows = reviewer.grid_rows(table)
    assert len(rows) >= min(len(seeded), 6), rows
    titles = {spec.name: spec.title for spec in DEMO_WORKFLOWS}  # reviewers read titles, never workflow ids
    assert [tuple(row[:2]) for row in rows] == [(titles[workflow], thread_id) for thread_id, workflow, _ in seeded[:len(rows)]]
    kind = 3 if backend.backend == "local" else 2  # a server's search names no step: no "Waiting at" column there
    assert {row[kind] for row in rows} >= backend.pause_kinds
    reviewer.screenshot("inbox")

    thread_id, workflow, _ = seeded[3]
    reviewer.click_row(table, 3)
    reviewer.show(heading(reviewer, next(spec.title for spec in DEMO_WORKFLOWS if spec.name == workflow)))
    reviewer.see(f"Thread {thread_id}", exact=True)
    assert reviewer.page.url.endswith(f"/thread?thread_id={thread_id}")
    reviewer.no_exception()


def test_deep_link_opens_a_thread_and_an_unknown_id_gets_a_plain_message(reviewer, fresh_backend):
    reviewer.server = fresh_backend  # a link followed as the very first visit after a server start
    open_thread(reviewer, fresh_backend.id("demo-0002"), "Content approval", sign_in=False)
    reviewer.expect(reviewer.sidebar().get_by_role("textbox", name="Your name")).to_be_visible()
    reviewer.expect(reviewer.sidebar().get_by_role("link", name="Start a workflow")).to_be_visible()
    reviewer.see("Please review this post before it is published.", exact=True)
    reviewer.expect(draft(reviewer)).to_contain_text("our spring opening hours: here is what you need to know.")
    reviewer.expect(reviewer.button("Approve")).to_be_disabled()  # no name typed yet
    reviewer.no_exception()

    for unknown in ("no-such-thread", str(uuid.uuid4())):  # a server's ids are UUIDs: one of each
        reviewer.goto(f"/thread?thread_id={unknown}")
        reviewer.show(heading(reviewer, "Thread"))
        alert = reviewer.main().get_by_test_id("stAlert")
        reviewer.expect(alert).to_contain_text(f"There is no thread “{unknown}”")  # a server adds "on the LangGraph Server"
        reviewer.expect(alert).to_contain_text("It may have been deleted, or the link is mistyped.")
        reviewer.expect(reviewer.main().get_by_role("link", name="Back to the inbox")).to_be_visible()
        reviewer.no_exception()


def test_approve(reviewer, backend):
    thread_id = backend.id("e2e-approve")
    open_thread(reviewer, thread_id, "Content approval")
    reviewer.submit("Approve")
    reviewer.see("Done. The workflow finished (published).", exact=True)
    reviewer.see("Finished", exact=True)
    reviewer.expect(final_text(reviewer)).to_contain_text("the approve journey: here is what you need to know.")
    reviewer.expect(reviewer.button("Approve")).to_have_count(0)
    reviewer.no_exception()
    assert_not_in_inbox(reviewer, thread_id)


def test_reject_needs_a_reason(reviewer, backend):
    thread_id = backend.id("e2e-reject")
    open_thread(reviewer, thread_id, "Content approval")
    reviewer.choose("Reject")
    reviewer.submit("Reject")
    reviewer.see("Please fill in “Reason for rejecting”")
    reviewer.screenshot("reject-without-a-reason")
    reviewer.see("Waiting for a reviewer · asks a question at “Review”", exact=True)  # nothing applied

    reviewer.field("Reason for rejecting").fill("The tone is wrong for our readers.")
    reviewer.submit("Reject")
    reviewer.see("Done. The workflow finished (rejected).", exact=True)
    reviewer.expect(reviewer.main().get_by_test_id("stJson").first).to_contain_text("The tone is wrong for our readers.")
    reviewer.no_exception()
    assert_not_in_inbox(reviewer, thread_id)


def test_edit_the_draft_then_approve(reviewer, backend):
    edited, thread_id = "Open 9 to 5, every day. Edited in the browser.", backend.id("e2e-edit")
    open_thread(reviewer, thread_id, "Content approval")
    reviewer.choose("Edit")
    box = reviewer.field("Edited draft")
    reviewer.expect(box).to_have_value("the edit journey: here is what you need to know. "
                                       "We are pleased to share an update on the edit journey. "
                                       "It is available to everyone from today, and we would love to hear what you think.")
    box.fill(edited)
    reviewer.submit("Approve edited version")
    reviewer.see("Check before sending", exact=True)  # the edit's changes, before anything is sent
    reviewer.submit("Confirm and send")
    reviewer.see("Done. The workflow finished (published).", exact=True)
    reviewer.expect(final_text(reviewer)).to_have_text(edited)
    reviewer.no_exception()
    assert_not_in_inbox(reviewer, thread_id)


# What the gate journey reads at each pause: a server says neither "after" nor "before", only where it stands.
GATE_WORDS = {
    "local": ("Waiting for a reviewer · paused after a step; next step: “Polish article”",
              "The workflow paused after “Draft article”",
              "Continued. The workflow now waits for your next decision: a check before “Publish article” runs.",
              "Waiting for a reviewer · paused before “Publish article” runs"),
    "server": ("Waiting for a reviewer · paused at “Polish article”",
               "The workflow paused at “Polish article”",
               "Continued. The workflow now waits for your next decision: a check at “Publish article”.",
               "Waiting for a reviewer · paused at “Publish article”"),
}


def test_static_pause_continue_then_edit_state_and_continue(reviewer, backend):
    edited, thread_id = "Final words, edited at the gate.", backend.id("e2e-gate")
    first_header, first_pause, continued, second_header = GATE_WORDS[backend.backend]
    open_thread(reviewer, thread_id, "Gated publication")
    reviewer.see(first_header, exact=True)
    reviewer.see(first_pause, exact=True)
    reviewer.submit("Continue")
    reviewer.see(continued, exact=True)
    reviewer.see(second_header, exact=True)

    reviewer.choose("Edit state then continue")
    draft = reviewer.field("draft")
    reviewer.expect(draft).to_have_value(
        "the gate journey: here is what you need to know. We are pleased to share an update on the gate journey. "
        "It is available to everyone from today, and we would love to hear what you think. Thank you for reading.")
    draft.fill(edited)
    reviewer.submit("Save changes and continue")
    reviewer.submit("Confirm and send")
    reviewer.see("Done. The workflow finished (published).", exact=True)
    reviewer.expect(final_text(reviewer)).to_have_text(edited)
    reviewer.no_exception()
    assert_not_in_inbox(reviewer, thread_id)


def test_two_stage_review_both_steps_in_order(reviewer, backend):
    thread_id = backend.id("e2e-two-stage")
    open_thread(reviewer, thread_id, "Two-stage review")
    reviewer.see("Step 1 of 2", exact=True)
    reviewer.expect(reviewer.main().get_by_text("Step 2 of 2", exact=True)).to_have_count(0)
    reviewer.choose("Request changes")
    reviewer.field("What should change?").fill("Add the date")
    reviewer.submit("Request changes")
    reviewer.see("Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”.", exact=True)
    reviewer.see("Step 2 of 2", exact=True)
    reviewer.expect(draft(reviewer)).to_contain_text("(Revised as asked: Add the date)")
    reviewer.expect(reviewer.main().get_by_text("Step 1 of 2", exact=True)).to_have_count(0)

    reviewer.submit("Approve")
    reviewer.see("Done. The workflow finished (published).", exact=True)
    reviewer.expect(final_text(reviewer)).to_contain_text("(Revised as asked: Add the date)")
    reviewer.no_exception()
    assert_not_in_inbox(reviewer, thread_id)


def test_start_a_thread_and_find_it_in_the_inbox(reviewer):
    thread_id, _ = start_content_approval(reviewer, "a charity run")
    reviewer.expect(reviewer.main().get_by_role("link", name=f"Open thread {thread_id}")).to_be_visible()

    table = find_in_inbox(reviewer, thread_id)
    reviewer.click_row(table, 0)
    reviewer.show(heading(reviewer, "Content approval"))
    reviewer.see(f"Thread {thread_id}", exact=True)
    reviewer.expect(draft(reviewer)).to_contain_text("a charity run: here is what you need to know.")
    reviewer.no_exception()


# Installed before a click: notes when the run's progress and its final message first appear,
# and every text the token stream shows in between, so the order is checked, not guessed.
WATCH_PROGRESS = """(finalMessage) => {
  const seen = window.__progress = {stepsAt: null, finalAt: null, tokens: []};
  const t0 = performance.now();
  const look = () => {
    const now = performance.now() - t0;
    const main = document.querySelector('[data-testid=stMain]');
    if (!main) return;
    for (const box of main.querySelectorAll('[data-testid=stExpander]')) {
      for (const el of box.querySelectorAll('[data-testid=stText]')) {
        const text = el.textContent;
        if (text.includes('\u25b6 Review started')) { if (seen.stepsAt === null) seen.stepsAt = now; continue; }
        if (!text || text.includes('\u2714') || seen.finalAt !== null) continue;
        if (seen.tokens[seen.tokens.length - 1] !== text) seen.tokens.push(text);
      }
    }
    const alerts = Array.from(main.querySelectorAll('[data-testid=stAlert]'));
    if (seen.finalAt === null && alerts.some(a => a.textContent.includes(finalMessage))) seen.finalAt = now;
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def test_live_progress_of_a_resumed_run_shows_before_its_result(reviewer, backend):
    final_message = "Answered. The workflow now waits for your next decision: step 2 of 2, at “Review”."
    # On the server, a twin whose model streams its revision over time (the test server's others are instant).
    open_thread(reviewer, backend.id("e2e-progress"), "Two-stage review")
    reviewer.choose("Request changes")
    reviewer.field("What should change?").fill("Mention the opening party")
    reviewer.page.evaluate(WATCH_PROGRESS, final_message)
    reviewer.submit("Request changes")

    progress = reviewer.main().get_by_test_id("stExpander").first
    reviewer.expect(progress).to_contain_text("▶ Review started")
    reviewer.see(final_message, exact=True)
    revised = draft(reviewer).inner_text()
    assert revised.endswith("(Revised as asked: Mention the opening party)")

    seen = reviewer.page.evaluate("window.__progress")
    assert seen["stepsAt"] is not None and seen["finalAt"] is not None, seen
    assert seen["stepsAt"] < seen["finalAt"], seen
    tokens = seen["tokens"]
    assert len(tokens) >= 5, f"the revision did not stream: {tokens}"  # word by word, not all at once
    assert all(later.startswith(earlier) for earlier, later in zip(tokens, tokens[1:])), tokens
    assert revised.startswith(tokens[0]) and tokens[-1].strip() == revised.strip()
    reviewer.no_exception()


def test_untrusted_text_stays_inert(reviewer, listener):
    """A topic full of markup ends up verbatim in the draft; none of it may run, load or restyle."""
    # One probe per paragraph, so that each would be parsed on its own if it ever reached Markdown.
    hostile = "\n\n".join([
        "Spring fair",
        f"![x]({listener.url}/leak.png)",
        "<script>window.__pwned = 'script'; alert('script')</script>",
        "<img src=x onerror=\"window.__pwned = 'img'; alert('img')\">",
        f"<img src=\"{listener.url}/html-image.png\">",
        "<style>button, [data-testid=stBaseButton-primaryFormSubmit] {display: none !important}</style>",
        "<a href=\"javascript:window.__pwned='anchor'\">a link</a> and [click me](javascript:window.__pwned='markdown-link')",
    ])
    thread_id, typed = start_content_approval(reviewer, hostile)
    assert typed == hostile  # every paragraph reached the form

    reviewer.main().get_by_role("link", name=f"Open thread {thread_id}").click()
    reviewer.show(heading(reviewer, "Content approval"))
    reviewer.idle()
    approve = reviewer.button("Approve")
    reviewer.expect(approve).to_be_visible()  # not hidden by the injected <style>
    reviewer.expect(approve).to_be_enabled()
    reviewer.expect(reviewer.main().locator("[class*='st-key-draft-']")).to_have_text(  # shown as typed, verbatim
        f"{hostile}: here is what you need to know. We are pleased to share an update on {hostile}. "
        "It is available to everyone from today, and we would love to hear what you think.")
    assert reviewer.page.evaluate("window.__pwned") is None
    assert listener.heard == []

    find_in_inbox(reviewer, thread_id)  # the preview column shows the same text

    assert reviewer.page.evaluate("window.__pwned") is None
    assert reviewer.dialogs == []
    assert reviewer.page.locator("a[href^='javascript:'], img[src*='leak'], img[src*='html-image']").count() == 0
    assert listener.heard == []
    # The control: this page could reach the listener, so its silence above means something.
    assert reviewer.page.evaluate("url => fetch(url, {mode: 'no-cors'}).then(() => true)", f"{listener.url}/control")
    assert listener.heard == ["/control"]
    reviewer.no_exception()
