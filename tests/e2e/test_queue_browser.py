"""Issue 16 in a real browser: working through threads with Next and the keyboard, a claim seen from another
browser, and a bulk approval with one thread changed meanwhile. Every wait is on the page's state.

Local store only: the threads are found by words in their ids (a LangGraph Server's search takes a UUID or
key=value), and one is changed meanwhile through the local store."""

import re
import shutil

import pytest

from tests.e2e.conftest import ROOT, Reviewer, running_app

pytestmark = pytest.mark.e2e

QUEUE = [f"queue-{n:02d}" for n in range(1, 21)]  # issue 16: "work through 20 threads without returning to the inbox"
CLAIMED = "claim-1"
BULK = ["bulk-1", "bulk-2", "bulk-3"]
DOCS = ROOT / "docs" / "screenshots"


def _prepare(db_path):
    from console.decisions import Reviewer as Person
    from console.service import Console
    from console.settings import Settings

    app = Console(Settings(db_path=db_path, seed_demo=False, offline_token_delay=0))
    try:
        for thread_id in QUEUE + [CLAIMED] + BULK:
            outcome = list(app.start("content_approval", f"a short post, number {thread_id.split('-')[1]}", Person("Seeder"), thread_id))[-1]
            assert outcome.status == "started", outcome.message
    finally:
        app.close()


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("e2e-queue"), own_threads=False, prepare=_prepare) as app:
        yield app


@pytest.fixture
def ann(page, queue_server, request):
    """Ann's tab; its last screen is saved when the test ends (as the suite's `reviewer` fixture does)."""
    person = Reviewer(page, queue_server)
    yield person
    try:
        person.idle(timeout_ms=5_000)
    except Exception:
        pass  # a failed test still gets its screenshot, as the screen is
    person.screenshot(request.node.originalname)


def doc_shot(person, name):
    """The screenshot the README shows, from the same screen the journey checks (settled: nothing stale)."""
    person.idle()
    path = person.screenshot(name)
    shutil.copyfile(path, DOCS / f"{name}.png")


def search(person, words):
    box = person.main().get_by_role("textbox", name="Search")
    box.fill(words)
    box.press("Enter")


def no_focus(person):
    """Keyboard shortcuts act when no text box has the cursor (typing a name must not approve)."""
    person.page.evaluate("document.activeElement && document.activeElement.blur()")


def test_work_through_the_queue_with_the_keyboard_without_going_back(ann):
    ann.goto("/")
    ann.sign_in("Ann")
    search(ann, "queue-")
    ann.see(f"{len(QUEUE)} waiting · page 1 of 1")
    ann.click_row(ann.main().get_by_test_id("stDataFrame").first, 0)
    for n, thread_id in enumerate(QUEUE):
        ann.see(f"Thread {thread_id}", exact=True)
        if n == 0:
            ann.see("Keyboard: A approves now")
            doc_shot(ann, "queue-thread")
        ann.idle()  # a key pressed while the page is still drawn is not heard by the new buttons
        ann.expect(ann.main().get_by_role("button", name=re.compile("^Approve now"))).to_be_enabled()
        no_focus(ann)
        ann.page.keyboard.press("a")  # approve
        ann.see("Done. The workflow finished (published).")
        ann.idle()
        no_focus(ann)
        ann.page.keyboard.press("n")  # next waiting thread, same filters, same order
        ann.expect(ann.main().get_by_role("heading", name="Inbox", level=1)).to_have_count(0)
    ann.see("No other thread is waiting with your inbox's filters.")
    ann.navigate("Inbox")
    ann.expect(ann.main().get_by_role("textbox", name="Search")).to_have_value("queue-")  # kept for the session
    ann.see("No thread is waiting for a reviewer with these filters.")


def test_a_claim_is_seen_from_a_second_browser(ann, browser, queue_server):
    ann.goto(f"/thread?thread_id={CLAIMED}")
    ann.sign_in("Ann")
    ann.submit("I'm on it")
    ann.see("You: Ann is on it until")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        bob = Reviewer(context.new_page(), queue_server)
        bob.goto(f"/thread?thread_id={CLAIMED}")
        bob.sign_in("Bob")
        bob.see("Ann is on it until")
        bob.expect(bob.main().get_by_role("button", name=re.compile("^I'm on it"))).to_have_count(0)
        bob.expect(bob.main().get_by_role("button", name=re.compile("^Approve now"))).to_be_enabled()  # advice only: Bob can still decide
        doc_shot(bob, "queue-claim")
        box = bob.main().get_by_role("textbox", name="Add a comment")
        box.fill("I'll leave this one to **Ann**: she knows the product.")
        bob.submit("Post comment")
        comment = bob.show(bob.main().get_by_test_id("stText").filter(
            has_text="I'll leave this one to **Ann**: she knows the product."))  # as typed: not Markdown
        bob.expect(bob.main().get_by_text("No comment yet.")).to_have_count(0)
        bob.expect(box).to_have_value("")
        bob.idle()
        comment.scroll_into_view_if_needed()
        bob.main().locator("[data-testid=stExpander]", has_text="Add a comment").screenshot(path=str(DOCS / "queue-comments.png"))
        bob.navigate("Inbox")
        search(bob, CLAIMED)
        bob.see("1 waiting · page 1 of 1")
        row = bob.grid_rows(bob.main().get_by_test_id("stDataFrame").first, 1)[0]
        assert row[1] == CLAIMED and row[5].startswith("Ann until "), row
    finally:
        context.close()
    ann.goto(f"/thread?thread_id={CLAIMED}")  # Ann's page, reloaded, shows Bob's comment
    ann.show(ann.main().get_by_test_id("stText").filter(has_text="I'll leave this one to **Ann**: she knows the product."))
    ann.show(ann.main().get_by_test_id("stText").filter(has_text="Bob (unverified) · "))


def test_bulk_approval_refuses_the_thread_changed_meanwhile_and_applies_the_others(ann, queue_server):
    from console.decisions import Reviewer as Person
    from console.service import Console
    from console.settings import Settings
    from tests.conftest import answer

    ann.goto("/")
    ann.sign_in("Ann")
    ann.main().get_by_text("Select several to approve").click()
    search(ann, "bulk-")
    ann.see(f"{len(BULK)} waiting · page 1 of 1")
    table = ann.main().get_by_test_id("stDataFrame").first
    for n in range(len(BULK)):
        ann.click_row(table, n)
        ann.show(ann.button(f"Check the {n + 1} selected"))
    ann.submit(f"Check the {len(BULK)} selected")
    ann.see(f"{len(BULK)} of {len(BULK)} can be approved here.")
    doc_shot(ann, "queue-bulk-check")
    # Meanwhile Bob, in another console process, rejects the second one.
    other = Console(Settings(db_path=queue_server.db_path, seed_demo=False, offline_token_delay=0))
    try:
        assert answer(other, BULK[1], "reject", Person("Bob"), reason="not now").status == "applied"
    finally:
        other.close()
    ann.submit(f"Approve {len(BULK)} threads")
    ann.see("2 approved, 1 refused, 0 not offered, of 3 selected.")
    rows = ann.grid_rows(ann.main().locator(".st-key-bulk-summary").get_by_test_id("stDataFrame"), 3)
    results = {r[0]: r[1] for r in rows}
    assert results == {BULK[0]: "approved", BULK[1]: "refused", BULK[2]: "approved"}, rows
    doc_shot(ann, "queue-bulk")
    ann.no_exception()
