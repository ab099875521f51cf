"""Real HTTP servers on 127.0.0.1 for the acquisition tests (not collected: no ``test_`` prefix).

``FakeServer`` is a threaded ``http.server`` on a random port that answers through a Python
function and records every request. ``FakeOdp`` builds the USPTO Open Data Portal bulk-data
protocol on two of them: the API host (X-API-KEY checked, product JSON in the recorded shape,
file URLs answered by a 302) and a storage host serving single-use "pre-signed" URLs, so a
client that re-used a signed URL after a retry would be refused.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclasses.dataclass
class Answer:
    """What the server sends back for one request."""

    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # seconds to stall before answering (to provoke read timeouts)
    truncate_to: int | None = None  # announce the full length, send only this many bytes

    @classmethod
    def json(cls, payload: Any, status: int = 200, **kwargs: Any) -> Answer:
        headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
        return cls(status=status, headers=headers, body=json.dumps(payload).encode(), **kwargs)


@dataclasses.dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class FakeServer:
    """A threaded HTTP/1.1 server on 127.0.0.1:<random port>; ``respond`` builds each answer."""

    def __init__(self, respond: Callable[[Recorded], Answer]) -> None:
        self.respond = respond
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                seen = Recorded(
                    method="GET",
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                with server._lock:
                    server.requests.append(seen)
                answer = server.respond(seen)
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self._send(answer)
                except OSError:
                    self.close_connection = True  # the client gave up (timeout): fine

            def _send(self, answer: Answer) -> None:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                if answer.truncate_to is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                view = memoryview(answer.body)
                end = len(view) if answer.truncate_to is None else answer.truncate_to
                step = 256 << 10
                for start in range(0, end, step):  # slices of a memoryview: no copies
                    self.wfile.write(view[start : min(start + step, end)])
                if answer.truncate_to is not None:
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None  # broken pipes after client timeouts are expected

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def hits(self, path_prefix: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]


def scripted(answers: list[Answer]) -> Callable[[Recorded], Answer]:
    """Answer with ``answers`` in order, repeating the last one forever."""
    queue = collections.deque(answers)
    lock = threading.Lock()

    def respond(_: Recorded) -> Answer:
        with lock:
            return queue.popleft() if len(queue) > 1 else queue[0]

    return respond


# -- the USPTO ODP bulk-data protocol ---------------------------------------------------------

LISTING_PREFIX = "/api/v1/datasets/products/"
FILES_PREFIX = "/api/v1/datasets/products/files/"
SIGNED_PREFIX = "/signed/"


@dataclasses.dataclass
class HostedFile:
    product: str
    name: str
    content: bytes
    publication_date: dt.date
    listed_size: int | None = None  # None: the real size
    listed_uri: str | None = None  # None: on the API host, with the year segment


class FakeOdp:
    """The ODP bulk-data API host plus a storage host for pre-signed download URLs.

    Script extra answers per endpoint with ``script("listing" | "file" | "storage", Answer...)``;
    they are used before the normal behaviour resumes.
    """

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.files: dict[str, HostedFile] = {}
        self.scripts: dict[str, collections.deque[Answer]] = collections.defaultdict(
            collections.deque
        )
        self.issued: set[str] = set()
        self.used: set[str] = set()
        self._lock = threading.Lock()
        self.api = FakeServer(self._api)
        self.storage = FakeServer(self._storage)

    def __enter__(self) -> FakeOdp:
        self.api.start()
        self.storage.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.api.stop()
        self.storage.stop()

    @property
    def base_url(self) -> str:
        return self.api.base_url

    def host(self, hosted: HostedFile) -> None:
        self.files[hosted.name] = hosted

    def script(self, endpoint: str, *answers: Answer) -> None:
        self.scripts[endpoint].extend(answers)

    def _scripted(self, endpoint: str) -> Answer | None:
        with self._lock:
            queue = self.scripts[endpoint]
            return queue.popleft() if queue else None

    def _check_key(self, request: Recorded) -> Answer | None:
        key = request.header("x-api-key")
        if key is None:
            return Answer.json({"message": "Missing API key"}, status=401)
        if key != self.api_key:
            return Answer.json({"message": "Forbidden"}, status=403)
        return None

    def _api(self, request: Recorded) -> Answer:
        refused = self._check_key(request)
        if refused is not None:
            return refused
        if request.path.startswith(FILES_PREFIX):
            return self._scripted("file") or self._redirect_to_signed(request)
        if request.path.startswith(LISTING_PREFIX):
            return self._scripted("listing") or self._listing(request)
        return Answer.json({"message": "Not Found"}, status=404)

    def _listing(self, request: Recorded) -> Answer:
        product = request.path[len(LISTING_PREFIX) :]
        start = dt.date.fromisoformat(request.query["fileDataFromDate"][0])
        end = dt.date.fromisoformat(request.query["fileDataToDate"][0])
        bag = [
            self._file_entry(f)
            for f in sorted(self.files.values(), key=lambda f: f.name)
            if f.product == product and start <= f.publication_date <= end
        ]
        return Answer.json(
            {
                "count": 1,
                "bulkDataProductBag": [
                    {
                        "productIdentifier": product,
                        "productTitleText": "Patent Grant Full-Text Data (No Images)",
                        "productFrequencyText": "WEEKLY",
                        "daysOfWeekText": "TUESDAY",
                        "productFileBag": {"count": len(bag), "fileDataBag": bag},
                    }
                ],
            }
        )

    def _file_entry(self, hosted: HostedFile) -> dict[str, Any]:
        day = hosted.publication_date
        uri = hosted.listed_uri or (
            f"{self.base_url}{FILES_PREFIX}{hosted.product}/{day.year}/{hosted.name}"
        )
        return {
            "fileName": hosted.name,
            "fileSize": len(hosted.content) if hosted.listed_size is None else hosted.listed_size,
            "fileDataFromDate": day.isoformat(),
            "fileDataToDate": day.isoformat(),
            "fileTypeText": "Data",
            "fileDownloadURI": uri,
            "fileReleaseDate": f"{day.isoformat()} 00:01:00",
            "fileLastModifiedDateTime": f"{day.isoformat()} 00:02:00",
        }

    def _redirect_to_signed(self, request: Recorded) -> Answer:
        name = request.path.rsplit("/", 1)[-1]
        if name not in self.files:
            return Answer.json({"message": f"File {name} not found"}, status=404)
        signature = secrets.token_hex(8)
        with self._lock:
            self.issued.add(signature)
        location = (
            f"{self.storage.base_url}{SIGNED_PREFIX}{name}"
            f"?X-Amz-Expires=5&X-Amz-Signature={signature}"
        )
        return Answer(status=302, headers={"Location": location})

    def _storage(self, request: Recorded) -> Answer:
        signature = (request.query.get("X-Amz-Signature") or [""])[0]
        with self._lock:
            valid = signature in self.issued and signature not in self.used
            self.used.add(signature)
        if not valid:  # S3 says 403 for an expired or re-used signature
            return Answer(status=403, body=b"<Error><Code>AccessDenied</Code></Error>")
        scripted_answer = self._scripted("storage")
        if scripted_answer is not None:
            return scripted_answer
        hosted = self.files[request.path[len(SIGNED_PREFIX) :]]
        return Answer(
            status=200,
            headers={"Content-Type": "application/zip", "ETag": '"abc123"'},
            body=hosted.content,
        )
