"""Settings from environment variables, read once, with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    # Where the checkpoints live; created with its folder when missing.
    db_path: Path = Path("data/checkpoints.db")
    # A PostgreSQL URL (postgresql://user:pass@host:port/db) instead of the SQLite file; empty = SQLite.
    database_url: str = ""
    # Create the database when it is missing. Off when a configured path is missing and no demo
    # data would fill it: an empty inbox must not hide a mistyped path.
    create_db: bool = True
    # Extra workflows: "package.module:attribute" entries, comma separated.
    extra_workflows: tuple[str, ...] = ()
    # Seed demo threads into an empty database on first start (off by default on PostgreSQL:
    # a team's new production database must not fill with demo threads).
    seed_demo: bool = True
    # List the demo workflows (Start page, registry) beside the team's own.
    demo_workflows: bool = True
    # A chat model "provider:model" for langchain's init_chat_model; empty = offline model.
    chat_model: str = ""
    # Pause between streamed tokens of the offline model, so progress is visible.
    offline_token_delay: float = 0.02
    # How long one database statement waits for another writer before giving up.
    busy_timeout_s: float = 2.0
    # Upper bound for one call from a page into the bridge.
    call_timeout_s: float = 30.0
    # Upper bound for a resumed run.
    run_timeout_s: float = 120.0
    # Threads whose latest saved data is larger than this open only when the reviewer asks.
    large_thread_bytes: int = 20_000_000
    # Sign-in: "demo" (typed, unverified names), "oidc" (st.login) or "proxy" (trusted header).
    auth_mode: str = "demo"
    # The header a trusted reverse proxy sets to the signed-in email (proxy mode only).
    proxy_header: str = "X-Forwarded-Email"
    # Permission policy file (TOML); without one, demo users are admins and signed-in users viewers.
    policy_path: str = ""
    # Where notifications go: apprise URLs (json://…, slack://…, mailto://…), separated by spaces
    # (not commas: an e-mail URL may list several recipients with them).
    notify_urls: tuple[str, ...] = ()
    # The console's address as reviewers reach it, for the deep links in notifications.
    base_url: str = "http://localhost:8501"
    # How often the deadline timer looks for due threads and sends waiting notifications (seconds).
    deadline_check_s: float = 15.0
    # A LangGraph Server (http://127.0.0.1:2024) whose threads the console reads and answers through
    # langgraph-sdk instead of a local saver; empty = the local checkpoint database.
    server_url: str = ""
    # Its API key (sent as X-Api-Key), and/or one "Name: value" header for a proxy in front of it.
    server_api_key: str = field(default="", repr=False)
    server_header: str = field(default="", repr=False)
    # Only threads whose metadata holds these pairs (JSON object), e.g. {"team": "billing"}.
    server_metadata: str = ""

    @property
    def database_label(self) -> str:
        """Where the checkpoints are, for people: the file, or PostgreSQL's host:port/db (never a password)."""
        if self.server_url:
            from console.server.client import describe_server
            return f"LangGraph Server {describe_server(self.server_url)}"
        if self.database_url:
            from console.store.postgres_driver import describe_url
            return f"PostgreSQL {describe_url(self.database_url)}"
        return str(self.db_path)


def load_settings() -> Settings:
    workflows = tuple(
        part.strip()
        for part in os.environ.get("REVIEW_CONSOLE_WORKFLOWS", "").split(",")
        if part.strip()
    )
    explicit = os.environ.get("REVIEW_CONSOLE_DB", "").strip()
    server = os.environ.get("REVIEW_CONSOLE_SERVER", "").strip()
    # With a server, the database holds only the console's own claims and log, apart from local demo checkpoints.
    configured = explicit or ("data/server-console.db" if server else "")
    url = configured if configured.split(":", 1)[0].lower() in ("postgres", "postgresql") else ""
    seed_demo = _flag("REVIEW_CONSOLE_DEMO", not url and not server)
    # Demo workflows are shown exactly when demo threads may be seeded, unless said otherwise;
    # without them there is nothing to seed.
    demo_workflows = _flag("REVIEW_CONSOLE_DEMO_WORKFLOWS", seed_demo)
    return Settings(
        db_path=Path(configured or "data/checkpoints.db"),
        database_url=url,
        create_db=_flag("REVIEW_CONSOLE_CREATE_DB", not explicit or seed_demo),
        extra_workflows=workflows,
        seed_demo=seed_demo and demo_workflows,
        demo_workflows=demo_workflows,
        chat_model=os.environ.get("REVIEW_CONSOLE_MODEL", "").strip(),
        offline_token_delay=_float("REVIEW_CONSOLE_TOKEN_DELAY", 0.02),
        busy_timeout_s=_float("REVIEW_CONSOLE_BUSY_TIMEOUT", 2.0),
        call_timeout_s=_float("REVIEW_CONSOLE_CALL_TIMEOUT", 30.0),
        run_timeout_s=_float("REVIEW_CONSOLE_RUN_TIMEOUT", 120.0),
        large_thread_bytes=int(_float("REVIEW_CONSOLE_LARGE_THREAD_MB", 20.0) * 1_000_000),
        auth_mode=os.environ.get("REVIEW_CONSOLE_AUTH", "demo").strip().lower() or "demo",
        proxy_header=os.environ.get("REVIEW_CONSOLE_PROXY_HEADER", "").strip() or "X-Forwarded-Email",
        policy_path=os.environ.get("REVIEW_CONSOLE_POLICY", "").strip(),
        notify_urls=tuple(u for u in os.environ.get("REVIEW_CONSOLE_NOTIFY", "").split() if u),
        base_url=os.environ.get("REVIEW_CONSOLE_BASE_URL", "").strip() or "http://localhost:8501",
        deadline_check_s=_float("REVIEW_CONSOLE_DEADLINE_CHECK", 15.0),
        server_url=server,
        server_api_key=os.environ.get("REVIEW_CONSOLE_SERVER_API_KEY", "").strip(),
        server_header=os.environ.get("REVIEW_CONSOLE_SERVER_HEADER", "").strip(),
        server_metadata=os.environ.get("REVIEW_CONSOLE_SERVER_METADATA", "").strip(),
    )
