"""Server mode against a real `langgraph dev`: the one backend interface, the inbox from threads.search, the
thread page's parts, decisions exactly once (two deciders at once), and failures as plain sentences."""

from __future__ import annotations

import ast
import inspect
import threading
from pathlib import Path

import pytest

from console.backend import ConsoleBackend
from console.decisions import DecisionRequest, Outcome, Reviewer
from console.errors import ConsoleError
from console.inbox import InboxQuery
from console.server.client import ServerUnavailable, sentence
from console.server.service import ServerConsole
from console.service import Console
from console.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ANN, BOB = Reviewer("Ann"), Reviewer("Bob")
MEMBERS = {n for n in dir(ConsoleBackend) if not n.startswith("_")} | set(ConsoleBackend.__annotations__)


def _open(url: str, folder: Path, name: str = "console.db") -> ServerConsole:
    return ServerConsole(Settings(server_url=url, db_path=folder / name))


@pytest.fixture
def app(langgraph_server, tmp_path):
    console_ = _open(langgraph_server, tmp_path)
    yield console_
    console_.close()


def _last(items) -> Outcome:
    return list(items)[-1]


def _started(app: ServerConsole, workflow: str, inputs: dict):
    outcome = _last(app.start(workflow, inputs, ANN))
    assert outcome.status == "started", outcome.message
    return outcome.view


# ---- one interface -----------------------------------------------------------------------------


def test_pages_call_only_the_interface_and_both_backends_have_it():
    called = set()
    for path in [*ROOT.glob("views/*.py"), *ROOT.glob("ui/*.py"), ROOT / "streamlit_app.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("app", "_app"):
                called.add(node.attr)
    assert called <= MEMBERS, f"pages call {sorted(called - MEMBERS)} outside console.backend.ConsoleBackend"
    for backend in (Console, ServerConsole):
        for name in MEMBERS - set(ConsoleBackend.__annotations__):
            mine, theirs = inspect.signature(getattr(backend, name)), inspect.signature(getattr(ConsoleBackend, name))
            assert list(mine.parameters) == list(theirs.parameters), (backend.__name__, name)


# ---- inbox, thread page --------------------------------------------------------------------------


def test_inbox_lists_every_format_from_search_alone(app, monkeypatch):
    started = {w: _started(app, w, i).thread_id for w, i in (
        ("content_approval", {"topic": "inbox"}), ("tool_review", {"messages": [{"role": "user", "content": "plan"}]}),
        ("email_triage", {"messages": [{"role": "user", "content": "mail"}]}),
        ("ask_name", {"messages": [{"role": "user", "content": "badge"}]}))}
    fetched = []
    real = app.client.threads.get_state
    monkeypatch.setattr(app.client.threads, "get_state", lambda *a, **k: fetched.append(a) or real(*a, **k))
    page = app.inbox(InboxQuery(workflows=tuple(started), page_size=100))
    assert fetched == [], "a page of the inbox fetched thread states one by one"
    rows = page.rows.set_index("thread_id")
    for workflow, thread_id in started.items():
        assert rows.loc[thread_id, "workflow"] == workflow
        assert rows.loc[thread_id, "kind of pause"] == "asks a question"
        assert rows.loc[thread_id, "preview"], workflow
    assert page.read_at is not None
    one = app.inbox(InboxQuery(workflows=("ask_name",), page_size=100))
    assert set(one.rows["workflow"]) == {"ask_name"} and one.total == len(one.rows)


def test_thread_shows_every_pending_interrupt_history_and_the_assistants_title(app):
    view = app.thread(_started(app, "tool_approval_per_call", {"messages": [
        {"role": "user", "content": "Email the board about the budget and delete the old test records"}]}).thread_id)
    assert view.workflow_title == "Agent tool approval (one question per call)"
    assert len(view.interrupts) == 2 and all(i.id for i in view.interrupts)
    assert len({i.request.format for i in view.interrupts}) == 1
    history = app.history(view)
    assert view.checkpoint_id in set(history["checkpoint_id"])


def test_the_picture_is_the_assistants_own_graph_with_the_waiting_step_lit(app):
    """Server mode draws what the local backend draws for the same graph, from assistants.get_graph."""
    view = app.thread(_started(app, "content_approval", {"topic": "the picture"}).thread_id)
    dot = app.workflow_picture(view.workflow, view.waiting_node)
    assert dot is not None and '"Review (waits here)"' in dot and '"Write draft"' in dot and '"Publish"' in dot
    assert dot.count("style=\"dashed\"") == 2  # review's two answers: publish or end
    from workflows.registry import load_registry

    local_spec = load_registry((), True)[0]["content_approval"]
    from console.graph_picture import workflow_dot
    assert dot == workflow_dot(local_spec.compile(None), view.waiting_node)
    assert app.workflow_picture("no_such_workflow", None) is None


def test_a_drawn_graph_from_the_server_is_read_as_untrusted():
    from console.graph_picture import to_dot
    from console.server.picture import DrawnGraph

    drawn = DrawnGraph({"nodes": [{"id": "a", "data": {"name": 'x" ];\n evil -> b [label="'}}, {"id": 5}, "junk",
                                  {"id": "b"}], "edges": [{"source": "a", "target": "b"}, {"source": 1}, None]})
    assert list(drawn.nodes) == ["a", "b"] and len(drawn.edges) == 1
    dot = to_dot(drawn)
    assert not [line for line in dot.splitlines() if line.strip().startswith("evil")]  # inside its label, escaped
    assert "\\\"" in dot  # its quote escaped
    assert DrawnGraph(None).nodes == {} and DrawnGraph({"nodes": "x", "edges": 3}).edges == []


# ---- decisions exactly once ------------------------------------------------------------------------


def _request(view, action="approve", inputs=None):
    return DecisionRequest(view.thread_id, view.checkpoint_id, view.interrupts[0].id, action, inputs or {})


def _resume_runs(app, thread_id):
    return [r for r in app.client.runs.list(thread_id, limit=100) if r["status"] == "success"
            and (r.get("kwargs") or {}).get("command")]


def test_answer_applies_once_and_a_stale_second_answer_is_refused(app):
    view = _started(app, "content_approval", {"topic": "once"})
    first = _last(app.decide(_request(view), ANN))
    assert first.status == "applied", first.message
    assert first.view.status == "finished"
    second = _last(app.decide(_request(view, "reject", {"reason": "late"}), BOB))
    assert second.status == "refused" and "not applied" in second.message
    assert len(_resume_runs(app, view.thread_id)) == 1
    log = app.decision_log(view.thread_id)
    assert list(log["outcome"]) == ["refused", "applied", "applied"]


@pytest.mark.parametrize("workflow, inputs", [("content_approval", {"topic": "agent inbox"}),
                                             ("gated_publication", {"topic": "agent inbox"})],
                         ids=["thread-finished", "thread-at-the-next-pause"])
def test_an_answer_sent_past_the_console_meanwhile_refuses_the_reviewers(app, workflow, inputs):
    """Only the server-side re-read can refuse here: an Agent Inbox user answers through the SDK directly, so the
    console's own database holds no claim and no log row for that answer."""
    from console import formats
    view = _started(app, workflow, inputs)
    pending = view.interrupts[0] if view.interrupts else None
    resume = ({"command": {"resume": {pending.id: formats.build_answer(pending.value, "approve", {})}}} if pending
              else {"input": None})
    app.client.runs.wait(view.thread_id, workflow, checkpoint_id=view.checkpoint_id, **resume)
    elsewhere = app.client.threads.get_state(view.thread_id)
    request = (_request(view, "reject", {"reason": "too late"}) if pending
               else DecisionRequest(view.thread_id, view.checkpoint_id, None, "continue", {}))
    outcome = _last(app.decide(request, BOB))
    assert outcome.status == "refused" and "moved on" in outcome.message, outcome.message
    assert app.client.threads.get_state(view.thread_id)["checkpoint"] == elsewhere["checkpoint"], "the console ran anyway"
    assert list(app.client.runs.list(view.thread_id, limit=100, status="pending")) == []
    assert "applied" not in set(app.decision_log(view.thread_id).query("action != 'start'")["outcome"])


@pytest.mark.parametrize("shared_database", [True, False], ids=["one-database", "two-replicas-apart"])
def test_two_deciders_at_once_give_exactly_one_applied_run(langgraph_server, tmp_path, shared_database):
    one = _open(langgraph_server, tmp_path, "a.db")
    other = _open(langgraph_server, tmp_path, "a.db" if shared_database else "b.db")
    try:
        view = _started(one, "content_approval", {"topic": "race"})
        go = threading.Barrier(2)
        outcomes = {}

        def decide(name, console_, request):
            go.wait()
            try:
                outcomes[name] = _last(console_.decide(request, Reviewer(name)))
            except ConsoleError as exc:
                outcomes[name] = Outcome("refused", str(exc))

        workers = [threading.Thread(target=decide, args=("Ann", one, _request(view))),
                   threading.Thread(target=decide, args=("Bob", other, _request(view, "reject", {"reason": "no"})))]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert sorted(o.status for o in outcomes.values()) == ["applied", "refused"], outcomes
        assert len(_resume_runs(one, view.thread_id)) == 1
        logs = [one.decision_log(view.thread_id)] + ([] if shared_database else [other.decision_log(view.thread_id)])
        assert sum((log["outcome"] == "applied").sum() for log in logs) == 2  # the start and the one answer
    finally:
        one.close()
        other.close()


# ---- failures in plain sentences ---------------------------------------------------------------------


def test_a_failed_run_is_not_logged_as_applied_and_can_be_answered_again(app):
    view = _started(app, "fails_after_answer", {"draft": "Poster"})
    failed = _last(app.decide(_request(view), ANN))
    assert failed.status == "failed" and "out of paper" in failed.message and "answer again" in failed.message
    assert "Traceback" not in failed.message
    assert list(app.decision_log(view.thread_id)["outcome"])[0] == "failed"
    again = app.thread(view.thread_id)
    # The page says the message, not Python's repr: the type is kept for Details only, as locally.
    assert (again.status, again.error, again.error_type) == ("failed", "the printer is out of paper", "RuntimeError")
    assert "RuntimeError" not in failed.message
    retried = _last(app.decide(_request(again, "edit", {"draft": "Poster, reprinted"}), ANN))
    assert retried.status != "refused", retried.message  # the console's claim was released: the thread is answerable


def test_the_second_answer_after_a_failed_run_is_the_one_used(app):
    """The server replays a failed run's stored answer on every resume at its checkpoint: the console forks it."""
    view = _started(app, "fails_after_answer", {"draft": "Poster"})
    _last(app.decide(_request(view), ANN))
    failed = app.thread(view.thread_id)
    assert failed.status == "failed" and failed.interrupts, "the question is asked again on the thread page"
    retried = _last(app.decide(_request(failed, "edit", {"draft": "Poster, reprinted"}), ANN))
    assert retried.status == "applied", retried.message
    assert retried.view.status == "finished" and retried.view.values["final"] == "Poster, reprinted"
    assert list(app.decision_log(view.thread_id)["outcome"]) == ["applied", "failed", "applied"]
    late = _last(app.decide(_request(failed, "approve"), BOB))  # the failed pause, answered once, is not answered twice
    assert late.status == "refused", late.message


def test_a_thread_deleted_meanwhile_is_a_sentence_and_nothing_is_applied(app):
    view = _started(app, "content_approval", {"topic": "deleted"})
    app.client.threads.delete(view.thread_id)
    outcome = _last(app.decide(_request(view), ANN))
    assert outcome.status == "refused" and "no longer exists" in outcome.message
    assert "applied" not in set(app.decision_log(view.thread_id).query("action != 'start'")["outcome"])
    with pytest.raises(ConsoleError, match="no thread"):
        app.thread(view.thread_id)


def test_an_unreachable_server_is_a_sentence(tmp_path):
    from tests.server.launch import free_port
    with pytest.raises(ServerUnavailable, match="cannot be reached"):
        _open(f"http://127.0.0.1:{free_port()}", tmp_path)


def test_a_wrong_key_is_a_sentence():
    import httpx
    response = httpx.Response(401, request=httpx.Request("GET", "http://127.0.0.1:1/threads"))
    error = sentence(httpx.HTTPStatusError("401", request=response.request, response=response), "http://127.0.0.1:1")
    assert "refused the console's key" in str(error) and "REVIEW_CONSOLE_SERVER_API_KEY" in str(error)
