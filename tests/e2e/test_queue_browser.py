"""Issue 16 in a real browser: working through threads with Next and the keyboard, a claim seen from another
browser, and a bulk approval with one thread changed meanwhile. Every wait is on the page's state.

Each journey runs on the local store and on a LangGraph Server. There the threads carry metadata the inbox's search
takes (e2e=queue, e2e=bulk; a server's search takes a UUID or key=value, not words in an id), and the thread changed
meanwhile is answered through the server with langgraph-sdk, past the console, as an Agent Inbox user would.
The README's screenshots are taken from the local run."""

import re
import shutil

import pytest

from tests.e2e.conftest import ROOT, Reviewer, running_app, server_mode_app

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
def queue_local(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("e2e-queue"), own_threads=False, prepare=_prepare) as app:
        app.words = {"queue": "queue-", "bulk": "bulk-"}
        yield app


def _server_queue(url: str) -> dict[str, str]:
    """The same threads on the LangGraph Server, oldest first, each group under its own metadata: local id → server id."""
    from console.server.client import connect
    from tests.e2e.server_mode import _run

    client = connect(url)
    try:
        return {thread_id: _run(client, "content_approval", {"e2e": thread_id.split("-")[0]},
                                input={"topic": f"a short post, number {thread_id.split('-')[1]}"})
                for thread_id in QUEUE + [CLAIMED] + BULK}
    finally:
        client.close()


@pytest.fixture(scope="module")
def queue_server_mode(server_threads, tmp_path_factory):
    url, ids, twins = server_threads
    with server_mode_app(tmp_path_factory.mktemp("e2e-queue-server-mode"), (url, {**ids, **_server_queue(url)}, twins)) as app:
        app.words, app.langgraph_url = {"queue": "e2e=queue", "bulk": "e2e=bulk"}, url
        yield app


@pytest.fixture(scope="module", params=["local", "server"])
def queue_server(request):
    """The queue's threads' app: on the local store, then on a LangGraph Server."""
    return request.getfixturevalue("queue_local" if request.param == "local" else "queue_server_mode")


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
    if person.server.backend == "local":
        shutil.copyfile(path, DOCS / f"{name}.png")


def search(person, words):
    box = person.main().get_by_role("textbox", name="Search")
    box.fill(words)
    box.press("Enter")


def no_focus(person):
    """Keyboard shortcuts act when no text box has the cursor (typing a name must not approve)."""
    person.page.evaluate("document.activeElement && document.activeElement.blur()")


# A hang guard, not a latency goal: twenty runs, and on a server (when first) its start and seeding (~110 s alone).
@pytest.mark.timeout(400)
def test_work_through_the_queue_with_the_keyboard_without_going_back(ann):
    ann.goto("/")
    ann.sign_in("Ann")
    search(ann, ann.server.words["queue"])
    ann.see(f"{len(QUEUE)} waiting · page 1 of 1")
    ann.click_row(ann.main().get_by_test_id("stDataFrame").first, 0)
    for n, thread_id in enumerate(map(ann.server.id, QUEUE)):
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
    ann.expect(ann.main().get_by_role("textbox", name="Search")).to_have_value(ann.server.words["queue"])  # kept for the session
    ann.see("No thread is waiting for a reviewer with these filters.")


def test_a_claim_is_seen_from_a_second_browser(ann, browser, queue_server):
    claimed = queue_server.id(CLAIMED)
    ann.goto(f"/thread?thread_id={claimed}")
    ann.sign_in("Ann")
    ann.submit("I'm on it")
    ann.see("You: Ann is on it until")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        bob = Reviewer(context.new_page(), queue_server)
        bob.goto(f"/thread?thread_id={claimed}")
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
        if queue_server.backend == "local":  # the README's picture is the local one
            bob.main().locator("[data-testid=stExpander]", has_text="Add a comment").screenshot(path=str(DOCS / "queue-comments.png"))
        bob.navigate("Inbox")
        search(bob, claimed)
        bob.see("1 waiting · page 1 of 1")
        row = bob.grid_rows(bob.main().get_by_test_id("stDataFrame").first, 1)[0]
        assert row[1] == claimed and row[-2].startswith("Ann until "), row  # "On it", just before the preview
    finally:
        context.close()
    ann.goto(f"/thread?thread_id={claimed}")  # Ann's page, reloaded, shows Bob's comment
    ann.show(ann.main().get_by_test_id("stText").filter(has_text="I'll leave this one to **Ann**: she knows the product."))
    ann.show(ann.main().get_by_test_id("stText").filter(has_text="Bob (unverified) · "))


def _reject_meanwhile(app, thread_id: str) -> None:
    """Bob rejects the thread meanwhile: in another console process on the local store, or through the LangGraph
    Server with langgraph-sdk, past this console (as an Agent Inbox user would)."""
    from console.decisions import Reviewer as Person

    if app.backend == "local":
        from console.service import Console
        from console.settings import Settings
        from tests.conftest import answer

        other = Console(Settings(db_path=app.db_path, seed_demo=False, offline_token_delay=0))
        try:
            assert answer(other, thread_id, "reject", Person("Bob"), reason="not now").status == "applied"
        finally:
            other.close()
        return
    from console import formats
    from console.server.client import connect
    from tests.e2e.server_mode import _go_on

    client = connect(app.langgraph_url)
    try:
        pending = [i for t in client.threads.get_state(thread_id)["tasks"] for i in t.get("interrupts") or ()][0]
        answer = formats.build_answer(pending["value"], "reject", {"reason": "not now"})
        _go_on(client, thread_id, "content_approval", command={"resume": {pending["id"]: answer}})
        assert client.threads.get_state(thread_id)["values"]["status"] == "rejected"
    finally:
        client.close()


CHANGED_MEANWHILE = ("It changed after you checked it (someone answered it, or the workflow moved on). Nothing was "
                     "applied; open it to look again.")


def test_bulk_approval_refuses_the_thread_changed_meanwhile_and_applies_the_others(ann, queue_server):
    bulk = [queue_server.id(thread_id) for thread_id in BULK]
    ann.goto("/")
    ann.sign_in("Ann")
    ann.main().get_by_text("Select several to approve").click()
    search(ann, ann.server.words["bulk"])
    ann.see(f"{len(BULK)} waiting · page 1 of 1")
    table = ann.main().get_by_test_id("stDataFrame").first
    for n in range(len(BULK)):
        ann.click_row(table, n)
        ann.show(ann.button(f"Check the {n + 1} selected"))
    ann.submit(f"Check the {len(BULK)} selected")
    ann.see(f"{len(BULK)} of {len(BULK)} can be approved here.")
    doc_shot(ann, "queue-bulk-check")
    _reject_meanwhile(queue_server, bulk[1])  # meanwhile Bob rejects the second one
    ann.submit(f"Approve {len(BULK)} threads")
    ann.see("2 approved, 1 refused, 0 not offered, of 3 selected.")
    rows = ann.grid_rows(ann.main().locator(".st-key-bulk-summary").get_by_test_id("stDataFrame"), 3)
    results = {r[0]: r[1] for r in rows}
    assert results == {bulk[0]: "approved", bulk[1]: "refused", bulk[2]: "approved"}, rows
    # Which check refused it: the bulk approval's own, of the thread against what Ann checked (console/bulk.py), before
    # the decision path's (it stands where she saw it; the last look before sending; the server's own), whose
    # sentences differ. It is what she reads, in full, under the table.
    why = {r[0]: r[2] for r in rows}
    assert why[bulk[1]] == CHANGED_MEANWHILE, rows
    ann.see(f"Refused, {bulk[1]}: {CHANGED_MEANWHILE}", exact=True)
    doc_shot(ann, "queue-bulk")
    ann.no_exception()
