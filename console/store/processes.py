"""The processes room: console processes alive on this database, so a crashed one's decisions can be recovered."""

from __future__ import annotations

import os
import socket
import time
import uuid
from types import ModuleType

from console.store.db import Db


def new_owner() -> str:
    """This console process's name in rc_processes and in the log rows it writes."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Processes:
    def __init__(self, db: Db, sql: ModuleType, owner: str) -> None:
        self.db, self.sql, self.owner = db, sql, owner

    async def register(self) -> None:
        now = time.time()
        await self.db.run(self.sql.REGISTER, {"owner": self.owner, "host": socket.gethostname(), "pid": os.getpid(),
                                              "now": now})

    async def heartbeat(self) -> None:
        await self.db.run(self.sql.HEARTBEAT, {"now": time.time(), "owner": self.owner})

    async def unregister(self) -> None:
        await self.db.run(self.sql.UNREGISTER, {"owner": self.owner})

    async def forget_dead_processes(self, stale_after_s: float) -> None:
        await self.db.run(self.sql.FORGET_DEAD, {"before": time.time() - stale_after_s})
