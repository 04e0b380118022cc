"""The picture of a workflow: LangGraph's get_graph as DOT, in plain words, escaped, with the waiting step lit."""

import re

import pytest

from console.graph_picture import quoted, readable, to_dot, workflow_dot
from tests.tour_graphs import HOSTILE, hostile, with_subgraph
from workflows import content_approval

STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def unquote(token: str) -> str:
    """What Graphviz reads from a quoted DOT string (its escapes, then the entity we write for &)."""
    body = token[1:-1]
    return re.sub(r"\\(.)", r"\1", body).replace("&amp;", "&")


def labels(dot: str) -> dict[str, str]:
    """DOT node id → its label, as Graphviz reads it."""
    return {m.group(1): unquote(m.group(2)) for m in re.finditer(r"^\s*(n\d+) \[label=(\"(?:[^\"\\]|\\.)*\")", dot, re.M)}


def skeleton(dot: str) -> str:
    """The DOT with every quoted string blanked: what is left is all structure."""
    return STRING.sub('""', dot)


@pytest.mark.parametrize("name, words", [
    ("draft_reply", "Draft reply"),
    ("__start__", "Start"),
    ("__end__", "End"),
    ("HumanInTheLoopMiddleware.after_model", "Human in the loop middleware after model"),
    ("check-URL", "Check URL"),
    ("___", "Step"),
])
def test_node_names_read_as_plain_words(name, words):
    assert readable(name) == words


def test_a_workflow_in_plain_words_with_its_waiting_step_lit():
    dot = workflow_dot(content_approval.build().compile(), waiting="review")
    assert sorted(labels(dot).values()) == ["End", "Publish", "Review (waits here)", "Start", "Write draft"]
    lit = next(line for line in dot.splitlines() if "waits here" in line)
    assert "#ffd54f" in lit and "penwidth" in lit
    assert dot.count("#ffd54f") == 1  # one step lit, no more
    assert dot.count('[style="dashed"]') == 2  # the two arrows taken only on some answers


def test_no_step_lit_when_the_thread_waits_nowhere():
    dot = workflow_dot(content_approval.build().compile(), waiting=None)
    assert "waits here" not in dot and "#ffd54f" not in dot


def test_a_subgraph_is_a_box_of_its_own_steps_and_lights_when_it_waits():
    graph = with_subgraph().compile()
    dot = workflow_dot(graph, waiting="checks")
    cluster = dot[dot.index("subgraph cluster_0"):]
    cluster = cluster[:cluster.index("}")]
    assert 'label="Checks (waits here)"' in cluster
    assert {unquote(t) for t in re.findall(r'label=("(?:[^"\\]|\\.)*")', cluster)} == {"Checks (waits here)", "Check facts", "Check tone"}
    # The arrows go into and out of the subgraph's own steps.
    ids = {v: k for k, v in labels(dot).items()}
    assert f"{ids['Draft reply']} -> {ids['Check facts']};" in dot
    assert f"{ids['Check tone']} -> {ids['Send reply']};" in dot


def test_a_hostile_node_name_stays_one_label():
    dot = workflow_dot(hostile().compile(), waiting=HOSTILE)
    # Structure: three nodes with our own ids, two edges, nothing the name added.
    assert re.findall(r"\b(n\d+|evil)\b", skeleton(dot)) == ["n0", "n1", "n2", "n0", "n1", "n1", "n2"]
    assert skeleton(dot).count("->") == 2 and "evil" not in skeleton(dot)
    # The label reads back as the name in plain words, every character as written.
    assert labels(dot)["n1"] == readable(HOSTILE) + " (waits here)"
    assert "<b>b</b>&lt;" in labels(dot)["n1"]  # shown as text, not bold, and not turned into "<"
    assert "\n" not in dot.splitlines()[5]


@pytest.mark.parametrize("text", ['a"b', "a\\b", "a\\", "\\N\\G\\l", "line\nbreak\r\x00", "<b>x</b>", "&lt;&amp;", '"; x [a="'])
def test_quoted_strings_read_back_as_the_text(text):
    token = quoted(text)
    assert STRING.fullmatch(token), token  # one DOT string, however the text ends
    expected = re.sub(r"[\n\r\x00]", " ", text)
    assert unquote(token) == expected


def test_a_graph_that_cannot_describe_itself_gets_no_picture():
    class Broken:
        def get_graph(self, xray=False):
            raise RuntimeError("no")

    assert workflow_dot(Broken()) is None and workflow_dot(None) is None


def test_to_dot_ignores_an_edge_to_a_node_it_does_not_have():
    graph = with_subgraph().compile().get_graph(xray=True)
    graph.edges.append(type(graph.edges[0])("draft_reply", "nowhere"))
    assert "nowhere" not in to_dot(graph)
