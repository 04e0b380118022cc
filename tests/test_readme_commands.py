"""Every command in README.md runs as written: found by parsing the README, so the two cannot drift.

Commands come from ```bash blocks and from inline `code` that starts like a command. The ones
that can run offline are run from a fresh copy of the repository (its tracked files and .venv):
bench scripts at a tiny size, the check command, and the examples' `streamlit run` (until the
server answers its health check). The own-process snippets (```python blocks starting with
"# Your own process") run against a temporary database, and the console must list their thread;
the PostgreSQL set-up commands run on the throwaway server, and the console opens as that role.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, drop_database, fresh_database

README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^[ \t]*```(\w*)[ \t]*\n(.*?)^[ \t]*```", re.S | re.M)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
ENV = r"(?:[A-Z_][A-Z0-9_]*=(?:\"[^\"]*\"|'[^']*'|\S+)\s+)*"
PROGRAM = re.compile(rf"^{ENV}(\S+)")
LOOKS_LIKE_A_COMMAND = re.compile(rf"^{ENV}(?:\.venv/bin/\S+|python3?|pip3?|streamlit|psql|createuser|createdb)(?:\s|$)")
PLACEHOLDERS = ("…", "path/to/", "db.internal", "postgresql://", "<")
BENCH_TINY = {"--threads": "1000", "--n": "3", "--sessions": "1", "--duration": "3", "--decisions": "1000", "--repeat": "3"}  # 1000: the benches assert a full 50-row first page


def blocks(lang: str) -> list[str]:
    return [body for kind, body in FENCE.findall(README) if kind == lang]


def bash_commands() -> list[str]:
    """Each command of the README: bash blocks (continuations joined, comments dropped, && split) and inline code."""
    found = []
    for body in blocks("bash"):
        for line in re.sub(r"\\\n\s*", " ", body).splitlines():
            line = line.split("  #", 1)[0].strip()
            if line and not line.startswith(("#", "$")):
                found += [part.strip() for part in line.split("&&")]
    prose = FENCE.sub("", README)
    found += [code.strip() for code in INLINE.findall(prose) if LOOKS_LIKE_A_COMMAND.match(code.strip())]
    return list(dict.fromkeys(found))


def program(command: str) -> str:
    match = PROGRAM.match(command)
    return match.group(1) if match else ""


def runnable(command: str) -> bool:
    """Offline and self-contained: no placeholder, no network install, not the test suite itself."""
    if any(mark in command for mark in PLACEHOLDERS) or program(command) == "export":
        return False
    if program(command) == ".venv/bin/python":
        return " bench/" in command or "-m console check" in command
    return program(command) == ".venv/bin/streamlit" and " run " in f" {command} "


def test_the_readme_has_the_commands_this_test_runs():
    kinds = {("bench" if " bench/" in c else "check" if "console check" in c else "streamlit") for c in bash_commands() if runnable(c)}
    assert kinds == {"bench", "check", "streamlit"}
    assert len(blocks("python")) >= 4


def test_every_command_runs_inside_the_venv():
    """`python bench/…` fails outside the venv ("No module named 'langgraph'"); so does a bare `streamlit`."""
    bare = [c for c in bash_commands()
            if program(c) in ("python", "python3", "pip", "pip3", "streamlit") and not c.startswith("python3 -m venv .venv")]
    assert bare == []


@pytest.fixture
def fresh_clone(tmp_path: Path) -> Path:
    """The repository's tracked files as they are in this checkout, and the shared .venv."""
    clone = tmp_path / "clone"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    (clone / ".venv").symlink_to((ROOT / ".venv").resolve())
    if (ROOT / ".venv-server").is_dir():  # the LangGraph Server bench starts `langgraph dev` from it
        (clone / ".venv-server").symlink_to((ROOT / ".venv-server").resolve())
    return clone


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVIEW_CONSOLE_", "PYTHONPATH"))}
    env["REVIEW_CONSOLE_TOKEN_DELAY"] = "0"
    return env


def _split(command: str) -> tuple[dict[str, str], list[str]]:
    words = shlex.split(command)
    env = {}
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    return env, words


def _tiny(words: list[str], clone: Path) -> list[str]:
    """A bench command at a tiny size: every size flag shrunk, or the script's own size flag added."""
    out, skip = [], False
    for i, word in enumerate(words):
        if skip and not word.startswith("-"):
            continue
        skip = word in BENCH_TINY
        out.append(word)
        if skip:
            out.append(BENCH_TINY[word])
    script = next(w for w in words if w.startswith("bench/"))
    usage = subprocess.run([str(clone / ".venv/bin/python"), script, "--help"], cwd=clone, capture_output=True, text=True).stdout
    for flag, value in BENCH_TINY.items():  # every size flag the script has, also those the README leaves at their default
        if flag not in out and re.search(re.escape(flag) + r"\b(?!-)", usage):
            out += [flag, value]
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_until_healthy(env: dict, words: list[str], clone: Path) -> None:
    port = _free_port()
    words = [w for i, w in enumerate(words) if w != "--server.port" and (i == 0 or words[i - 1] != "--server.port")]
    words += ["--server.port", str(port), "--server.headless", "true"]
    process = subprocess.Popen(words, cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60  # a bound for a stuck start, not a latency goal
        while True:
            assert process.poll() is None, process.stdout.read().decode(errors="replace")[-2000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer its health check"
            time.sleep(0.2)  # polling the server's state
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.parametrize("command", [c for c in bash_commands() if runnable(c)])
def test_offline_command_runs_as_written(command, fresh_clone):
    extra, words = _split(command)
    env = {**_env(), **extra}
    if " bench/" in command:
        words = _tiny(words, fresh_clone)
    if program(command) == ".venv/bin/streamlit":
        _serve_until_healthy(env, words, fresh_clone)
        words = [".venv/bin/python", "-m", "console", "check"]  # and the same settings pass the check
    done = subprocess.run(words, cwd=fresh_clone, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    if words[1:4] == ["-m", "console", "check"]:
        assert "All checks passed." in done.stdout


# ---- the own-process snippets ---------------------------------------------------------------

SNIPPETS = [body for body in blocks("python") if body.startswith("# Your own process")]
SQLITE_FILE = '"data/checkpoints.db"'
PG_URL = '"postgresql://review_console:change-me@db.internal:5432/reviews"'
SUPPORT = "examples.support_reply:build?interrupt_before=send_reply"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.splitlines()[0][2:] for s in SNIPPETS])
def test_own_process_snippet_writes_a_thread_the_console_lists(snippet, tmp_path, request):
    from console.service import Console
    from console.settings import Settings

    database = None
    if PG_URL in snippet:
        server = request.getfixturevalue("pg_server")
        if isinstance(server, Exception):
            pytest.skip(f"PostgreSQL cannot be started here: {server}")
        database = fresh_database(server)
        where = server.url_for(database)
        settings = Settings(database_url=where, seed_demo=False, extra_workflows=(SUPPORT,))
        code = snippet.replace(PG_URL, repr(where))
    else:
        assert SQLITE_FILE in snippet
        where = str(tmp_path / "checkpoints.db")
        settings = Settings(db_path=Path(where), seed_demo=False, extra_workflows=(SUPPORT,))
        code = snippet.replace(SQLITE_FILE, repr(where))
    thread_id = re.search(r'"thread_id": "([^"]+)"', snippet).group(1)
    console_ = Console(settings)  # the console first: its tables and triggers, then the team's process writes
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**_env(), "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        view = console_.thread(thread_id)
        assert (view.workflow, view.status, view.waiting_node) == ("support_reply", "waiting", "review_reply")
        assert thread_id in set(console_.inbox().rows["thread_id"]) or _listed_soon(console_, thread_id)
    finally:
        console_.close()
        if database:
            drop_database(request.getfixturevalue("pg_server"), database)


def _listed_soon(console_, thread_id: str) -> bool:
    """The index follows another process's writes from its triggers, within its 0.1 s tick."""
    for _ in range(100):
        if thread_id in set(console_.inbox().rows["thread_id"]):
            return True
        time.sleep(0.1)
    return False


# ---- PostgreSQL from an empty server ---------------------------------------------------------


def test_postgresql_setup_commands_give_the_console_what_it_needs(pg_server, tmp_path):
    if isinstance(pg_server, Exception):
        pytest.skip(f"PostgreSQL cannot be started here: {pg_server}")
    block = next(body for body in blocks("bash") if "createuser" in body)
    commands = [line.strip() for line in re.sub(r"\\\n\s*", " ", block).splitlines() if line.strip()]
    env = {**_env(), "PATH": f"{pg_server._bin}:{os.environ['PATH']}", "PGHOST": "127.0.0.1",
           "PGPORT": str(pg_server.port), "PGUSER": "postgres"}
    try:
        for command in commands:
            done = subprocess.run(command, shell=True, env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, f"{command}: {done.stderr}"
        url = f"postgresql://review_console:change-me@127.0.0.1:{pg_server.port}/reviews"
        from console.service import Console
        from console.settings import Settings
        from tests.conftest import ANN, answer

        app = Console(Settings(database_url=url, seed_demo=False, demo_workflows=False, extra_workflows=(SUPPORT,)))
        try:
            list(app.start("support_reply", {"ticket": "my parcel is late"}, ANN, thread_id="pg-1"))
            assert answer(app, "pg-1", "approve").status == "applied"
            assert app.thread("pg-1").waiting_node == "send_reply"
        finally:
            app.close()
        check = subprocess.run([sys.executable, "-m", "console", "check"], cwd=ROOT,
                               env={**_env(), "REVIEW_CONSOLE_DB": url, "REVIEW_CONSOLE_WORKFLOWS": SUPPORT},
                               capture_output=True, text=True, timeout=120)
        assert check.returncode == 0 and "reachable and writable" in check.stdout, check.stdout
    finally:
        subprocess.run("dropdb --if-exists --force reviews; dropuser --if-exists review_console",
                       shell=True, env=env, capture_output=True, timeout=60)
