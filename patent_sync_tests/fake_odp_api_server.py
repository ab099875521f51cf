"""The USPTO ODP patent file wrapper API on 127.0.0.1, replaying recorded responses.

``FakeOdpApi`` serves ``GET /api/v1/patent/applications/{appNo}[/meta-data|/transactions|
/continuity]`` and ``GET /api/v1/patent/applications/search`` the way the recorded responses in
``shared/samples/uspto_odp`` show the real API answering:

- a recorded body for (application, constituent) is sent byte for byte (``replay``);
- otherwise the answer is built from the application's wrapper (``applications``), which
  ``load_samples`` merges from every recorded response about that application;
- search understands ``applicationNumberText:X`` / ``applicationNumberText:(X OR Y)`` / ``*``,
  ``rangeFilters`` on ``applicationMetaData.filingDate``, ``fields`` (dotted paths),
  ``offset``/``limit``, and refuses to page past ``result_cap`` (10,000 on the real API); a
  search without hits is a 404, as the ODP answers it;
- no ``X-API-KEY`` is a 401, a wrong key a 403, a path the API does not serve a 403 "Missing
  Authentication Token" (API Gateway, as recorded), an unknown application a 404.

``script(number, *answers)`` queues answers for the next requests about one application (429s,
500s, ...); ``requests`` records everything asked.
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import json
import re
import threading
import uuid
from pathlib import Path
from typing import Any

import yaml

from patent_sync_tests.fake_odp_server import Answer, FakeServer, Recorded

APPLICATIONS = "/api/v1/patent/applications"
SEARCH = f"{APPLICATIONS}/search"
CONSTITUENTS = ("meta-data", "transactions", "continuity")
_CONSTITUENT_KEYS = {
    "meta-data": ("applicationMetaData",),
    "transactions": ("eventDataBag",),
    "continuity": ("parentContinuityBag", "childContinuityBag"),
}
_NUMBER_QUERY = re.compile(r"applicationNumberText:\(?([0-9A-Za-z ]+?)\)?$")


class FakeOdpApi:
    """The ODP file wrapper API: recorded replies first, wrappers otherwise, faults on demand."""

    def __init__(self, api_key: str, *, result_cap: int = 10_000) -> None:
        self.api_key = api_key
        self.result_cap = result_cap
        self.applications: dict[str, dict[str, Any]] = {}
        self.replay: dict[tuple[str, str | None], bytes] = {}
        self.scripts: dict[str, collections.deque[Answer]] = collections.defaultdict(
            collections.deque
        )
        self._lock = threading.Lock()
        self.server = FakeServer(self._respond)

    def __enter__(self) -> FakeOdpApi:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def requests(self) -> list[Recorded]:
        return self.server.hits()

    def hits(self, number: str, constituent: str | None = None) -> list[Recorded]:
        path = f"{APPLICATIONS}/{number}" + (f"/{constituent}" if constituent else "")
        return [r for r in self.server.hits() if r.path == path]

    def searches(self) -> list[Recorded]:
        return self.server.hits(SEARCH)

    def add(self, wrapper: dict[str, Any]) -> None:
        """Serve ``wrapper`` (an application's ``patentFileWrapperDataBag`` entry)."""
        self.applications[wrapper["applicationNumberText"]] = wrapper

    def script(self, number: str, *answers: Answer) -> None:
        with self._lock:
            self.scripts[number].extend(answers)

    # -- routing ----------------------------------------------------------------------------

    def _respond(self, request: Recorded) -> Answer:
        key = request.header("x-api-key")
        if key is None:
            return Answer.json({"message": "Unauthorized"}, status=401)
        if key != self.api_key:
            return Answer.json({"message": "Forbidden"}, status=403)
        if request.path == SEARCH:
            return self._scripted("search") or self._search(request)
        parts = request.path[len(APPLICATIONS) + 1 :].split("/")
        if not request.path.startswith(APPLICATIONS + "/") or len(parts) > 2:
            return _missing_token()
        number = parts[0]
        constituent = parts[1] if len(parts) == 2 else None
        if constituent is not None and constituent not in CONSTITUENTS:
            return _missing_token()
        scripted = self._scripted(number)
        if scripted is not None:
            return scripted
        recorded = self.replay.get((number, constituent))
        if recorded is not None:
            return Answer(status=200, headers=_json_headers(), body=recorded)
        wrapper = self.applications.get(number)
        if wrapper is None:
            return _not_found()
        if constituent is not None:
            keys = _CONSTITUENT_KEYS[constituent]
            wrapper = {
                "applicationNumberText": number,
                **{k: copy.deepcopy(wrapper[k]) for k in keys if k in wrapper},
            }
            if constituent == "transactions":
                wrapper.setdefault("eventDataBag", [])
        return _bag([wrapper])

    def _scripted(self, key: str) -> Answer | None:
        with self._lock:
            queue = self.scripts.get(key)
            return queue.popleft() if queue else None

    def _search(self, request: Recorded) -> Answer:
        query = {k: v[0] for k, v in request.query.items()}
        offset, limit = int(query.get("offset", "0")), int(query.get("limit", "25"))
        if offset + limit > self.result_cap:
            return Answer.json(
                {"code": 400, "error": "Bad Request", "errorDetails": "offset + limit too large"},
                status=400,
            )
        hits = [w for w in self.applications.values() if _matches(w, query.get("q", "*"))]
        if "rangeFilters" in query:
            field, _, span = query["rangeFilters"].partition(" ")
            start, _, end = span.partition(":")
            hits = [w for w in hits if start <= str(_dig(w, field) or "") <= end]
        hits.sort(
            key=lambda w: (
                str(_dig(w, "applicationMetaData.filingDate") or ""),
                w["applicationNumberText"],
            )
        )
        if not hits:
            return _not_found()
        page = hits[offset : offset + limit]
        fields = [f for f in query.get("fields", "").split(",") if f]
        items = [_project(w, fields) for w in page] if fields else page
        return Answer.json(
            {"count": len(hits), "patentFileWrapperDataBag": items, "requestIdentifier": _rid()},
            headers=_amz_headers(),
        )


# -- the recorded responses --------------------------------------------------------------------


def load_samples(api: FakeOdpApi, samples_dir: Path) -> None:
    """Replay every recorded ODP response under ``samples_dir / "uspto_odp"``.

    Recorded bodies of single-application requests are replayed byte for byte; every wrapper
    they contain is merged into ``api.applications`` so search and the constituents that were
    not recorded can be answered from the same data.
    """
    base = Path(samples_dir) / "uspto_odp"
    for folder, constituent in (
        ("get_patent_transactions", "transactions"),
        ("get_patent_continuity", "continuity"),
    ):
        body = (base / "patent-dev" / folder / "response.json").read_bytes()
        _take(api, body, constituent)
    for cassette in sorted((base / "patent_client_v6").glob("*.yaml")):
        recorded = yaml.safe_load(cassette.read_text(encoding="utf-8"))
        for interaction in recorded["interactions"]:
            response = interaction["response"]
            status = response.get("status_code")
            path = interaction["request"]["uri"].split("beta-api.uspto.gov", 1)[-1]
            if status != 200 or not path.startswith(APPLICATIONS + "/") or "search" in path:
                continue
            parts = path[len(APPLICATIONS) + 1 :].split("?")[0].split("/")
            constituent = parts[1] if len(parts) > 1 else None
            if constituent is not None and constituent not in CONSTITUENTS:
                continue
            _take(api, response["content"].encode("utf-8"), constituent)


def _take(api: FakeOdpApi, body: bytes, constituent: str | None) -> None:
    document = json.loads(body)
    for wrapper in document["patentFileWrapperDataBag"]:
        number = wrapper["applicationNumberText"]
        api.replay[(number, constituent)] = body
        merged = api.applications.setdefault(number, {"applicationNumberText": number})
        for key, value in wrapper.items():
            merged.setdefault(key, value)


# -- helpers -------------------------------------------------------------------------------------


def _matches(wrapper: dict[str, Any], q: str) -> bool:
    q = q.strip()
    if q in ("", "*", "*:*"):
        return True
    match = _NUMBER_QUERY.fullmatch(q)
    if match is None:
        raise ValueError(f"the fake ODP does not understand q={q!r}")
    numbers = {n for n in match.group(1).split() if n != "OR"}
    return wrapper["applicationNumberText"] in numbers


def _dig(wrapper: dict[str, Any], path: str) -> Any:
    value: Any = wrapper
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _project(wrapper: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in fields:
        value = _dig(wrapper, field)
        if value is None:
            continue
        target = out
        *parents, leaf = field.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = copy.deepcopy(value)
    return out


def _bag(wrappers: list[dict[str, Any]]) -> Answer:
    return Answer.json(
        {"count": len(wrappers), "patentFileWrapperDataBag": wrappers, "requestIdentifier": _rid()},
        headers=_amz_headers(),
    )


def _not_found() -> Answer:
    return Answer.json(
        {
            "code": 404,
            "error": "Not Found",
            "errorDetails": "No matching records found, refine your search criteria and try again.",
            "requestIdentifier": _rid(),
        },
        status=404,
    )


def _missing_token() -> Answer:
    return Answer.json(
        {"message": "Missing Authentication Token"},
        status=403,
        headers={"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
    )


def _json_headers() -> dict[str, str]:
    return {"Content-Type": "application/json", **_amz_headers()}


def _amz_headers() -> dict[str, str]:
    return {"x-amzn-RequestId": _rid(), "x-amz-apigw-id": "GJlC-E5DoAMF01Q="}


def _rid() -> str:
    return str(uuid.uuid4())


def filed(wrapper: dict[str, Any], number: str, filing_date: dt.date) -> dict[str, Any]:
    """A copy of ``wrapper`` as application ``number`` filed on ``filing_date`` (search tests)."""
    clone = copy.deepcopy(wrapper)
    clone["applicationNumberText"] = number
    clone.setdefault("applicationMetaData", {})["filingDate"] = filing_date.isoformat()
    return clone
