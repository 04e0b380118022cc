"""Thread ids carry no workflow id: the demo's (demo-0001, and demo-r2-0001 after a reset) and the
Start page's own (thread-<random>); a thread under an id of an earlier version still opens and is answered."""

from __future__ import annotations

import re

from console.demo import reset_demo_data, seeded_ids
from tests.conftest import ANN, answer
from tests.test_pages import inbox_table, submit, texts
from ui import keys


def _no_workflow_id(thread_id: str, registry) -> bool:
    return not any(name in thread_id for name in registry)


def test_demo_ids_are_plain_numbers_before_and_after_a_reset(demo):
    first = seeded_ids()
    assert first[0] == "demo-0001" and all(re.fullmatch(r"demo-\d{4}", t) for t in first)
    assert {t for t in demo.inbox().rows["thread_id"]} <= set(first)
    assert all(_no_workflow_id(t, demo.registry) for t in first)
    again = reset_demo_data(demo, ANN)
    assert sorted(again.removed) == sorted(first)
    assert all(re.fullmatch(r"demo-r2-\d{4}", t) for t in again.seeded)


def test_a_started_thread_gets_a_short_random_id(demo):
    outcome = list(demo.start("content_approval", "a bake sale", ANN, None))[-1]
    assert outcome.status == "started"
    assert re.fullmatch(r"thread-[0-9a-f]{10}", outcome.view.thread_id)
    assert _no_workflow_id(outcome.view.thread_id, demo.registry)


def test_a_thread_under_an_id_of_an_earlier_version_still_opens_and_is_answered(demo):
    spec, graph = demo.registry["content_approval"], demo.graphs["content_approval"]
    for old_id in ("demo-content_approval-1", "content_approval-0123456789"):  # the two old id shapes
        config = {"configurable": {"thread_id": old_id},
                  "metadata": {"workflow": spec.name, "workflow_version": spec.version, "started_by": "Ann"}}
        demo.bridge.run(graph.ainvoke(spec.make_input("an older thread"), config, durability="sync"))
        assert demo.thread(old_id).workflow == "content_approval"
        assert answer(demo, old_id, "approve").status == "applied"


def test_the_start_page_and_the_inbox_show_ids_without_workflow_ids(app):
    at = app.run()
    at.switch_page(keys.START_PAGE).run()
    next(w for w in at.text_area if w.label.startswith("Topic")).input("a plant swap")
    at = submit(at, "Start")
    assert not at.exception and "now waits" in texts(at)
    at.switch_page(keys.INBOX_PAGE).run()
    ids = list(inbox_table(at)["thread_id"])
    started = [t for t in ids if t.startswith("thread-")]
    assert len(started) == 1 and re.fullmatch(r"thread-[0-9a-f]{10}", started[0])
    assert all(re.fullmatch(r"demo-\d{4}|thread-[0-9a-f]{10}", t) for t in ids), ids
