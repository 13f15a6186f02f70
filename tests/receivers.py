"""Real protocol peers on 127.0.0.1 for outbound calls: an HTTP server that keeps every POST (optionally
answering 500 to the first ones) and an SMTP server (aiosmtpd) that keeps every message."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


@dataclass
class Post:
    path: str
    body: dict | str
    headers: dict[str, str]


@dataclass
class HttpReceiver:
    url: str
    port: int
    posts: list[Post] = field(default_factory=list)
    fail_first: int = 0


def free_port() -> int:
    """A port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def http_receiver(*, fail_first: int = 0, port: int = 0) -> Iterator[HttpReceiver]:
    """An HTTP server keeping each POST; the first `fail_first` get 500."""
    state = HttpReceiver(url="", port=0, fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            try:
                body: dict | str = json.loads(raw)
            except ValueError:
                body = raw
            state.posts.append(Post(self.path, body, dict(self.headers)))
            self.send_response(500 if len(state.posts) <= state.fail_first else 200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    state.port = server.server_address[1]
    state.url = f"http://127.0.0.1:{state.port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:  # noqa: N802 - aiosmtpd's naming
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_receiver() -> Iterator[tuple[int, list[tuple[list[str], Message]]]]:
    """(port, messages): an SMTP server on 127.0.0.1 keeping (recipients, message) of each mail."""
    mailbox = _Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox.messages
    finally:
        controller.stop()


def text_of(message: Message) -> str:
    """The decoded text of a received mail (all its text parts)."""
    parts = message.walk() if message.is_multipart() else [message]
    return "\n".join(p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8")
                     for p in parts if p.get_content_maintype() == "text")
