"""A throwaway PostgreSQL server for tests and benchmarks: initdb + pg_ctl in a temp folder, 127.0.0.1 only.

Run as an unprivileged user (PostgreSQL refuses root): the `postgres` user when
we are root, else ourselves. Every step has a bounded timeout; `start()` raises
`Unavailable` with a plain reason when the server cannot be started, so callers
can skip (never silently pass).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


# Server settings of the throwaway server: fast and unsafe (a crash may lose or corrupt its data,
# which a test database never outlives). bench/stores.py prints them beside its figures.
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": "300", "shared_buffers": "256MB"}


class Unavailable(RuntimeError):
    pass


def _bin_dir() -> Path | None:
    if os.environ.get("REVIEW_CONSOLE_PG_BIN"):
        return Path(os.environ["REVIEW_CONSOLE_PG_BIN"])
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self) -> None:
        self.folder: Path | None = None
        self.port: int | None = None
        self._as: list[str] = []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, args: list[str], timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(self._as + args, capture_output=True, text=True, timeout=timeout)

    def start(self, timeout: float = 60.0) -> "Server":
        bin_dir = _bin_dir()
        if bin_dir is None or not (bin_dir / "pg_ctl").exists():
            raise Unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
        self.folder = Path(tempfile.mkdtemp(prefix="rc-pg-"))
        if os.geteuid() == 0:
            try:
                import pwd
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no unprivileged 'postgres' user to run the server") from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        data = self.folder / "data"
        done = self._run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], timeout)
        if done.returncode != 0:
            raise Unavailable(f"initdb failed: {done.stderr.strip()[-300:]}")
        self.port = _free_port()
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} " + " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        done = self._run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-o", options,
                          "-w", "-t", str(int(timeout)), "start"], timeout + 5)
        if done.returncode != 0:
            log = (self.folder / "log").read_text(errors="replace")[-400:] if (self.folder / "log").exists() else ""
            raise Unavailable(f"pg_ctl could not start the server: {done.stderr.strip()[-200:]} {log}")
        self._bin = bin_dir
        return self

    def stop(self) -> None:
        if self.folder is None:
            return
        try:
            self._run([str(self._bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "-t", "30", "stop"], 40)
        except Exception:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


if __name__ == "__main__":  # manual use: print a URL and keep the server until Enter
    server = Server().start()
    print(server.url, flush=True)
    try:
        input()
    finally:
        server.stop()
