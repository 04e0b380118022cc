"""Every interrupt format, answered through the console on the real graphs: what the graph received and did."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from langchain_core.messages import ToolMessage
from markdown_it import MarkdownIt

from console import formats
from console.formats import diff, question, response_schema
from console.decisions import DecisionRequest
from console.errors import InvalidAnswer
from console.markdown import plain_text, safe_markdown
from tests.conftest import ANN, BOB


def decide(console_, thread_id, action, index=0, reviewer=ANN, **inputs):
    """Answer the thread's `index`-th pending interrupt; returns the final Outcome."""
    view = console_.thread(thread_id)
    pending = view.interrupts[index]
    items = list(console_.decide(DecisionRequest(thread_id, view.checkpoint_id, pending.id, action, inputs), reviewer))
    return items[-1]


def action_keys(request):
    return [a.key for a in request.actions]


def tool_messages(view):
    return {m.name: m for m in view.values["messages"] if isinstance(m, ToolMessage)}


def logged_answers(console_, thread_id):
    log = console_.decision_log(thread_id)
    return [json.loads(a) for a in log.sort_values("id")["answer"]]


# ---- 1. plain dicts --------------------------------------------------------------------


def test_plain_dict_answers_keep_their_shape():
    value = {"draft": "Hello", "message": "Check it"}
    assert formats.build_answer(value, "approve", {}) == {"approved": True}
    assert formats.build_answer(value, "reject", {"reason": " No "}) == {"approved": False, "reason": "No"}
    assert formats.build_answer(value, "edit", {"draft": "Hi"}) == {"approved": True, "edited": True, "draft": "Hi"}


# ---- 2. Agent Inbox HumanInterrupt -----------------------------------------------------


def test_agent_inbox_offers_only_allowed_actions_and_shows_markdown(demo):
    request = demo.thread("demo-0007").interrupts[0].request
    assert request.format == "agent_inbox" and action_keys(request) == ["accept", "edit", "response", "ignore"]
    assert "**Send an email**" in request.description
    assert "house style (`https://example.org/style`)" in safe_markdown(request.description)
    two = demo.thread("demo-0008").interrupts[0].request
    assert [action_keys(i) for i in two.items] == [["accept", "edit", "response", "ignore"], ["accept", "edit", "ignore"]]
    assert action_keys(two) == ["decide_each"]


def test_agent_inbox_accept(demo):
    outcome = decide(demo, "demo-0007", "accept")
    values = outcome.view.values
    assert values["responses"] == [{"type": "accept", "args": None}]
    assert values["results"][0].startswith("Email “The team about the spring opening hours” sent")


def test_agent_inbox_edit_keeps_types(demo):
    outcome = decide(demo, "demo-0007", "edit", **{
        "arg:to": "ann@example.org\nbob@example.org", "arg:subject": "New hours", "arg:body": "9 to 5", "arg:priority": 1})
    response = outcome.view.values["responses"][0]
    assert response == {"type": "edit", "args": {"action": "send_email", "args": {
        "to": ["ann@example.org", "bob@example.org"], "subject": "New hours", "body": "9 to 5", "priority": 1}}}
    assert outcome.view.values["results"][0] == (
        "Email “New hours” sent to ann@example.org, bob@example.org (priority 1). (as edited by the reviewer)")


def test_agent_inbox_edit_with_a_wrong_value_is_refused_before_sending(demo):
    with pytest.raises(InvalidAnswer, match="“Priority” must be a number"):
        decide(demo, "demo-0007", "edit", **{"arg:to": "ann@example.org", "arg:priority": "high"})
    assert demo.thread("demo-0007").status == "waiting"


def test_agent_inbox_response_and_ignore(demo):
    outcome = decide(demo, "demo-0007", "response", response="Wait until Monday.")
    assert outcome.view.values["responses"] == [{"type": "response", "args": "Wait until Monday."}]
    assert outcome.view.values["results"] == ["Not done; the reviewer said: Wait until Monday."]
    outcome = decide(demo, "demo-0008", "decide_each", items=[{"action": "ignore"}, {"action": "ignore"}])
    assert outcome.view.values["responses"] == [{"type": "ignore", "args": None}] * 2


def test_agent_inbox_list_is_answered_item_by_item(demo):
    thread = "demo-0008"
    with pytest.raises(InvalidAnswer, match="each of the 2 items"):
        decide(demo, thread, "decide_each", items=[{"action": "accept"}])
    with pytest.raises(InvalidAnswer, match="Item 2"):  # book_room does not allow a response
        decide(demo, thread, "decide_each", items=[{"action": "accept"}, {"action": "response", "inputs": {"response": "x"}}])
    outcome = decide(demo, thread, "decide_each", items=[
        {"action": "accept"},
        {"action": "edit", "inputs": {"tool_name": "book_room", "arg:room": "Garden room", "arg:date": "Saturday",
                                      "arg:attendees": 20, "arg:catering": True}},
    ])
    responses = outcome.view.values["responses"]
    assert responses[0] == {"type": "accept", "args": None}
    assert responses[1] == {"type": "edit", "args": {"action": "book_room", "args": {
        "room": "Garden room", "date": "Saturday", "attendees": 20, "catering": True}}}
    assert outcome.view.values["results"][1].startswith("Booked Garden room on Saturday for 20 people with catering")


# ---- 3. LangChain HumanInTheLoopMiddleware (batched) -----------------------------------


def test_hitl_shows_every_request_with_its_allowed_decisions(demo):
    request = demo.thread("demo-0009").interrupts[0].request
    assert request.format == "hitl"
    assert [i.title for i in request.items] == ["The agent wants to run “Send email”", "The agent wants to run “Delete records”"]
    assert [action_keys(i) for i in request.items] == [["approve", "edit", "reject", "respond"], ["approve", "reject"]]
    assert "cannot be undone" in request.items[1].description


def test_hitl_approve_all_runs_every_tool(demo):
    outcome = decide(demo, "demo-0009", "decide_each", items=[{"action": "approve"}, {"action": "approve"}])
    assert logged_answers(demo, "demo-0009") == [{"decisions": [{"type": "approve"}, {"type": "approve"}]}]
    results = tool_messages(outcome.view)
    assert results["send_email"].content.startswith("Email “The team about the charity run” sent")
    assert results["delete_records"].content == "Deleted the rows of test_records older than 365 days."
    assert outcome.view.status == "finished"


def test_hitl_edit_and_reject_in_order(demo):
    outcome = decide(demo, "demo-0009", "decide_each", items=[
        {"action": "edit", "inputs": {"arg:to": "board@example.org", "arg:subject": "Run",
                                      "arg:body": "See you there", "arg:priority": 1}},
        {"action": "reject", "inputs": {"message": "Keep the test records."}},
    ])
    assert logged_answers(demo, "demo-0009") == [{"decisions": [
        {"type": "edit", "edited_action": {"name": "send_email", "args": {
            "to": ["board@example.org"], "subject": "Run", "body": "See you there", "priority": 1}}},
        {"type": "reject", "message": "Keep the test records."},
    ]}]
    results = tool_messages(outcome.view)
    assert "Email “Run” sent to board@example.org (priority 1)." in results["send_email"].content
    assert "User rejected the tool call for `delete_records` with reason: Keep the test records." == results["delete_records"].content


def test_hitl_respond_answers_for_the_tool(demo):
    outcome = decide(demo, "demo-0009", "decide_each", items=[
        {"action": "respond", "inputs": {"message": "Already sent yesterday."}}, {"action": "reject", "inputs": {}}])
    results = tool_messages(outcome.view)
    assert results["send_email"].content == "Already sent yesterday." and results["send_email"].status == "success"
    assert results["delete_records"].status == "error"  # rejected with no reason: the default sentence
    with pytest.raises(InvalidAnswer, match="not offered"):
        formats.build_answer({"action_requests": [{"name": "delete_records", "args": {}}],
                               "review_configs": [{"action_name": "delete_records", "allowed_decisions": ["approve"]}]},
                              "reject", {})


def test_hitl_single_request_has_flat_actions(demo):
    items = list(demo.start("tool_approval", "Delete the old orders", ANN, thread_id="cleanup"))
    request = items[-1].view.interrupts[0].request
    assert not request.items and action_keys(request) == ["approve", "reject"]
    outcome = decide(demo, "cleanup", "approve")
    assert logged_answers(demo, "cleanup")[-1] == {"decisions": [{"type": "approve"}]}
    assert tool_messages(outcome.view)["delete_records"].content == "Deleted the rows of old_orders older than 365 days."


# ---- 3b + 5. per-call mode: a response_schema each, several pending at once -------------


def test_per_call_interrupts_answered_one_at_a_time(demo):
    thread = "demo-0010"
    view = demo.thread(thread)
    assert [i.request.format for i in view.interrupts] == ["tool_approval", "tool_approval"]
    assert [action_keys(i.request) for i in view.interrupts] == [["approve", "edit", "reject", "respond"], ["approve", "reject"]]
    assert not any(f.name == "tool_name" for f in view.interrupts[0].request.action("edit").fields)  # the schema pins it
    first = decide(demo, thread, "approve", index=0)
    assert first.status == "applied" and len(first.view.interrupts) == 1 and first.view.status == "waiting"
    assert first.view.interrupts[0].value["name"] == "delete_records"
    done = decide(demo, thread, "reject", index=0, message="Not today.")
    results = tool_messages(done.view)
    assert done.view.status == "finished"
    assert results["send_email"].content.startswith("Email “The board about the budget” sent")
    assert results["delete_records"].content.endswith("with reason: Not today.")


def test_per_call_answers_sent_together_in_one_resume(demo):
    thread = "demo-0010"
    view = demo.thread(thread)
    email, delete = view.interrupts
    edit = {"arg:to": "cfo@example.org", "arg:subject": "Budget", "arg:body": "Attached.", "arg:priority": 3}
    request = DecisionRequest(thread, view.checkpoint_id, email.id, "edit", edit, together=((delete.id, "approve", {}),))
    outcome = list(demo.decide(request, ANN))[-1]
    assert outcome.status == "applied" and outcome.view.status == "finished"
    results = tool_messages(outcome.view)
    assert "Email “Budget” sent to cfo@example.org (priority 3)." in results["send_email"].content
    assert results["delete_records"].content.startswith("Deleted the rows")
    log = demo.decision_log(thread)
    assert sorted(log["interrupt_id"]) == sorted([email.id, delete.id]) and set(log["outcome"]) == {"applied"}


def test_per_call_edit_is_checked_against_the_schema_before_sending(demo):
    pending = demo.thread("demo-0010").interrupts[0]
    inputs = {"arg:to": "cfo@example.org", "arg:subject": "s", "arg:body": "b", "arg:priority": 1}
    answer = formats.build_answer(pending.value, "edit", inputs, pending.response_schema)  # checked, and it fits
    assert answer["edited_action"]["args"]["to"] == ["cfo@example.org"]
    answer["edited_action"]["args"]["to"] = "cfo@example.org"
    with pytest.raises(InvalidAnswer, match="“edited_action › args › to” must be a list"):
        response_schema.check(pending.response_schema, answer)


# ---- 4. typed answers (response_schema) ------------------------------------------------


def test_typed_form_follows_the_schema(demo):
    pending = demo.thread("demo-0011").interrupts[0]
    fields = {f.name: f for f in pending.request.action("answer").fields}
    assert pending.request.format == "schema" and pending.request.message == "How should we handle this refund request?"
    assert fields["decision"].kind == "choice" and fields["decision"].choices == ("refund", "partial", "deny")
    assert fields["decision"].required and not fields["note"].required
    assert (fields["amount"].kind, fields["amount"].minimum, fields["amount"].maximum) == ("number", 0, 500)
    assert fields["notify_customer"].kind == "boolean" and fields["notify_customer"].default is True
    assert fields["tags"].kind == "lines" and fields["return_label.carrier"].choices == ("post", "courier")
    assert fields["amount"].help == "Euros to refund (0 to 500)."


def test_typed_answer_refused_by_the_console_names_the_field(demo):
    thread = "demo-0011"
    with pytest.raises(InvalidAnswer, match="Please fill in “Decision”"):
        decide(demo, thread, "answer")
    with pytest.raises(InvalidAnswer, match="“Amount” must be at most 500"):
        decide(demo, thread, "answer", decision="refund", amount=900)
    with pytest.raises(InvalidAnswer, match="“decision” must be one of: refund, partial, deny"):
        response_schema.check(demo.thread(thread).interrupts[0].response_schema, {"decision": "maybe"})
    assert demo.thread(thread).status == "waiting" and demo.decision_log(thread).empty


def test_typed_answer_refused_by_langgraph_can_be_answered_again(demo):
    thread = "demo-0011"
    before = demo.thread(thread)
    refused = decide(demo, thread, "answer", decision="deny", amount=0)  # passes the schema; the model's validator says no
    assert refused.status == "failed"
    assert "“note”: Please say why the refund is denied." in refused.message and "try again" in refused.message
    again = demo.thread(thread)
    assert again.status == "waiting" and again.interrupts[0].id == before.interrupts[0].id
    done = decide(demo, thread, "answer", decision="deny", amount=0, note="Broken by the courier: claim with them.",
                  notify_customer=False)
    assert done.view.status == "finished" and done.view.values["status"] == "deny"
    assert done.view.values["final"] == "We cannot refund this order: Broken by the courier: claim with them."


def test_typed_answer_reaches_the_graph_with_its_types(demo):
    outcome = decide(demo, "demo-0011", "answer", decision="partial", amount=40, notify_customer=True,
                     tags="damaged\n fragile \n", **{"return_label.carrier": "courier", "return_label.prepaid": False})
    assert outcome.view.values["decision"] == {
        "decision": "partial", "amount": 40.0, "notify_customer": True, "note": "", "tags": ["damaged", "fragile"],
        "return_label": {"carrier": "courier", "prepaid": False}}
    assert outcome.view.values["final"] == "We refund 40.00 EUR of your order. We sent you an email."


def test_schema_forms_for_plain_json_schemas():
    schema = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "description": "Who"}, "count": {"type": "integer", "minimum": 1},
        "colours": {"type": "array", "items": {"enum": ["red", "blue"]}}, "extra": {"type": "object"}}}
    request = formats.describe("Who is it?", schema)
    assert [f.kind for f in request.action("answer").fields] == ["text", "integer", "multi_choice", "json"]
    answer = formats.build_answer("Who is it?", "answer", {"name": "Ann", "count": 2, "colours": ["red"], "extra": '{"a": 1}'}, schema)
    assert answer == {"name": "Ann", "count": 2, "colours": ["red"], "extra": {"a": 1}}
    assert formats.build_answer("Pick", "answer", {"value": "b"}, {"enum": ["a", "b"]}) == "b"


# ---- 5. several interrupts from parallel branches ---------------------------------------


def test_parallel_branches_answered_one_at_a_time(demo):
    thread = "demo-0012"
    view = demo.thread(thread)
    assert sorted(i.node for i in view.interrupts) == ["brand_check", "legal_check"]
    legal = next(n for n, i in enumerate(view.interrupts) if i.node == "legal_check")
    after = decide(demo, thread, "approve", index=legal)
    assert [i.node for i in after.view.interrupts] == ["brand_check"]
    done = decide(demo, thread, "edit", index=0, draft="Summer fair: 3 July, all welcome.")
    assert done.view.values["legal"] == {"approved": True}
    assert done.view.values["final"] == "Summer fair: 3 July, all welcome." and done.view.values["status"] == "published"


def test_parallel_branches_answered_together(demo):
    thread = "demo-0012"
    view = demo.thread(thread)
    a, b = view.interrupts
    request = DecisionRequest(thread, view.checkpoint_id, a.id, "approve", {}, together=((b.id, "reject", {"reason": "Too long"}),))
    outcome = list(demo.decide(request, ANN))[-1]
    assert outcome.view.status == "finished" and outcome.view.values["status"] == "rejected"
    assert {k: outcome.view.values[k] for k in ("legal", "brand")}[b.node.split("_")[0]] == {"approved": False, "reason": "Too long"}


def test_together_is_refused_whole_when_one_was_answered_meanwhile(demo):
    thread = "demo-0012"
    seen = demo.thread(thread)
    a, b = seen.interrupts
    decide(demo, thread, "approve", index=1, reviewer=BOB)  # Bob answers b first
    request = DecisionRequest(thread, seen.checkpoint_id, a.id, "reject", {"reason": "No"}, together=((b.id, "approve", {}),))
    outcome = list(demo.decide(request, ANN))[-1]
    assert outcome.status == "refused"
    view = demo.thread(thread)
    assert [i.id for i in view.interrupts] == [a.id]  # a is still open: Ann's answer to it was not sent
    assert decide(demo, thread, "approve").view.values["status"] == "published"
    with pytest.raises(InvalidAnswer, match="once"):
        list(demo.decide(DecisionRequest(thread, "x", "i", "approve", {}, together=(("i", "approve", {}),)), ANN))


# ---- 6. anything else --------------------------------------------------------------------


def test_string_and_unknown_dict_get_free_form_answers(demo):
    thread = "demo-0013"
    request = demo.thread(thread).interrupts[0].request
    assert request.format == "generic" and request.message == "Which venue should we book for the autumn party?"
    after = decide(demo, thread, "answer", text="The town hall", as_json=False)
    second = after.view.interrupts[0].request
    assert second.format == "generic" and second.details["value"]["range"] == [100, 5000]
    with pytest.raises(InvalidAnswer, match="not valid JSON"):
        decide(demo, thread, "answer", text="about 1200", as_json=True)
    done = decide(demo, thread, "answer", text="1200", as_json=True)
    assert done.view.values["venue"] == "The town hall" and done.view.values["budget"] == 1200
    assert done.view.values["final"] == "the autumn party: at The town hall, budget 1200 EUR."


def test_odd_payloads_never_break_the_view():
    for value in (None, 42, [1, "two"], {"action_requests": "nope"}, {"type": "tool_approval"}, [{"action_request": 1}],
                  {"action_requests": [1], "review_configs": []}):
        request = formats.describe(value, {"not": "a schema"} if value == 42 else None)
        assert request.actions and request.preview is not None
    broken = {"action_requests": [1], "review_configs": []}  # matches HITL, but its adapter cannot read it
    assert formats.describe(broken).format == "generic"
    assert formats.build_answer(broken, "answer", {"text": "[1]", "as_json": True}) == [1]


# ---- safe text and extension ---------------------------------------------------------------


# How Streamlit's renderer (react-markdown with GFM) would read our output: raw HTML on,
# bare addresses linked, tables and strikethrough on. Nothing live may come out of it.
_STREAMLIT_LIKE = MarkdownIt("gfm-like", {"html": True})
_STREAMLIT_LIKE.linkify.set({"fuzzy_link": False})  # GFM links www.… and scheme://… and e-mails, not bare "x.org"


def live_parts(markdown: str) -> list[str]:
    """Every link, image or raw-HTML token a Markdown renderer would make of `markdown`."""
    found = []
    for token in _STREAMLIT_LIKE.parse(markdown):
        for t in [token, *(token.children or [])]:
            if t.type in ("link_open", "image", "html_inline", "html_block"):
                found.append(f"{t.type}:{t.attrs or t.content}")
    return found


def visible(markdown: str) -> str:
    """The words a reader sees once `markdown` is rendered."""
    from html.parser import HTMLParser

    words: list[str] = []
    parser = HTMLParser()
    parser.handle_data = words.append
    parser.feed(_STREAMLIT_LIKE.render(markdown).replace("<br />\n", "\n"))
    return "".join(words).strip()


def test_markdown_keeps_no_image_no_html_and_no_live_link():
    text = ('Hi <img src=x onerror=alert(1)><script>alert(1)</script> ![pixel](https://t.example/p.png) '
            '[click](javascript:alert(1)) <b>bold</b>\n\n[ref]: https://r.example')
    shown = safe_markdown(text)
    assert live_parts(shown) == []
    assert "t.example/p.png" not in shown  # the image is never loaded; its alt text stays as words
    assert visible(shown) == 'Hi <img src=x onerror=alert(1)><script>alert(1)</script> pixel click (javascript:alert(1)) <b>bold</b>'
    assert "click (`javascript:alert(1)`)" in shown
    assert plain_text("**Send** it to [Ann](https://a.example)") == "Send it to Ann (https://a.example)"
    assert safe_markdown("Mail ann@example.org or see www.example.org") == "Mail `ann@example.org` or see `www.example.org`"


def test_markdown_shows_autolinks_and_email_addresses_as_code():
    for text, seen in [
        ("Alice Smith <alice.smith@company.com>", "Alice Smith <alice.smith@company.com>"),
        ("See <https://example.org/a?b=1&c=2> now", "See <https://example.org/a?b=1&c=2> now"),
        ("To: bob@example.org, cc x.y+z@mail.example.co.uk", "To: bob@example.org, cc x.y+z@mail.example.co.uk"),
        ("Docs at https://example.org/docs. Or www.example.org!", "Docs at https://example.org/docs. Or www.example.org!"),
        ("[ref link][r]\n\n[r]: https://r.example", "ref link (https://r.example)"),
    ]:
        shown = safe_markdown(text)
        assert live_parts(shown) == [], text
        assert visible(shown) == seen, text
    assert "`alice.smith@company.com`" in safe_markdown("Alice Smith <alice.smith@company.com>")
    assert plain_text("Alice Smith <alice.smith@company.com>") == "Alice Smith alice.smith@company.com"


def test_markdown_keeps_prose_emphasis_and_line_breaks():
    assert visible(safe_markdown("a < b > c, and 3 > 2 & 1 < 2")) == "a < b > c, and 3 > 2 & 1 < 2"
    nested = "***both*** and **bold _it_**, *a **b** c*, foo*bar*baz"
    assert _STREAMLIT_LIKE.render(safe_markdown(nested)) == _STREAMLIT_LIKE.render(nested)
    assert visible(safe_markdown("Dear Ann,\nthe room is booked.\nBest,\nBob")) == "Dear Ann,\nthe room is booked.\nBest,\nBob"
    listed = safe_markdown("Agenda:\n\n- budget\n- rota\n\n1. first\n2. second\n\n> quoted\n\n`code <b>`")
    assert live_parts(listed) == []
    html = _STREAMLIT_LIKE.render(listed)
    assert "<li>budget</li>" in html and "<ol>" in html and "<blockquote>" in html and "<code>code &lt;b&gt;</code>" in html
    # Words that look like syntax stay words: no table, no strikethrough, no heading of the workflow's own size.
    tricky = safe_markdown("| a | b |\n|---|---|\n~~gone~~ $x$\n\n# Huge")
    assert "<table" not in _STREAMLIT_LIKE.render(tricky) and "<s>" not in _STREAMLIT_LIKE.render(tricky)
    assert "<h1>" not in _STREAMLIT_LIKE.render(tricky) and "Huge" in visible(tricky)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab <>/@.:[]()!*_`\\~|#-\n") + ["www.", "http://", "x.org", "<a href=", "](", "!["]),
                max_size=40).map("".join))
def test_any_markdown_comes_out_inert(text):
    assert live_parts(safe_markdown(text)) == []


def readme_format_example() -> str:
    """The Python block under README's "Add your own format", as a reader would copy it."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = text.split("### Add your own format", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_format_example_runs_as_written():
    namespace: dict = {}
    before = len(formats.ADAPTERS)
    exec(compile(readme_format_example(), "README.md", "exec"), namespace)  # the snippet registers its adapter
    try:
        assert len(formats.ADAPTERS) == before + 1 and formats.ADAPTERS[0].name == "ticket"
        ticket = {"ticket_id": 7, "summary": "Printer on fire"}
        request = formats.describe(ticket)
        assert request.title == "Ticket 7" and request.message == "Printer on fire"
        assert [a.key for a in request.actions] == ["close", "escalate"]
        assert formats.build_answer(ticket, "close", {}) == {"status": "closed"}
        assert formats.build_answer(ticket, "escalate", {"why": "Smoke"}) == {"status": "escalated", "why": "Smoke"}
        with pytest.raises(InvalidAnswer, match="Please fill in “Why\\?”"):
            formats.build_answer(ticket, "escalate", {})
        assert formats.describe({"draft": "x"}).format == "draft"  # the built-in ones still answer theirs
    finally:
        formats.ADAPTERS.pop(0)


# ---- any payload at all ------------------------------------------------------------------


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["draft", "message", "action_request", "config", "action", "args", "action_requests",
                         "review_configs", "name", "type", "allowed_decisions", "description", "x"]), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json, schema=st.none() | st.dictionaries(st.sampled_from(["type", "properties", "enum", "required", "items"]), _json, max_size=3),
       action=st.sampled_from(["approve", "answer", "decide_each", "edit", "accept", "x"]), inputs=st.dictionaries(st.text(max_size=8), _json, max_size=3))
def test_any_payload_is_shown_and_any_input_is_refused_in_words(value, schema, action, inputs):
    request = formats.describe(value, schema)
    assert request.title and isinstance(request.preview, str)
    try:
        formats.build_answer(value, action, inputs, schema)
    except InvalidAnswer as exc:
        assert str(exc)


def test_the_formats_package_has_no_import_cycle():
    """Every module of console/formats imports only modules below it: base imports no format."""
    import ast
    import graphlib

    root = Path(__file__).resolve().parent.parent / "console" / "formats"
    modules = {p.stem for p in root.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for name in modules:
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "console.formats":
                    names = {a.name for a in node.names}
                    found |= names & modules
                    if names - modules:  # a name from the package itself
                        found.add("__init__")
                elif node.module.startswith("console.formats."):
                    found.add(node.module.rsplit(".", 1)[1])
            elif isinstance(node, ast.Import):
                found |= {a.name.rsplit(".", 1)[1] for a in node.names if a.name.startswith("console.formats.")}
        graph[name] = found
    assert "__init__" not in set().union(*graph.values()), "a format module imports the package, which imports it"
    assert graph["base"] == set(), "base.py must not import any format"
    list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle


# ---- shapes people copy, labels, and the diff of an edit ------------------------------------------------------

def test_labels_read_as_words():
    from console.formats.arguments import label

    assert [label(k) for k in ("duration_minutes", "preferred_day", "to", "toEmail", "cc", "older_than_days", "x")] == [
        "Duration (minutes)", "Preferred day", "To", "To email", "CC", "Older than (days)", "X"]


def test_docs_tool_call_review_answers_in_the_docs_shape():
    value = {"question": "Is this correct?", "tool_call": {"name": "search", "args": {"query": "weather", "days": 3}, "id": "c"}}
    request = formats.describe(value)
    assert request.format == "tool_call_review" and action_keys(request) == ["continue", "update", "feedback"]
    assert [(f.label, f.kind) for f in request.action("update").fields] == [("Query", "text"), ("Days", "integer")]
    assert formats.build_answer(value, "continue", {}) == {"action": "continue"}
    assert formats.build_answer(value, "update", {"arg:query": "rain", "arg:days": 2}) == {
        "action": "update", "data": {"query": "rain", "days": 2}}
    assert formats.build_answer(value, "feedback", {"feedback": " Use Celsius. "}) == {"action": "feedback", "data": "Use Celsius."}
    with pytest.raises(InvalidAnswer, match="not offered"):
        formats.build_answer(value, "approve", {})  # the natural word of other formats is not silently sent


def test_questions_are_answered_in_the_shape_the_reviewer_confirms():
    assert formats.describe({"query": "Help?"}).format == "question"
    assert formats.describe({"prompt": "Next message?"}).format == "question"
    assert formats.describe({"message": "Your name?"}).format == "question"
    assert formats.describe({"message": "Look", "big": "data"}).format == "generic"  # a note beside data, not a question
    assert formats.describe({"question": "OK?", "draft": "Text"}).format == "draft"
    for value, shape, sent in [({"query": "Help?"}, question.AS_DATA, {"data": "Yes"}),
                               ({"question": "Name?"}, question.AS_TEXT, "Yes"),
                               ({"question": "Name?"}, question.AS_ANSWER, {"answer": "Yes"})]:
        assert formats.build_answer(value, "answer", {"text": "Yes", "send_as": shape}) == sent
        assert formats.confirmation(value, "answer", {"text": "Yes", "send_as": shape})["answer"] == sent
    default = {f.name: f.default for f in formats.describe({"query": "Help?"}).action("answer").fields}
    assert default["send_as"] == question.AS_DATA
    assert formats.confirmation("Which venue?", "answer", {"text": "x", "as_json": False})["show_answer"]  # generic too


def test_agent_inbox_questions_and_notifications_are_worded_as_such():
    def one(action, args, **config):
        return formats.describe({"action_request": {"action": action, "args": args}, "config": config, "description": "d"})

    asked = one("Question", {"content": "Which day?"}, allow_respond=True, allow_ignore=True)
    assert (asked.title, asked.message, [a.label for a in asked.actions]) == (
        "The assistant asks you", "Which day?", ["Answer", "Skip the question"])
    told = one("Email Assistant: notify", {}, allow_respond=True, allow_ignore=True)
    assert told.title == "For your information" and [a.label for a in told.actions] == ["Give feedback", "Dismiss"]
    assert one("archive", {}, allow_accept=True, allow_ignore=True).title == "For your information"
    assert one("send_email", {"to": "a@b.org"}, allow_accept=True).title == "The agent wants to run “Send email”"
    # Answers keep Agent Inbox's shape whatever the words.
    value = {"action_request": {"action": "Question", "args": {"content": "?"}}, "config": {"allow_respond": True}}
    assert formats.build_answer(value, "response", {"response": "Monday"}) == [{"type": "response", "args": "Monday"}]


def test_tool_names_are_read_only_unless_the_workflow_allows_renaming():
    from console.formats import arguments

    value = {"action_request": {"action": "send_email", "args": {"to": "a@b.org"}}, "config": {"allow_edit": True}}
    assert "tool_name" not in [f.name for f in formats.describe(value).action("edit").fields]
    assert formats.build_answer(value, "edit", {"arg:to": "c@d.org", "tool_name": "delete_all"}) == [
        {"type": "edit", "args": {"action": "send_email", "args": {"to": "c@d.org"}}}]  # a smuggled name is not read
    formats.allow_renaming("send_email")
    try:
        assert formats.describe(value).action("edit").fields[0].name == "tool_name"
        assert formats.build_answer(value, "edit", {"arg:to": "c@d.org", "tool_name": "send_fax"})[0]["args"]["action"] == "send_fax"
    finally:
        arguments.RENAMABLE.clear()


def test_the_diff_of_an_edit_names_each_changed_field():
    value = {"action_requests": [{"name": "send_email", "args": {"to": ["a@x.org"], "subject": "Hi", "body": "L1\nL2\nL3",
                                                                  "priority": 2}}],
             "review_configs": [{"action_name": "send_email", "allowed_decisions": ["approve", "edit"]}]}
    same = {"arg:to": "a@x.org", "arg:subject": "Hi", "arg:body": "L1\nL2\nL3", "arg:priority": 2}
    check = formats.confirmation(value, "edit", same)
    assert check["edited"] and check["changes"] == [] and not check["show_answer"]
    edited = {**same, "arg:to": "a@x.org\nb@x.org", "arg:subject": "Hello", "arg:body": "L1\nL2 changed\nL3"}
    check = formats.confirmation(value, "edit", edited)
    assert json.loads(json.dumps(check)) == check  # JSON-able, ready for the decision log
    by_field = {c["field"]: c for c in check["changes"]}
    assert set(by_field) == {"To", "Subject", "Body"}
    assert by_field["To"]["added"] == ["b@x.org"] and by_field["To"]["removed"] == []
    assert (by_field["Subject"]["before"], by_field["Subject"]["after"]) == ("Hi", "Hello")
    assert by_field["Body"]["lines"] == [{"op": "same", "text": "L1"}, {"op": "removed", "text": "L2"},
                                         {"op": "added", "text": "L2 changed"}, {"op": "same", "text": "L3"}]
    assert diff.sentences(check["changes"])[:2] == ["To: added “b@x.org”", "Subject: “Hi” → “Hello”"]
    assert formats.confirmation(value, "approve", {}) is None  # nothing to confirm: sent straight away
