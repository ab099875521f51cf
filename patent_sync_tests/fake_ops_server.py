"""A local EPO Open Patent Services (OPS 3.2) server on 127.0.0.1 for tests (not collected).

It speaks the real protocol over a socket:

- ``POST /3.2/auth/accesstoken``: HTTP Basic with the consumer key and secret, form body
  ``grant_type=client_credentials``; answers the recorded token JSON (``expires_in`` a string).
- ``GET /3.2/rest-services/...`` with ``Authorization: Bearer <token>``: an unknown, expired or
  revoked token gets the real 400 ``invalid_access_token`` XML (OPS never says 401).
- every answer carries ``X-Throttling-Control`` and the fair-use quota headers, as recorded.
- answers come from a route table (path + optional query -> status, headers, body) that tests
  fill, e.g. from the recorded responses in ``../shared/samples/epo_ops`` (``load_cassette``),
  or from a hosted corpus of exchange documents that answers published-data searches (CQL
  ``pd``/``pn``/``ic`` terms, ``X-OPS-Range`` paging, the 2,000-result cap, 404 on no hits) and
  biblio retrievals of up to 100 comma-separated numbers.

Fault switches: ``expire_tokens()`` (every issued token becomes invalid), ``token_lifetime``,
``set_bucket(service, colour, limit)``, ``black(service, retry_after_ms, times)``,
``fair_use(reason, times)``, ``malform(path_prefix, kind, times)`` ("truncated": the body is cut
short of its Content-Length; "garbled": well-framed but not well-formed XML), and 404 for any
path without a route.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import secrets
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

PREFIX = "/3.2"
REST = f"{PREFIX}/rest-services/"
TOKEN_PATH = f"{PREFIX}/auth/accesstoken"
IDLE = (
    "idle (images=green:200, inpadoc=green:60, other=green:1000, retrieval=green:200, "
    "search=green:30)"
)
SEARCH_CAP = 2000
OPS_NS = "http://ops.epo.org"
EX_NS = "http://www.epo.org/exchange"
XML_TYPE = "application/xml;charset=utf-8"

INVALID_TOKEN_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<fault xmlns="http://ops.epo.org">\n    <code>CLIENT.InvalidAccessToken</code>\n'
    b"    <message>invalid_access_token</message>\n</fault>"
)
FAIR_USE_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<fault xmlns="http://ops.epo.org">\n    <code>SERVER.DomainAccess</code>\n'
    b"    <message>This request has been rejected due to the violation of Fair Use policy"
    b"</message>\n</fault>"
)
NOT_FOUND_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<fault xmlns="http://ops.epo.org">\n    <code>SERVER.EntityNotFound</code>\n'
    b"    <message>No results found</message>\n</fault>"
)


@dataclasses.dataclass
class OpsAnswer:
    """One answer: status, headers (besides the throttle/quota ones added), body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    truncate_to: int | None = None  # announce the full length, send only this many bytes


@dataclasses.dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str  # without the query
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    status: int  # what the server answered

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclasses.dataclass(frozen=True)
class HostedDocument:
    """An exchange document the corpus serves: docdb number parts and what CQL can match."""

    country: str
    number: str
    kind: str
    date: str  # YYYYMMDD
    ipc: tuple[str, ...]  # IPC symbols without spaces, e.g. "H04W84/20"
    family_id: str
    xml: bytes  # the <exchange-document> element

    @property
    def docdb(self) -> str:
        return f"{self.country}.{self.number}.{self.kind}"


def service_of(path: str) -> str:
    """The OPS throttle bucket of a ``rest-services`` path (guide Table 16)."""
    if path.startswith("published-data/search"):
        return "search"
    if path.startswith("published-data/images"):
        return "images"
    if path.startswith("published-data"):
        return "retrieval"
    if path.startswith(("family", "legal")):
        return "inpadoc"
    return "other"


def _worse_colour(a: str, b: str) -> str:
    order = ["green", "yellow", "red", "black"]
    return a if order.index(a) >= order.index(b) else b


class FakeOpsServer:
    """The OPS server; a context manager. ``base_url`` is ``http://127.0.0.1:<port>/3.2``."""

    def __init__(
        self,
        consumer_key: str = "ops-test-key",
        consumer_secret: str = "ops-test-secret",
        *,
        token_lifetime: float = 1199.0,
        reported_expires_in: str | None = None,
        week_used_start: int = 171596,
    ) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.token_lifetime = token_lifetime  # server side: seconds a token really lives
        self.reported_expires_in = reported_expires_in  # None: str(int(token_lifetime))
        self.routes: dict[str, OpsAnswer] = {}
        self.documents: dict[str, HostedDocument] = {}
        self.requests: list[SeenRequest] = []
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.buckets: dict[str, tuple[str, int]] = {
            "images": ("green", 200),
            "inpadoc": ("green", 60),
            "other": ("green", 1000),
            "retrieval": ("green", 200),
            "search": ("green", 30),
        }
        self.system_state = "idle"
        self.hour_used = week_used_start
        self.week_used = week_used_start
        self.search_cap = SEARCH_CAP
        self._black: dict[str, list[int]] = {}  # service -> remaining Retry-After ms answers
        self._fair_use: list[tuple[str, str]] = []  # (path prefix, reason), consumed
        self._fair_use_forever: str | None = None
        self._malform: list[tuple[str, str]] = []  # (path prefix, kind), consumed
        self._invalid_next = 0
        self._lock = threading.Lock()
        self._httpd = self._make_server()
        self.port = self._httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.origin}{PREFIX}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> FakeOpsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- the route table ---------------------------------------------------------------------

    def route(
        self,
        path: str,
        body: bytes | str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        query: str | None = None,
    ) -> None:
        """Answer ``GET /3.2/rest-services/<path>[?query]`` with ``body``."""
        data = body.encode() if isinstance(body, str) else body
        key = _route_key(path.lstrip("/"), query)
        self.routes[key] = OpsAnswer(
            status=status, body=data, headers={"Content-Type": XML_TYPE, **(headers or {})}
        )

    def route_file(self, path: str, file: Path, **kwargs: Any) -> None:
        self.route(path, file.read_bytes(), **kwargs)

    def load_cassette(self, cassette: Path) -> list[str]:
        """Route every recorded ``rest-services`` interaction of a vcr cassette; returns paths."""
        import yaml  # test-only; comes with the dev environment

        data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
        routed: list[str] = []
        for interaction in data.get("interactions", []):
            request, response = interaction["request"], interaction["response"]
            parts = urlsplit(request["uri"])
            if not parts.path.startswith(REST):
                continue
            content = response.get("content")
            if content is None:
                content = (response.get("body") or {}).get("string", "")
            headers = {
                name: values[0] if isinstance(values, list) else str(values)
                for name, values in (response.get("headers") or {}).items()
                if name.lower() not in {"content-length", "connection", "transfer-encoding"}
                and not name.lower().startswith("x-throttling")
            }
            path = unquote(parts.path[len(REST) :])
            self.route(
                path,
                content,
                status=int(response.get("status_code") or response["status"]["code"]),
                headers=headers,
                query=parts.query or None,
            )
            routed.append(path)
        return routed

    # -- the published-data corpus -----------------------------------------------------------

    def host_exchange_documents(self, xml: bytes | Iterable[bytes]) -> int:
        """Serve the ``exchange-document``s of OPS/DOCDB XML through search and biblio."""
        blobs = [xml] if isinstance(xml, bytes) else list(xml)
        count = 0
        for blob in blobs:
            root = etree.fromstring(blob)
            for element in root.iter(f"{{{EX_NS}}}exchange-document", "exchange-document"):
                hosted = _hosted(element)
                self.documents[hosted.docdb] = hosted
                count += 1
        return count

    # -- fault switches ----------------------------------------------------------------------

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (OPS then says invalid_access_token)."""
        with self._lock:
            self.tokens.clear()

    def reject_next(self, count: int = 1) -> None:
        """The next ``count`` API requests get 400 invalid_access_token whatever their token."""
        with self._lock:
            self._invalid_next += count

    def set_bucket(self, service: str, colour: str, limit: int | None = None) -> None:
        with self._lock:
            _, old_limit = self.buckets[service]
            self.buckets[service] = (colour, old_limit if limit is None else limit)

    def black(self, service: str, retry_after_ms: int = 60000, times: int = 1) -> None:
        """The next ``times`` requests to ``service`` are refused: black, Retry-After in ms."""
        with self._lock:
            self._black.setdefault(service, []).extend([retry_after_ms] * times)

    def fair_use(
        self,
        reason: str = "RegisteredQuotaPerWeek",
        times: int | None = None,
        *,
        path_prefix: str = "",
    ) -> None:
        """Refuse the next ``times`` API requests under ``path_prefix`` (every request when
        ``times`` is None) with the fair-use 403."""
        with self._lock:
            if times is None:
                self._fair_use_forever = reason
            else:
                self._fair_use.extend([(path_prefix, reason)] * times)

    def malform(self, path_prefix: str, kind: str = "truncated", times: int = 1) -> None:
        """The next ``times`` answers under ``path_prefix`` are damaged ("truncated"/"garbled")."""
        if kind not in {"truncated", "garbled"}:
            raise ValueError(kind)
        with self._lock:
            self._malform.extend([(path_prefix, kind)] * times)

    # -- what happened -----------------------------------------------------------------------

    def api_requests(self, prefix: str = "") -> list[SeenRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(REST) and r.path[len(REST) :].startswith(prefix)
            ]

    def token_requests(self) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == TOKEN_PATH]

    # -- the server --------------------------------------------------------------------------

    def _make_server(self) -> ThreadingHTTPServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms stalls

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = server._answer(method, parts.path, parts.query, headers, body)
                seen = SeenRequest(
                    method=method,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers=headers,
                    body=body,
                    status=answer.status,
                )
                with server._lock:
                    server.requests.append(seen)
                try:
                    self._send(answer)
                except OSError:
                    self.close_connection = True

            def _send(self, answer: OpsAnswer) -> None:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                if answer.truncate_to is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                end = len(answer.body) if answer.truncate_to is None else answer.truncate_to
                self.wfile.write(answer.body[:end])
                if answer.truncate_to is not None:
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                return None

        return Server(("127.0.0.1", 0), Handler)

    def _answer(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> OpsAnswer:
        if path == TOKEN_PATH:
            return self._token(method, headers, body)
        if not path.startswith(REST):
            return OpsAnswer(status=404, body=NOT_FOUND_BODY, headers={"Content-Type": XML_TYPE})
        rest = unquote(path[len(REST) :])
        service = service_of(rest)
        with self._lock:
            refused = self._refusal(headers, service, rest)
        if refused is not None:
            return self._decorate(refused, service)
        if method != "GET":
            return self._decorate(OpsAnswer(status=405, body=b"method not allowed"), service)
        answer = self._route(rest, query, headers)
        answer = self._damage(rest, answer)
        return self._decorate(answer, service)

    def _token(self, method: str, headers: dict[str, str], body: bytes) -> OpsAnswer:
        json_type = {"Content-Type": "application/json"}
        expected = base64.b64encode(f"{self.consumer_key}:{self.consumer_secret}".encode())
        if method != "POST":
            return OpsAnswer(status=405, body=b'{"error":"method not allowed"}', headers=json_type)
        if headers.get("authorization", "") != f"Basic {expected.decode()}":
            return OpsAnswer(
                status=401,
                body=b'{"error":"invalid_client","error_description":"Client credentials '
                b'are invalid"}',
                headers=json_type,
            )
        form = parse_qs(body.decode("ascii", "replace"))
        if form.get("grant_type") != ["client_credentials"] or "x-www-form-urlencoded" not in (
            headers.get("content-type", "")
        ):
            return OpsAnswer(
                status=400, body=b'{"error":"unsupported_grant_type"}', headers=json_type
            )
        token = secrets.token_urlsafe(21)
        with self._lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime
        expires = self.reported_expires_in or str(int(self.token_lifetime))
        issued = int(time.time() * 1000)
        payload = (
            '{\n  "refresh_token_expires_in": "0",\n  "api_product_list": "[ops-prod]",\n'
            '  "organization_name": "epo",\n  "token_type": "BearerToken",\n'
            f'  "issued_at": "{issued}",\n  "client_id": "{self.consumer_key}",\n'
            f'  "access_token": "{token}",\n  "scope": "core",\n'
            f'  "expires_in": "{expires}",\n  "refresh_count": "0",\n  "status": "approved"\n}}'
        )
        return OpsAnswer(status=200, body=payload.encode(), headers=json_type)

    def _refusal(self, headers: dict[str, str], service: str, rest: str) -> OpsAnswer | None:
        """Token, fair-use and black-bucket refusals (called under the lock)."""
        authorization = headers.get("authorization", "")
        token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else ""
        expiry = self.tokens.get(token)
        if self._invalid_next > 0 or expiry is None or expiry <= time.monotonic():
            self._invalid_next = max(0, self._invalid_next - 1)
            return OpsAnswer(
                status=400, body=INVALID_TOKEN_BODY, headers={"Content-Type": XML_TYPE}
            )
        reason = self._fair_use_forever
        for index, (prefix, _reason) in enumerate(self._fair_use):
            if rest.startswith(prefix):
                reason = self._fair_use.pop(index)[1]
                break
        if reason is not None:
            return OpsAnswer(
                status=403,
                body=FAIR_USE_BODY,
                headers={"Content-Type": XML_TYPE, "X-Rejection-Reason": reason},
            )
        pending = self._black.get(service)
        if pending:
            retry_after = pending.pop(0)
            return OpsAnswer(
                status=403,
                body=b"",
                headers={"Retry-After": str(retry_after), "_black": service},
            )
        return None

    def _decorate(self, answer: OpsAnswer, service: str) -> OpsAnswer:
        """Add the throttle and quota headers every real OPS answer carries."""
        headers = dict(answer.headers)
        black_service = headers.pop("_black", None)
        with self._lock:
            parts = []
            for name in sorted(self.buckets):
                colour, limit = self.buckets[name]
                if name == black_service:
                    colour = "black"
                parts.append(f"{name}={colour}:{limit}")
            if answer.status == 200:
                self.hour_used += len(answer.body)
                self.week_used += len(answer.body)
            headers.setdefault("X-Throttling-Control", f"{self.system_state} ({', '.join(parts)})")
            # A recorded answer keeps the figures it was recorded with.
            headers.setdefault("X-IndividualQuotaPerHour-Used", str(self.hour_used))
            headers.setdefault("X-RegisteredQuotaPerWeek-Used", str(self.week_used))
        headers.setdefault("X-API", "ops-v3.2")
        return dataclasses.replace(answer, headers=headers)

    def _damage(self, rest: str, answer: OpsAnswer) -> OpsAnswer:
        with self._lock:
            for index, (prefix, _kind) in enumerate(self._malform):
                if rest.startswith(prefix) and answer.status == 200:
                    kind = self._malform.pop(index)[1]
                    break
            else:
                return answer
        if kind == "truncated":
            return dataclasses.replace(answer, truncate_to=max(1, len(answer.body) // 2))
        cut = max(1, len(answer.body) // 2)
        return dataclasses.replace(answer, body=answer.body[:cut] + b"<<garbled</")

    def _route(self, rest: str, query: str, headers: dict[str, str]) -> OpsAnswer:
        exact = self.routes.get(_route_key(rest, query or None))
        if exact is None and query:
            exact = self.routes.get(_route_key(rest, None))
        if exact is not None:
            return exact
        if self.documents:
            if rest == "published-data/search" or rest.startswith("published-data/search/"):
                return self._search(query, headers)
            match = _BIBLIO.fullmatch(rest)
            if match:
                return self._biblio(match.group("numbers"))
        return OpsAnswer(status=404, body=NOT_FOUND_BODY, headers={"Content-Type": XML_TYPE})

    def _search(self, query: str, headers: dict[str, str]) -> OpsAnswer:
        params = parse_qs(query, keep_blank_values=True)
        cql = (params.get("q") or [""])[0]
        try:
            hits = [d for d in self._sorted_documents() if _matches(cql, d)]
        except ValueError as exc:
            body = (
                f'<fault xmlns="{OPS_NS}"><code>CLIENT.CQL</code><message>{exc}</message></fault>'
            )
            return OpsAnswer(status=400, body=body.encode(), headers={"Content-Type": XML_TYPE})
        if not hits:
            return OpsAnswer(status=404, body=NOT_FOUND_BODY, headers={"Content-Type": XML_TYPE})
        range_text = headers.get("x-ops-range") or (params.get("Range") or ["1-25"])[0]
        begin, _, end = range_text.partition("-")
        first, last = int(begin), int(end or begin)
        last = min(last, self.search_cap)  # OPS never returns results past its cap
        if first < 1 or last < first or last - first >= 100 or first > self.search_cap:
            body = (
                f'<fault xmlns="{OPS_NS}"><code>CLIENT.InvalidRange</code>'
                f"<message>range {range_text} is not allowed</message></fault>"
            )
            return OpsAnswer(status=413, body=body.encode(), headers={"Content-Type": XML_TYPE})
        page = hits[first - 1 : last]
        refs = "".join(
            f'<ops:publication-reference system="ops.epo.org" family-id="{d.family_id}">'
            f'<document-id document-id-type="docdb"><country>{d.country}</country>'
            f"<doc-number>{d.number}</doc-number><kind>{d.kind}</kind></document-id>"
            "</ops:publication-reference>"
            for d in page
        )
        shown_end = first + len(page) - 1
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<ops:world-patent-data xmlns="{EX_NS}" xmlns:ops="{OPS_NS}" '
            'xmlns:xlink="http://www.w3.org/1999/xlink">'
            f'<ops:biblio-search total-result-count="{len(hits)}">'
            f'<ops:query syntax="CQL">{_escape(cql)}</ops:query>'
            f'<ops:range begin="{first}" end="{shown_end}"/>'
            f"<ops:search-result>{refs}</ops:search-result></ops:biblio-search>"
            "</ops:world-patent-data>"
        )
        return OpsAnswer(status=200, body=body.encode(), headers={"Content-Type": XML_TYPE})

    def _biblio(self, numbers: str) -> OpsAnswer:
        wanted = [n.strip() for n in numbers.split(",") if n.strip()]
        if len(wanted) > 100:
            body = f'<fault xmlns="{OPS_NS}"><code>CLIENT.TooManyDocuments</code></fault>'
            return OpsAnswer(status=413, body=body.encode(), headers={"Content-Type": XML_TYPE})
        found = [self.documents[n] for n in wanted if n in self.documents]
        if not found:
            return OpsAnswer(status=404, body=NOT_FOUND_BODY, headers={"Content-Type": XML_TYPE})
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<ops:world-patent-data xmlns="http://www.epo.org/exchange" '
            b'xmlns:ops="http://ops.epo.org" xmlns:xlink="http://www.w3.org/1999/xlink">'
            b"<exchange-documents>" + b"".join(d.xml for d in found) + b"</exchange-documents>"
            b"</ops:world-patent-data>"
        )
        return OpsAnswer(status=200, body=body, headers={"Content-Type": XML_TYPE})

    def _sorted_documents(self) -> list[HostedDocument]:
        return sorted(self.documents.values(), key=lambda d: (d.country, d.number, d.kind))


_BIBLIO = re.compile(r"published-data/publication/docdb/(?P<numbers>[^/]+)/biblio")
_TERM = re.compile(
    r'\s*(?P<field>[a-z]+)\s*(?:(?P<op>=|within)\s*)(?P<value>"[^"]*"|[^\s()]+)\s*', re.I
)


def _route_key(path: str, query: str | None) -> str:
    return f"{path}?{query}" if query else path


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _matches(cql: str, doc: HostedDocument) -> bool:
    """A small CQL subset: ``field=value`` / ``field within "a,b"`` terms joined by ``and``."""
    terms = re.split(r"\s+and\s+", cql.strip(), flags=re.I)
    if not cql.strip():
        raise ValueError("empty query")
    for term in terms:
        match = _TERM.fullmatch(term)
        if match is None:
            raise ValueError(f"cannot parse {term!r}")
        field = match.group("field").lower()
        value = match.group("value").strip('"').upper()
        if match.group("op").lower() == "within":
            low, _, high = value.replace(" ", ",").partition(",")
            if field != "pd":
                raise ValueError(f"within is only supported for pd, not {field}")
            if not low <= doc.date <= high:
                return False
            continue
        if field == "pd":
            if doc.date != value:
                return False
        elif field == "pn":
            if not f"{doc.country}{doc.number}{doc.kind}".startswith(value):
                return False
        elif field in ("ic", "ipc"):
            if not any(symbol.startswith(value.replace(" ", "")) for symbol in doc.ipc):
                return False
        else:
            raise ValueError(f"unsupported field {field}")
    return True


def _hosted(element: etree._Element) -> HostedDocument:
    date = ""
    for doc_id in element.iterfind(".//e:publication-reference/e:document-id", {"e": EX_NS}):
        found = doc_id.find("e:date", {"e": EX_NS})
        if found is not None and found.text:
            date = found.text.strip()
            break
    ipc = tuple(
        "".join((t.text or "").split()[:2]) if t.text else ""
        for t in element.iterfind(
            ".//e:classifications-ipcr/e:classification-ipcr/e:text", {"e": EX_NS}
        )
    )
    xml = etree.tostring(element)
    return HostedDocument(
        country=element.get("country", ""),
        number=element.get("doc-number", ""),
        kind=element.get("kind", ""),
        date=date,
        ipc=tuple(s for s in ipc if s),
        family_id=element.get("family-id", ""),
        xml=xml,
    )
