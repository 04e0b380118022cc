"""Safe by default: strict checkpoint decoding, and a hardened Streamlit config."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

PLANT = """
import sqlite3, sys, ormsgpack
db, marker = sys.argv[1], sys.argv[2]
# A msgpack "constructor" ext: ("os", "system", cmd) is called on decode unless blocked.
blob = ormsgpack.packb(ormsgpack.Ext(0, ormsgpack.packb(("os", "system", f"touch {marker}"))))
with sqlite3.connect(db) as conn:
    n = conn.execute("UPDATE writes SET type = 'msgpack', value = ? WHERE channel = '__interrupt__' "
                     "AND thread_id = 'demo-content_approval-1'", (blob,)).rowcount
assert n == 1, n
"""

READ_AS_PLAIN_LANGGRAPH = """
import asyncio, os, sys
os.environ["LANGGRAPH_STRICT_MSGPACK"] = sys.argv[2]
sys.path.insert(0, sys.argv[3])
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
async def main():
    async with AsyncSqliteSaver.from_conn_string(sys.argv[1]) as saver:
        config = {"configurable": {"thread_id": "demo-content_approval-1", "checkpoint_ns": ""}}
        await saver.aget_tuple(config)
asyncio.run(main())
"""


def _plant(db_path: Path, marker: Path) -> None:
    subprocess.run([sys.executable, "-c", PLANT, str(db_path), str(marker)], check=True, timeout=60)


@pytest.mark.sqlite_only  # plants a row with sqlite3
def test_a_planted_constructor_does_not_run_in_the_console(make_console, db_path, tmp_path):
    make_console().close()
    marker = tmp_path / "pwned"
    _plant(db_path, marker)
    # Control: LangGraph's default (non-strict) decoding runs the planted command.
    subprocess.run([sys.executable, "-c", READ_AS_PLAIN_LANGGRAPH, str(db_path), "false", str(ROOT)],
                   check=True, timeout=60, capture_output=True)
    assert marker.exists(), "the control should show the planted payload is live"
    marker.unlink()
    console_ = make_console()
    console_.inbox()
    try:
        console_.thread("demo-content_approval-1")
    except Exception:
        pass  # refusing to read it is fine; running it is not
    assert not marker.exists()
    assert os.environ["LANGGRAPH_STRICT_MSGPACK"] == "true"


def test_streamlit_config_stays_hardened():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableCORS"] is True
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] <= 5
    assert config["server"]["headless"] is True
    assert config["client"]["showErrorDetails"] in ("none", "stacktrace", "type")
    assert config["client"]["showErrorDetails"] != "full"
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["browser"]["gatherUsageStats"] is False


def test_no_page_renders_untrusted_text_as_html():
    sources = [p for p in list((ROOT / "views").glob("*.py")) + list((ROOT / "ui").glob("*.py")) + [ROOT / "streamlit_app.py"]]
    for path in sources:
        text = path.read_text()
        assert "unsafe_allow_html=True" not in text.replace(" ", ""), path
        assert "st.html(" not in text, path
