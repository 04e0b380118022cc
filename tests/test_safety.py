"""Safe by default: strict checkpoint decoding, and a hardened Streamlit config."""

import ast
import os
import re
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
                     "AND thread_id = 'demo-0001'", (blob,)).rowcount
assert n == 1, n
"""

READ_AS_PLAIN_LANGGRAPH = """
import asyncio, os, sys
os.environ["LANGGRAPH_STRICT_MSGPACK"] = sys.argv[2]
sys.path.insert(0, sys.argv[3])
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
async def main():
    async with AsyncSqliteSaver.from_conn_string(sys.argv[1]) as saver:
        config = {"configurable": {"thread_id": "demo-0001", "checkpoint_ns": ""}}
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
        console_.thread("demo-0001")
    except Exception:
        pass  # refusing to read it is fine; running it is not
    assert not marker.exists()
    assert os.environ["LANGGRAPH_STRICT_MSGPACK"] == "true"


HARDENED = {
    "server": {"headless": True, "enableCORS": True, "enableXsrfProtection": True, "maxUploadSize": 5, "runOnSave": False},
    "client": {"showErrorDetails": "none", "toolbarMode": "viewer"},
    "browser": {"gatherUsageStats": False},
    "runner": {"magicEnabled": False, "postScriptGC": False},
}


def test_streamlit_config_stays_hardened():
    """Exactly these values: "stacktrace" instead of "none", or a new setting, fails until it is reviewed here."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config == HARDENED


# ---- untrusted text never reaches Markdown: a static read of every page -------------------------

# Streamlit calls whose text argument renders Markdown (links, images, directives): their first
# positional argument, unless named in FIRST_IS_NOT_TEXT.
MARKDOWN_CALLS = {
    "title", "header", "subheader", "markdown", "caption", "write", "error", "warning", "info", "success",
    "exception", "toast", "status", "expander", "tabs", "page_link", "button", "checkbox", "radio", "selectbox",
    "multiselect", "text_input", "text_area", "number_input", "toggle", "download_button", "form_submit_button",
    "metric", "slider", "select_slider", "date_input", "time_input", "color_picker", "file_uploader",
    "camera_input", "chat_input", "link_button", "popover", "pills", "segmented_control", "dialog", "badge",
    "feedback", "audio_input", "data_editor",
}
FIRST_IS_NOT_TEXT = {"page_link", "data_editor", "feedback"}  # a page, a table, a kind of icon
ALL_POSITIONAL = {"write", "tabs"}  # st.write(*parts), st.tabs([labels])
TEXT_KEYWORDS = {"label", "body", "help", "placeholder", "title", "caption", "name"}
OPTIONS_AS_MARKDOWN = {"radio", "pills", "segmented_control", "select_slider"}  # each option is Markdown too
MAKES_INERT = {"inert", "safe_markdown"}
NOT_STREAMLIT = {"log", "logger", "logging", "warnings", "os", "sys", "json", "re", "Path"}
NEVER = {"html", "iframe", "declare_component"}  # untrusted HTML or frames, whatever the arguments


def _sources() -> list[Path]:
    return sorted((ROOT / "views").glob("*.py")) + sorted((ROOT / "ui").glob("*.py")) + [ROOT / "streamlit_app.py"]


class _Scopes(ast.NodeVisitor):
    """Every assignment `name = value` per function (and the module), so a name is judged by what it holds."""

    def __init__(self) -> None:
        self.bound: dict[ast.AST, dict[str, list[ast.AST]]] = {}
        self.scope_of: dict[ast.AST, ast.AST] = {}
        self._stack: list[ast.AST] = []

    def visit_Module(self, node):  # noqa: N802 (ast's naming)
        self._enter(node)

    visit_FunctionDef = visit_Lambda = visit_Module  # noqa: N815

    def _enter(self, node):
        self._stack.append(node)
        self.bound.setdefault(node, {})
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            for arg in node.args.args + node.args.kwonlyargs:
                self.bound[node].setdefault(arg.arg, []).append(arg)  # a parameter: not known to be inert
        self.generic_visit(node)
        self._stack.pop()

    def generic_visit(self, node):
        if self._stack:
            self.scope_of[node] = self._stack[-1]
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                self._bind(target, node.value)
        elif isinstance(node, (ast.For, ast.comprehension, ast.withitem, ast.NamedExpr)):
            target = getattr(node, "target", None) or getattr(node, "optional_vars", None)
            if target is not None:
                self._bind(target, node)  # bound by a loop or a with: not a known value
        super().generic_visit(node)

    def _bind(self, target, value):
        scope = self.bound[self._stack[-1]]
        if isinstance(target, ast.Name):
            scope.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            parts = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) else None
            for n, element in enumerate(target.elts):
                self._bind(element, parts[n] if parts else target)


class _Judge:
    def __init__(self, tree: ast.Module) -> None:
        self.scopes = _Scopes()
        self.scopes.visit(tree)
        self.module = tree

    def values_of(self, name: str, at: ast.AST) -> list[ast.AST] | None:
        scope = self.scopes.scope_of.get(at, self.module)
        for where in (scope, self.module):
            if name in self.scopes.bound.get(where, {}):
                return self.scopes.bound[where][name]
        return None

    def inert(self, node: ast.AST, seen: frozenset = frozenset()) -> bool:
        """A literal, our own f-string around inert parts, or the output of inert() / safe_markdown()."""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, (str, int, float, bool)) or node.value is None
        if isinstance(node, ast.JoinedStr):
            return all(self.inert(v.value, seen) if isinstance(v, ast.FormattedValue) else True for v in node.values)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if called in MAKES_INERT:
                return True
            if called == "get" and isinstance(func, ast.Attribute):  # LITERALS.get(key, "literal")
                return self._literal_table(func.value, seen) and all(self.inert(a, seen) for a in node.args[1:])
            return False
        if isinstance(node, ast.Subscript):
            return self._literal_table(node.value, seen)
        if isinstance(node, ast.IfExp):
            return self.inert(node.body, seen) and self.inert(node.orelse, seen)
        if isinstance(node, ast.BoolOp):
            return all(self.inert(v, seen) for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.inert(node.left, seen) and self.inert(node.right, seen)
        if isinstance(node, (ast.List, ast.Tuple)):
            return all(self.inert(e, seen) for e in node.elts)
        if isinstance(node, ast.Name) and node.id not in seen:
            values = self.values_of(node.id, node)
            return bool(values) and all(self.inert(v, seen | {node.id}) for v in values)
        return False

    def _literal_table(self, node: ast.AST, seen: frozenset) -> bool:
        if isinstance(node, ast.Dict):
            return all(self.inert(v, seen) for v in node.values)
        if isinstance(node, ast.Name) and node.id not in seen:
            values = self.values_of(node.id, node)
            return bool(values) and all(self._literal_table(v, seen | {node.id}) for v in values)
        return False

    def formats_inert(self, call: ast.Call) -> bool:
        func = next((k.value for k in call.keywords if k.arg == "format_func"), None)
        if isinstance(func, ast.Name):
            return func.id in MAKES_INERT
        return isinstance(func, ast.Lambda) and self.inert(func.body)


def _called(call: ast.Call) -> tuple[str | None, str | None]:
    """(method name, receiver name): st.error → ("error", "st"); row[0].multiselect → ("multiselect", None)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        receiver = func.value.id if isinstance(func.value, ast.Name) else None
        return func.attr, receiver
    return None, None


def markdown_offences(source: str, filename: str = "<page>") -> list[str]:
    """Every place a Markdown-rendering Streamlit call gets anything but a literal or inert text."""
    tree = ast.parse(source, filename)
    judge, found = _Judge(tree), []

    def offence(node, why):
        found.append(f"{filename}:{node.lineno}: {why}: {ast.unparse(node)[:120]}")

    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name, receiver = _called(call)
        for keyword in call.keywords:
            if keyword.arg == "unsafe_allow_html" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                offence(call, "unsafe_allow_html")
        if name in NEVER:
            offence(call, f"{name}() renders HTML")
        if name == "update":  # a status container's new label
            for keyword in call.keywords:
                if keyword.arg == "label" and not judge.inert(keyword.value):
                    offence(call, "status label not inert")
            continue
        if name not in MARKDOWN_CALLS or receiver in NOT_STREAMLIT or not (call.args or call.keywords):
            continue
        texts = [] if name in FIRST_IS_NOT_TEXT else call.args if name in ALL_POSITIONAL else call.args[:1]
        texts += [k.value for k in call.keywords if k.arg in TEXT_KEYWORDS]
        for text in texts:
            if not judge.inert(text):
                offence(call, f"{name}() text not inert")
        options = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "options"), None)
        if name in OPTIONS_AS_MARKDOWN and options is not None and not judge.inert(options) and not judge.formats_inert(call):
            offence(call, f"{name}() options not inert (format_func=inert)")
    return found


def test_every_markdown_call_in_the_pages_gets_literal_or_inert_text():
    found = [o for path in _sources() for o in markdown_offences(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("line", [
    "st.title(view.workflow_title)",
    "st.error(str(exc))",
    "st.markdown(f'**{view.static_request.title}**')",
    "st.caption('Thread ' + thread_id)",
    "col.button(label)",
    "st.text_input(inert(name), help=field.help)",
    "st.radio('Your decision', labels)",
    "st.tabs(['Ok', name])",
    "status.update(label=message)",
    "st.page_link('pages/x.py', label=f'Open {thread_id}')",
    "st.markdown('hello', unsafe_allow_html=True)",
    "st.html('<b>x</b>')",
    "components.html(x)",
    "st.write('Hello', name)",
])
def test_the_static_check_catches(line):
    """The check itself: each of these puts untrusted text into Markdown or HTML."""
    assert markdown_offences(line), line


@pytest.mark.parametrize("line", [
    "st.title(inert(view.workflow_title))",
    "st.markdown(f'**{inert(title)}**')",
    "st.caption('Thread ' + inert(thread_id))",
    "label = inert(x) + ' *'\nst.text_input(label)",
    "st.radio('Your decision', labels, format_func=inert)",
    "st.markdown('plain', unsafe_allow_html=False)",
    "log.warning('thread %s', thread_id)",
    "WORDS = {'a': 'A'}\nst.caption(WORDS.get(k, 'B'))",
    "st.markdown(safe_markdown(description))",
])
def test_the_static_check_allows(line):
    assert markdown_offences(line) == [], line


# ---- CI runs the browser tests, on the one browser path ---------------------------------------------


def _collect_e2e(**env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "tests/e2e", "-m", "e2e", "--collect-only", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def test_a_missing_browser_fails_the_run_when_ci_requires_it():
    required = _collect_e2e(REVIEW_CONSOLE_CHROMIUM="/nonexistent/chromium", REVIEW_CONSOLE_REQUIRE_BROWSER="1")
    assert required.returncode != 0
    assert "REVIEW_CONSOLE_REQUIRE_BROWSER is set but /nonexistent/chromium is missing" in required.stdout + required.stderr
    relaxed = _collect_e2e(REVIEW_CONSOLE_CHROMIUM="/nonexistent/chromium", REVIEW_CONSOLE_REQUIRE_BROWSER="")
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr  # outside CI: skipped, saying why


def test_ci_requires_the_browser_at_the_path_the_tests_use():
    from tests.e2e import conftest as e2e

    script = (ROOT / ".ci" / "run").read_text()
    assert "export REVIEW_CONSOLE_REQUIRE_BROWSER=1" in script and "export REVIEW_CONSOLE_REQUIRE_POSTGRES=1" in script
    default = re.search(r'REVIEW_CONSOLE_CHROMIUM="\$\{REVIEW_CONSOLE_CHROMIUM:-([^}]+)\}"', script).group(1)
    assert 'Path(os.environ.get("REVIEW_CONSOLE_CHROMIUM", "/usr/bin/chromium"))' in (ROOT / "tests/e2e/conftest.py").read_text()
    assert default == "/usr/bin/chromium" and str(e2e.CHROMIUM) == os.environ.get("REVIEW_CONSOLE_CHROMIUM", default)
    assert "apt-get install -y -qq --no-install-recommends chromium" in script
