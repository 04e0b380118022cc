"""`python -m console check`: every setting, workflow, the database, policy and sign-in, one plain line each."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from console.policy import PolicyError, load_policy
from console.settings import Settings, load_settings
from console.start_input import WHOLE, input_fields


@dataclass(frozen=True)
class Line:
    status: str  # ok | note | fail
    item: str
    text: str
    fix: str = ""  # what to do, for a failure

    def render(self) -> str:
        head = {"ok": "ok  ", "note": "note", "fail": "FAIL"}[self.status]
        return f"{head}  {self.item}: {self.text}" + (f"\n      What to do: {self.fix}" if self.fix else "")


def check_settings(settings: Settings) -> list[Line]:
    lines = [Line("ok", "Settings", f"database {settings.database_label}, sign-in “{settings.auth_mode}”, "
                                    f"{len(settings.extra_workflows)} workflow entr{'y' if len(settings.extra_workflows) == 1 else 'ies'}, "
                                    f"demo workflows {'shown' if settings.demo_workflows else 'hidden'}, "
                                    f"demo threads {'seeded into an empty database' if settings.seed_demo else 'off'}")]
    if settings.database_url and settings.seed_demo:
        lines.append(Line("note", "Demo threads", "REVIEW_CONSOLE_DEMO is on for a PostgreSQL database: an empty one "
                                                  "gets the demo threads on first start"))
    return lines


def check_workflows(settings: Settings) -> list[Line]:
    from workflows.registry import WorkflowLoadError, entry_name, load_entry

    lines, seen = [], set()
    if not settings.extra_workflows:
        lines.append(Line("note", "Workflows", "no REVIEW_CONSOLE_WORKFLOWS entry: only the demo workflows are listed"
                          if settings.demo_workflows else "no workflow at all: set REVIEW_CONSOLE_WORKFLOWS"))
    for entry in settings.extra_workflows:
        item = f"Workflow {entry_name(entry)} ({entry})"
        try:
            spec = load_entry(entry)
        except WorkflowLoadError as exc:
            lines.append(Line("fail", item, f"not loaded: {exc}",
                              "check the module and attribute names; put the team's folder on PYTHONPATH or run "
                              "`.venv/bin/pip install -e path/to/your/package`"))
            continue
        except Exception as exc:  # the team's module raised while importing
            lines.append(Line("fail", item, f"importing it failed: {type(exc).__name__}: {exc}",
                              f"run `.venv/bin/python -c \"import {entry.partition(':')[0]}\"` to see the error, and fix the module"))
            continue
        if spec.name in seen:
            lines.append(Line("fail", item, f"a second workflow is named {spec.name}", "add ?name=… to one of the entries"))
            continue
        seen.add(spec.name)
        try:
            graph = spec.compile(None)
        except Exception as exc:
            lines.append(Line("fail", item, f"loads, but does not compile: {exc}", "fix the graph (its edges and node names)"))
            continue
        fields = input_fields(spec, graph)
        if fields[0].key == WHOLE:
            asks = "one text (a JSON object is passed as the whole input)"
        else:
            asks = ", ".join(f.key + (" (required)" if f.required else "") for f in fields)
        notes = "".join(f"; {note}" for note in spec.notes)
        lines.append(Line("ok", item, f"loads and compiles; the Start form asks for {asks}{notes}"))
    return lines


def _sqlite_version(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM rc_meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _schema_line(found: str | None) -> Line:
    from console.store.records import SCHEMA_VERSION

    if found is None:
        return Line("ok", "Database schema", "the console's tables are not there yet; they are created on first start")
    if int(found) > SCHEMA_VERSION:
        return Line("fail", "Database schema", f"version {found}, newer than this console's ({SCHEMA_VERSION})",
                    "upgrade the console to the version that wrote this database")
    if int(found) < SCHEMA_VERSION:
        return Line("ok", "Database schema", f"version {found}; upgraded to {SCHEMA_VERSION} on the next start")
    return Line("ok", "Database schema", f"version {found}, current")


def check_sqlite(settings: Settings) -> list[Line]:
    path = Path(settings.db_path)
    item = f"Database {path}"
    if path.is_dir():
        return [Line("fail", item, "is a folder, not a file", "set REVIEW_CONSOLE_DB to a file path")]
    if not path.exists():
        if not settings.create_db:
            return [Line("fail", item, "does not exist", "check REVIEW_CONSOLE_DB, or set REVIEW_CONSOLE_CREATE_DB=1 "
                                                          "to start a new, empty database")]
        folder = path.parent if path.parent.exists() else next(p for p in path.parents if p.exists())
        import os
        if not os.access(folder, os.W_OK):
            return [Line("fail", item, f"does not exist, and the folder {folder} is read-only", "choose a writable folder")]
        return [Line("ok", item, "does not exist yet; it is created on first start")]
    try:
        with open(path, "rb") as handle:
            if handle.read(16) not in (b"", b"SQLite format 3\x00"):
                return [Line("fail", item, "is not a SQLite database", "check REVIEW_CONSOLE_DB")]
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=settings.busy_timeout_s)
    except (OSError, sqlite3.Error) as exc:
        return [Line("fail", item, f"cannot be opened for writing ({exc})", "make the file and its folder writable")]
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            return [Line("fail", item, f"is damaged ({verdict})", "restore it from a backup")]
        try:
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock, writes nothing
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            return [Line("fail", item, f"is reachable but not writable ({exc})",
                         "make the file and its folder writable; if another program holds a lock, try again")]
        return [Line("ok", item, "reachable and writable"), _schema_line(_sqlite_version(conn))]
    finally:
        conn.close()


def check_postgres(settings: Settings) -> list[Line]:
    import psycopg

    from console.store.postgres_driver import describe_url

    item = f"Database PostgreSQL {describe_url(settings.database_url)}"
    try:
        conn = psycopg.connect(settings.database_url, connect_timeout=5, autocommit=True)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [Line("fail", item, f"cannot be reached or refuses the sign-in ({first})",
                     "check the host, port, user, password and database name in REVIEW_CONSOLE_DB "
                     "(see README, Run on PostgreSQL)")]
    with conn:
        exists = conn.execute("SELECT to_regclass('rc_meta') IS NOT NULL").fetchone()[0]
        try:
            with conn.transaction(force_rollback=True):  # creates nothing: rolled back
                conn.execute("CREATE TABLE rc_check_probe (x int)")
                conn.execute("INSERT INTO rc_check_probe VALUES (1)")
            writable = True
        except psycopg.Error:
            writable = False
        if not writable and exists:
            # Tables made once by an owner: this user only needs to read and write them.
            writable = conn.execute(
                "SELECT bool_and(has_table_privilege(c.oid, 'SELECT,INSERT,UPDATE,DELETE')) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema() "
                "AND (c.relname LIKE 'rc\\_%' OR c.relname LIKE 'checkpoint%')").fetchone()[0]
        if not writable:
            return [Line("fail", item, "reachable, but this user may not create or write the console's tables",
                         "GRANT CREATE ON SCHEMA public to the user, or let the database owner start the console once "
                         "(README, Run on PostgreSQL)")]
        version = None
        if exists:
            row = conn.execute("SELECT value FROM rc_meta WHERE key = 'schema_version'").fetchone()
            version = row[0] if row else None
        return [Line("ok", item, "reachable and writable"), _schema_line(version)]


def check_policy(settings: Settings) -> list[Line]:
    default = "admin" if settings.auth_mode == "demo" else "viewer"
    if not settings.policy_path:
        who = "everyone who types a name is an admin" if default == "admin" else "signed-in people may only look (viewer)"
        return [Line("note", "Permissions", f"no policy file (REVIEW_CONSOLE_POLICY): {who}")]
    try:
        policy = load_policy(settings.policy_path, default)
    except PolicyError as exc:
        return [Line("fail", "Permissions", str(exc), "fix the TOML file (README, Sign-in and permissions)")]
    return [Line("ok", "Permissions", f"{settings.policy_path}: {len(policy.grants)} grant(s), default role {policy.default_role}")]


def check_sign_in(settings: Settings) -> list[Line]:
    mode = settings.auth_mode
    if mode == "demo":
        return [Line("note", "Sign-in", "demo: names are typed and not verified; set REVIEW_CONSOLE_AUTH=oidc or proxy "
                                        "before real reviewers use it")]
    if mode == "proxy":
        return [Line("ok", "Sign-in", f"proxy: the identity is read from the header {settings.proxy_header}; the console "
                                      "must listen where only the proxy can reach it")]
    if mode == "oidc":
        import tomllib
        secrets = Path(".streamlit/secrets.toml")
        try:
            auth = tomllib.loads(secrets.read_text()).get("auth", {}) if secrets.exists() else {}
        except (OSError, tomllib.TOMLDecodeError) as exc:
            return [Line("fail", "Sign-in", f"oidc: {secrets} cannot be read ({exc})", "fix the TOML file")]
        missing = [k for k in ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
                   if not auth.get(k)]
        if missing:
            return [Line("fail", "Sign-in", f"oidc: [auth] in {secrets} lacks {', '.join(missing)}",
                         "add them (README, Sign-in and permissions)")]
        return [Line("ok", "Sign-in", "oidc: the provider is configured in .streamlit/secrets.toml")]
    return [Line("fail", "Sign-in", f"unknown REVIEW_CONSOLE_AUTH “{mode}”", "use demo, oidc or proxy")]


def run_checks(settings: Settings | None = None) -> list[Line]:
    settings = settings or load_settings()
    lines = check_settings(settings) + check_workflows(settings)
    lines += check_postgres(settings) if settings.database_url else check_sqlite(settings)
    return lines + check_policy(settings) + check_sign_in(settings)


def main() -> int:
    lines = run_checks()
    for line in lines:
        print(line.render())
    failures = sum(line.status == "fail" for line in lines)
    print(f"{failures} problem(s) found." if failures else "All checks passed.")
    return 1 if failures else 0
