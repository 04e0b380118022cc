"""Start and stop a local LangGraph Server (`langgraph dev` from .venv-server over tests/server/langgraph.json);
used by the server-mode tests and bench/server_inbox.py."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANGGRAPH = ROOT / ".venv-server" / "bin" / "langgraph"
CONFIG = Path(__file__).resolve().parent / "langgraph.json"
START_S = 90


class ServerDidNotStart(RuntimeError):
    """`langgraph dev` is missing, exited, or did not answer its health check in START_S."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ok", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(folder: Path, extra_env: dict | None = None) -> tuple[subprocess.Popen, str, Path]:
    """(process, url, log file) of a server on a free 127.0.0.1 port; its in-memory store persists in `folder`."""
    if not LANGGRAPH.exists():
        raise ServerDidNotStart(f"{LANGGRAPH} is missing: python3 -m venv .venv-server && .venv-server/bin/pip "
                                "install -r requirements-server.txt (README, “Review a LangGraph Server's threads”)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = folder / "langgraph-dev.log"
    # `langgraph dev` reads graph paths from its working folder: the temp folder gets the config with absolute ones.
    config = json.loads(CONFIG.read_text())
    for entry in config["graphs"].values():
        entry["path"] = str(CONFIG.parent / entry["path"])
    (folder / "langgraph.json").write_text(json.dumps(config))
    env = {**os.environ, "REVIEW_CONSOLE_TOKEN_DELAY": "0", "LANGGRAPH_STRICT_MSGPACK": "true",
           "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false", **(extra_env or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(LANGGRAPH), "dev", "--no-browser", "--no-reload", "--port", str(port), "--host", "127.0.0.1",
             "--config", str(folder / "langgraph.json")], cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
    # Wait on the server's own health answer (or its exit), each probe bounded.
    deadline = time.monotonic() + START_S
    while not _answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process)
            raise ServerDidNotStart(f"langgraph dev did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)  # a poll interval while waiting on the health answer, not a timed assertion
    return process, url, log_path


def stop_server(process: subprocess.Popen) -> None:
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            continue
