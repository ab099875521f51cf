"""A real HTTP server on 127.0.0.1 playing the EPO login and BDDS API (not collected).

``FakeBdds`` answers the Okta password-grant token POST (checking the BDDS client id and the
form), the product listing in the recorded ``big_marhsall.json`` shape and the file download
URL, each with the issued bearer token checked. ``script(endpoint, Answer...)`` queues extra
answers ("token", "listing", "download") that are used before the normal behaviour resumes.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from patent_sync_tests.fake_odp_server import Answer, Recorded

API_PREFIX = "/bdds/bdds-bff-service/prod/api"
TOKEN_PATH = "/oauth2/aus3up3nz0N133c0V417/v1/token"
CLIENT_AUTHORIZATION = "Basic MG9hM3VwZG43YW41cE1JOE80MTc="


@dataclasses.dataclass
class HostedDelivery:
    delivery_id: int
    name: str  # "14.7 DOCDB - EPO worldwide bibliographic data 2026/047 Amend"
    published: str  # "2026-11-17T09:00:00+01:00"
    files: list[tuple[int, str, bytes]]  # (fileId, fileName, content)
    checksums: dict[str, str] = dataclasses.field(default_factory=dict)  # name -> listed SHA-1


class FakeBdds:
    def __init__(self, username: str, password: str, product_id: str = "3") -> None:
        self.username, self.password, self.product_id = username, password, product_id
        self.deliveries: list[HostedDelivery] = []
        self.tokens: set[str] = set()
        self.requests: list[Recorded] = []
        self.bodies: list[bytes] = []
        self.scripts: dict[str, collections.deque[Answer]] = collections.defaultdict(
            collections.deque
        )
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Recorded(
                    method=method,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
                with fake._lock:
                    fake.requests.append(seen)
                    fake.bodies.append(body)
                answer = fake.respond(seen, body)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def log_message(self, format: str, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"{self.base}{API_PREFIX}"

    @property
    def token_url(self) -> str:
        return f"{self.base}{TOKEN_PATH}"

    def __enter__(self) -> FakeBdds:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, endpoint: str, *answers: Answer) -> None:
        self.scripts[endpoint].extend(answers)

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def hits(self, path_prefix: str = "") -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    def _scripted(self, endpoint: str) -> Answer | None:
        with self._lock:
            queue = self.scripts[endpoint]
            return queue.popleft() if queue else None

    def respond(self, request: Recorded, body: bytes) -> Answer:
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._scripted("token") or self._token(request, body)
        if not request.path.startswith(API_PREFIX) or request.method != "GET":
            return Answer.json({"message": "Not Found"}, status=404)
        authorization = request.header("authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or token not in self.tokens:
            return Answer.json({"error": "Unauthorized"}, status=401)
        path = request.path[len(API_PREFIX) :]
        if path == f"/products/{self.product_id}":
            return self._scripted("listing") or self._listing()
        if path.endswith("/download"):
            return self._scripted("download") or self._download(path)
        return Answer.json({"message": "Not Found"}, status=404)

    def _token(self, request: Recorded, body: bytes) -> Answer:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if request.header("authorization") != CLIENT_AUTHORIZATION or form.get("scope") != "openid":
            return Answer.json({"error": "invalid_client"}, status=401)
        if (
            form.get("grant_type") != "password"
            or form.get("username") != self.username
            or form.get("password") != self.password
        ):
            return Answer.json(
                {"error": "invalid_grant", "error_description": "The credentials are invalid."},
                status=400,
            )
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens.add(token)
        return Answer.json(
            {
                "token_type": "Bearer",
                "expires_in": 3600,
                "access_token": token,
                "scope": "openid",
                "id_token": "eyJ.fake.id",
            }
        )

    def _listing(self) -> Answer:
        deliveries = []
        for delivery in self.deliveries:
            files = [
                {
                    "fileId": file_id,
                    "fileName": name,
                    "fileSize": f"{len(content) / (1 << 20):.1f} MB",
                    "fileChecksum": delivery.checksums.get(
                        name, hashlib.sha1(content).hexdigest().upper()
                    ),
                    "itemPublicationDatetime": "0001-01-01T00:00:00Z",
                }
                for file_id, name, content in delivery.files
            ]
            deliveries.append(
                {
                    "deliveryId": delivery.delivery_id,
                    "deliveryName": delivery.name,
                    "deliveryPublicationDatetime": delivery.published,
                    "deliveryExpiryDatetime": None,
                    "files": files,
                }
            )
        return Answer.json(
            {
                "id": int(self.product_id),
                "name": "14.7  EPO worldwide bibliographic data (DOCDB) - front file",
                "description": "DOCDB - EPO worldwide bibliographic data ...",
                "deliveries": deliveries,
            }
        )

    def _download(self, path: str) -> Answer:
        # /products/{p}/delivery/{d}/file/{f}/download
        pieces = path.strip("/").split("/")
        if len(pieces) != 7 or pieces[2] != "delivery" or pieces[4] != "file":
            return Answer.json({"message": "Not Found"}, status=404)
        delivery_id, file_id = int(pieces[3]), int(pieces[5])
        for delivery in self.deliveries:
            if delivery.delivery_id != delivery_id:
                continue
            for listed_id, _name, content in delivery.files:
                if listed_id == file_id:
                    return Answer(
                        status=200,
                        headers={"Content-Type": "application/octet-stream"},
                        body=content,
                    )
        return Answer.json({"message": "Not Found"}, status=404)
