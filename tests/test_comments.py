"""Issue 16, comments: reviewers discuss a thread on its page; kept beside the decision log, shown inert, exported."""

import io

import pandas as pd
import pytest

from console.errors import InvalidAnswer
from tests.conftest import ANN, BOB, answer, raw_connect
from tests.test_pages import open_thread, texts

THREAD = "demo-0001"
HOSTILE = "**Approve** [now](http://evil.example) ![x](http://evil.example/p.png) <b>hi</b>\n# heading"


def post(at, text):
    next(a for a in at.text_area if a.label == "Add a comment").input(text)
    return next(b for b in at.button if b.label == "Post comment").click().run()


def test_a_comment_shows_who_when_and_its_text_exactly_as_written(app):
    at = open_thread(app, THREAD)
    at = post(at, HOSTILE)
    assert not at.exception
    shown = [t.value for t in at.text]
    assert HOSTILE in shown  # st.text: nothing of it is Markdown
    assert any(v.startswith("Ann (unverified) · ") and v.endswith(" UTC") for v in shown)
    assert all("evil.example" not in m.value for m in at.markdown)
    assert next(a for a in at.text_area if a.label == "Add a comment").value == ""  # the box is emptied


def test_an_empty_comment_is_not_saved_and_says_why(app):
    at = open_thread(app, THREAD)
    at = post(at, "   ")
    assert "Write something first: an empty comment is not saved." in texts(at)
    assert "No comment yet." in texts(at)


def test_comments_are_kept_in_order_and_cannot_be_rewritten(demo, db_path):
    demo.team.add_comment(THREAD, ANN, "first")
    demo.team.add_comment(THREAD, BOB, "second")
    log = demo.team.comment_log(THREAD)
    assert list(log["comment"]) == ["first", "second"] and list(log["reviewer"]) == ["Ann (unverified)", "Bob (unverified)"]
    for statement in ("DELETE FROM rc_comments", "UPDATE rc_comments SET body = 'changed'"):
        with pytest.raises(Exception, match="append-only"):
            with raw_connect(db_path) as conn:
                conn.execute(statement)
    assert list(demo.team.comment_log(THREAD)["comment"]) == ["first", "second"]
    with pytest.raises(InvalidAnswer, match="at most 4,000 characters"):
        demo.team.add_comment(THREAD, ANN, "x" * 4001)


def test_the_export_holds_decisions_and_comments_in_time_order(app, db_path):
    at = open_thread(app, THREAD)
    at = post(at, "=HYPERLINK(\"http://evil.example\") looks fine")
    at = next(b for b in at.button if b.label == "Approve").click().run()
    at = post(at, "published, thanks")
    download = next(e for e in at.get("download_button") if e.proto.label == "Download decisions and comments (CSV)")
    from console.service import Console  # the bytes the button sends are those of render.csv_bytes over this frame
    from tests.conftest import settings_for
    other = Console(settings_for(str(db_path), seed_demo=False, offline_token_delay=0))
    try:
        from console.comments import with_comments
        from ui.render import csv_bytes
        data = csv_bytes(with_comments(other.decision_log(THREAD), other.team.comment_log(THREAD)))
    finally:
        other.close()
    frame = pd.read_csv(io.BytesIO(data))
    assert list(frame["entry"]) == ["comment", "decision", "comment"]
    assert frame["comment"].iloc[0].startswith("'=HYPERLINK")  # a spreadsheet does not run it
    assert frame["action"].iloc[1] == "approve" and frame["outcome"].iloc[1] == "applied"
    assert not download.proto.disabled
