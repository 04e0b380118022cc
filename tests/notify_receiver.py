"""A local HTTP receiver for apprise's json:// notifications, started by a test (never collected)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records every JSON body posted to it. `status` is what it answers; `hold` (cleared) keeps a request waiting."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.status = 200
        self.hold = threading.Event()
        self.hold.set()
        self.arrived = threading.Event()  # a request came in (even one being held)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                receiver.arrived.set()
                receiver.hold.wait(30)
                if receiver.status == 200:
                    receiver.bodies.append(body)
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def messages(self) -> list[str]:
        return [f"{b.get('title')}: {b.get('message')}" for b in self.bodies]

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()
