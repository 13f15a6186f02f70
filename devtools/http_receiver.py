"""An HTTP server on 127.0.0.1 that records every request it gets and answers 200 with `{}` (or with the body
set for a path prefix in `answers`) — the stand-in for a hosted service (Langfuse) in tests that must see what
is sent, or that nothing is."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: dict[str, bytes] = field(default_factory=dict)  # path prefix → JSON body


@contextlib.contextmanager
def running_receiver(port: int = 0) -> Iterator[Receiver]:
    """Serve on `port` (0: a free one) until the block ends."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            return

        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            receiver.requests.append(Received(self.command, self.path, dict(self.headers),
                                              self.rfile.read(length) if length else b""))
            body = next((b for prefix, b in receiver.answers.items() if self.path.startswith(prefix)), b"{}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = _record  # noqa: N815 (http.server's naming)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
