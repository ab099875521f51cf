"""A raw TCP server on 127.0.0.1 that writes whatever bytes a test scripts (not collected).

``http.server`` always frames a response correctly; the faults the download checks exist for
(a body longer than its Content-Length, a close-delimited body cut short, a chunked body without
its last chunk, a byte dripped every few milliseconds) need a server that can get HTTP wrong.
"""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Callable

# One scripted answer: given the connected socket, write a response (or misbehave).
Reply = Callable[[socket.socket], None]


def response_head(status: int = 200, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Status'}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def framed(body: bytes, headers: dict[str, str] | None = None, status: int = 200) -> Reply:
    """A correct response with Content-Length."""

    def reply(sock: socket.socket) -> None:
        head = response_head(status, {**(headers or {}), "Content-Length": str(len(body))})
        sock.sendall(head + body)

    return reply


def longer_than_declared(body: bytes, extra: bytes) -> Reply:
    """Content-Length says ``len(body)`` but ``body + extra`` is sent, in one write."""

    def reply(sock: socket.socket) -> None:
        head = response_head(200, {"Content-Length": str(len(body))})
        sock.sendall(head + body + extra)

    return reply


def close_delimited(body: bytes, headers: dict[str, str] | None = None) -> Reply:
    """No Content-Length, no chunked framing: the body ends when the connection closes."""

    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {**(headers or {}), "Connection": "close"}) + body)
        sock.shutdown(socket.SHUT_WR)

    return reply


def chunked_without_end(body: bytes) -> Reply:
    """Chunked framing, but the connection closes before the terminating zero-length chunk."""

    def reply(sock: socket.socket) -> None:
        head = response_head(200, {"Transfer-Encoding": "chunked", "Connection": "close"})
        sock.sendall(head + f"{len(body):x}\r\n".encode() + body + b"\r\n")
        sock.shutdown(socket.SHUT_WR)

    return reply


def slow_drip(size: int, interval: float, stop: threading.Event) -> Reply:
    """Announce ``size`` bytes, then send one every ``interval`` seconds until ``stop``."""

    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {"Content-Length": str(size)}))
        for _ in range(size):
            if stop.wait(interval):
                return
            try:
                sock.sendall(b"x")
            except OSError:  # the client gave up: that is the point
                return

    return reply


class RawServer:
    """Answers the n-th request with ``replies[n]`` (the last one repeats); counts requests.

    ``replies`` may instead be a function of the request head (bytes) that returns the reply.
    """

    def __init__(self, replies: list[Reply] | Callable[[bytes], Reply]) -> None:
        self.dispatch = replies if callable(replies) else None
        self.replies = [] if callable(replies) else list(replies)
        self.requests = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sock: socket.socket = self.request
                sock.settimeout(5)
                while True:  # keep-alive: serve requests until the client closes
                    try:
                        head = _read_head(sock)
                    except OSError:
                        return
                    if head is None:
                        return
                    with outer._lock:
                        index = min(outer.requests, len(outer.replies) - 1)
                        outer.requests += 1
                    reply = outer.dispatch(head) if outer.dispatch else outer.replies[index]
                    try:
                        reply(sock)
                    except OSError:
                        return
                    if b"connection: close" in head.lower():
                        return

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request: object, client_address: object) -> None:
                return None

        self._server = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _read_head(sock: socket.socket) -> bytes | None:
    data = b""
    deadline = time.monotonic() + 5
    while b"\r\n\r\n" not in data:
        if time.monotonic() > deadline:
            return None
        piece = sock.recv(65536)
        if not piece:
            return None
        data += piece
    return data
