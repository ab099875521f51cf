"""A standing fault-injection suite: nothing lost, nothing duplicated, nothing corrupt archived.

**Downloads.** A local server on 127.0.0.1 answers a few thousand fetches of a fixed set of
payloads (zip, gzip, plain XML) and, chosen by a seeded RNG, misbehaves: 429 with
``Retry-After`` in seconds or as an HTTP-date, 503, connection resets before or inside the
body, bodies cut short (with a Content-Length, or close-delimited for zip and gzip payloads),
bodies longer than their Content-Length, gzip ``Content-Encoding`` cut before its trailer,
damaged zip members, and slow bodies. Every fetch goes through the real ``HttpClient.download``
into the real ``RawArchive`` (SQLite store); waits are recorded, not slept. Afterwards:

* every fetch either archived exactly the served bytes or raised ``RetriesExhausted``;
* the archive holds one object per distinct payload fetched, each rehashing to its name;
* no ``.part`` file is left behind.

**Documents.** Mutated copies of the project's sample deliveries (``data/uspto``,
``data/epo_docdb``): byte flips, truncations, tag deletions, go through format detection,
``count_raw_records``/``iter_changes`` and validation. Every record is accounted for (parsed
changes == raw count; upserts == valid + quarantined) and the only exceptions are
``ParseError`` refusals with a one-line message.

The default run is bounded (2,000 fetches, 2,000 mutations). ``PATENT_SYNC_FAULT_RUNS=N``
multiplies both; ``PATENT_SYNC_SLOW_TESTS=1 pytest -m slow`` runs the long variants (20,000
each, other seeds).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import email.utils
import gzip
import hashlib
import io
import os
import random
import socket
import struct
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from patent_sync.acquisition.http import (
    DownloadResult,
    HttpClient,
    InvalidResponse,
    RetriesExhausted,
    RetryPolicy,
    Timeouts,
)
from patent_sync.archive.raw_archive import RawArchive, object_path
from patent_sync.feeds.registry import validation_profile
from patent_sync.formats.base import Delete, Upsert
from patent_sync.formats.registry import detect, document_format_named
from patent_sync.model import QuarantineRecord
from patent_sync.parsing.errors import ParseError
from patent_sync.store import open_store
from patent_sync.validation.documents import DeliveryValidator
from patent_sync_tests.raw_http_server import RawServer, Reply, response_head

SEED = 20260602
FIXED_NOW = dt.datetime(2026, 6, 2, 12, 0, 0, tzinfo=dt.UTC)
RUNS = max(1, int(os.environ.get("PATENT_SYNC_FAULT_RUNS", "1")))
# Long runs are opt-in so `make test` stays bounded: PATENT_SYNC_SLOW_TESTS=1 pytest -m slow
slow = pytest.mark.skipif(
    os.environ.get("PATENT_SYNC_SLOW_TESTS") != "1", reason="set PATENT_SYNC_SLOW_TESTS=1"
)
DATA = Path(__file__).resolve().parent.parent / "data"


# -- payloads ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Payload:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def kind(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def make_payloads(rng: random.Random, count: int = 24) -> list[Payload]:
    payloads = []
    for n in range(count):
        size = rng.randrange(2_000, 120_000)
        text = bytes(rng.choice(b"<doc>abcdefgh 0123456789</doc>\n") for _ in range(size))
        if n % 3 == 0:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(f"doc{n}.xml", text)
                archive.writestr(f"more{n}.xml", text[::-1])
            payloads.append(Payload(f"p{n}.zip", buffer.getvalue()))
        elif n % 3 == 1:
            payloads.append(Payload(f"p{n}.xml.gz", gzip.compress(text, mtime=0)))
        else:
            payloads.append(Payload(f"p{n}.xml", text))
    return payloads


# -- faults --------------------------------------------------------------------------------------


def _reset(sock: socket.socket) -> None:
    """Close with RST rather than FIN: the client sees a connection reset."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def ok(p: Payload) -> Reply:
    def reply(sock: socket.socket) -> None:
        head = response_head(200, {"Content-Length": str(len(p.data)), "ETag": p.sha256[:16]})
        sock.sendall(head + p.data)

    return reply


def status(code: int, retry_after: str | None) -> Reply:
    def reply(sock: socket.socket) -> None:
        headers = {"Content-Length": "0"}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        sock.sendall(response_head(code, headers))

    return reply


def reset_before_headers(_: Payload) -> Reply:
    return _reset


def reset_inside_body(p: Payload) -> Reply:
    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {"Content-Length": str(len(p.data))}))
        sock.sendall(p.data[: len(p.data) // 2])
        _reset(sock)

    return reply


def short_with_length(p: Payload, rng: random.Random) -> Reply:
    cut = rng.randrange(0, len(p.data))

    def reply(sock: socket.socket) -> None:
        head = response_head(200, {"Content-Length": str(len(p.data)), "Connection": "close"})
        sock.sendall(head + p.data[:cut])
        sock.shutdown(socket.SHUT_WR)

    return reply


def short_close_delimited(p: Payload, rng: random.Random) -> Reply:
    # Only zip and gzip payloads can vouch for themselves without a length.
    cut = rng.randrange(0, len(p.data))

    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {"Connection": "close"}) + p.data[:cut])
        sock.shutdown(socket.SHUT_WR)

    return reply


def whole_close_delimited(p: Payload) -> Reply:
    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {"Connection": "close"}) + p.data)
        sock.shutdown(socket.SHUT_WR)

    return reply


def longer_than_declared(p: Payload, rng: random.Random) -> Reply:
    declared = rng.randrange(1, len(p.data))  # the rest of the body is "extra"

    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {"Content-Length": str(declared)}) + p.data)

    return reply


def gzip_encoded(p: Payload, rng: random.Random, *, cut: bool) -> Reply:
    encoded = gzip.compress(p.data, mtime=0)
    if cut:
        encoded = encoded[: rng.randrange(0, len(encoded) - 1)]

    def reply(sock: socket.socket) -> None:
        headers = {"Content-Length": str(len(encoded)), "Content-Encoding": "gzip"}
        sock.sendall(response_head(200, headers) + encoded)

    return reply


def damaged_member(p: Payload, rng: random.Random) -> Reply:
    """Flip one byte inside a zip's compressed data or a gzip's body, length unchanged."""
    data = bytearray(p.data)
    start = 64 if len(data) > 200 else 0
    data[rng.randrange(start, len(data) - 30)] ^= 1 << rng.randrange(8)

    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {"Content-Length": str(len(data))}) + bytes(data))

    return reply


def slow_body(p: Payload) -> Reply:
    def reply(sock: socket.socket) -> None:
        sock.sendall(response_head(200, {"Content-Length": str(len(p.data))}))
        step = max(1, len(p.data) // 4)
        for start in range(0, len(p.data), step):
            time.sleep(0.002)
            sock.sendall(p.data[start : start + step])

    return reply


class FaultPlan:
    """Chooses a reply for every request from a seeded RNG; counts what it injected."""

    def __init__(self, payloads: dict[str, Payload], seed: int) -> None:
        self.payloads = payloads
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: Counter[str] = Counter()

    def __call__(self, head: bytes) -> Reply:
        path = head.split(b" ", 2)[1].decode()
        p = self.payloads[path.rsplit("/", 1)[-1]]
        archive = p.kind in ("zip", "gz")
        with self.lock:
            roll = self.rng.random()
            seed = self.rng.randrange(1 << 30)
        rng = random.Random(seed)
        faults: list[tuple[float, str]] = [
            (0.45, "ok"),
            (0.05, "429-seconds"),
            (0.05, "429-date"),
            (0.05, "503"),
            (0.04, "reset-before"),
            (0.04, "reset-inside"),
            (0.06, "short-with-length"),
            (0.06, "longer-than-declared"),
            (0.04, "gzip-encoded"),
            (0.04, "gzip-encoded-cut"),
            (0.04, "slow"),
            (0.04, "close-delimited-short" if archive else "close-delimited-whole"),
            (0.04, "damaged" if archive else "ok"),
            (0.04, "close-delimited-whole"),
        ]
        total = 0.0
        kind = "ok"
        for weight, name in faults:
            total += weight
            if roll < total:
                kind = name
                break
        with self.lock:
            self.injected[kind] += 1
        when = email.utils.format_datetime(FIXED_NOW + dt.timedelta(seconds=20), usegmt=True)
        return {
            "ok": lambda: ok(p),
            "429-seconds": lambda: status(429, str(rng.randrange(1, 30))),
            "429-date": lambda: status(429, when),
            "503": lambda: status(503, None),
            "reset-before": lambda: reset_before_headers(p),
            "reset-inside": lambda: reset_inside_body(p),
            "short-with-length": lambda: short_with_length(p, rng),
            "longer-than-declared": lambda: longer_than_declared(p, rng),
            "gzip-encoded": lambda: gzip_encoded(p, rng, cut=False),
            "gzip-encoded-cut": lambda: gzip_encoded(p, rng, cut=True),
            "slow": lambda: slow_body(p),
            "close-delimited-short": lambda: short_close_delimited(p, rng),
            "close-delimited-whole": lambda: whole_close_delimited(p),
            "damaged": lambda: damaged_member(p, rng),
        }[kind]()


class RecordingSleep:
    def __init__(self) -> None:
        self.total = 0.0
        self.lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self.lock:
            self.total += seconds


def run_fetches(tmp_path: Path, fetches: int, seed: int) -> None:
    rng = random.Random(seed)
    payloads = make_payloads(rng)
    by_name = {p.name: p for p in payloads}
    plan = FaultPlan(by_name, seed + 1)
    sleep = RecordingSleep()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    outcomes: Counter[str] = Counter()
    fetched: dict[str, str] = {}  # name -> sha256 archived
    errors: list[str] = []
    lock = threading.Lock()
    with (
        RawServer(plan) as server,
        open_store(f"sqlite:///{tmp_path / 'docket.sqlite'}") as store,
        HttpClient(
            source="fault-injection",
            retry=RetryPolicy(max_attempts=8, base_delay=0.5, max_delay=60, jitter=0.2),
            timeouts=Timeouts(connect=5, read=5, write=5, pool=10, total=60),
            sleep=sleep,
            now=lambda: FIXED_NOW,
            rng=random.Random(seed + 2),
        ) as http,
    ):
        store.migrate()
        archive = RawArchive(tmp_path / "raw", store)
        order = [rng.choice(payloads) for _ in range(fetches)]

        def fetch(index: int, p: Payload) -> tuple[Payload, Path, DownloadResult | None]:
            dest = downloads / f"{index:06d}-{p.name}"
            try:
                result = http.download(f"{server.base_url}/files/{p.name}", dest)
            except RetriesExhausted as exc:
                with lock:
                    outcomes["gave-up"] += 1
                    errors.append(str(exc))
                assert not dest.exists()
                return p, dest, None
            return p, dest, result

        # Downloads run on 4 threads; archiving happens here, on the thread owning the store.
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(fetch, i, p) for i, p in enumerate(order)]
            for future in concurrent.futures.as_completed(futures):
                p, dest, result = future.result()
                if result is None:
                    continue
                assert result.sha256 == p.sha256, f"{p.name}: archived bytes differ from served"
                # Only a close-delimited plain file arrives with nothing to check it against.
                assert result.verified or p.kind == "xml", f"{p.name}: accepted unchecked"
                stored = archive.take_file(
                    dest, sha256=result.sha256, size=result.size, source="fi", origin=p.name
                )
                outcomes["archived"] += 1
                fetched[p.name] = stored.sha256

        # Nothing lost: every fetch is accounted for.
        assert outcomes["archived"] + outcomes["gave-up"] == fetches
        assert outcomes["archived"] > fetches * 0.95, (outcomes, errors[:3])
        assert all("gave up after" in e or "deadline" in e for e in errors)
        # Nothing duplicated, nothing corrupt: one object per distinct payload, each intact.
        objects = sorted(p for p in (tmp_path / "raw").rglob("*") if p.is_file())
        assert len(objects) == len(fetched)
        for name, sha in fetched.items():
            assert sha == by_name[name].sha256
            assert object_path(tmp_path / "raw", sha).read_bytes() == by_name[name].data
            assert archive.verify(sha)
        rows = store.query("SELECT COUNT(DISTINCT sha256) FROM raw_payloads")[0][0]
        assert rows == len(fetched)
        assert list(downloads.iterdir()) == []  # moved into the archive; no .part left
    # Every kind of fault was really injected, and the Retry-After waits were not slept.
    expected = {
        "429-seconds", "429-date", "503", "reset-before", "reset-inside", "slow",
        "longer-than-declared", "gzip-encoded-cut", "close-delimited-short", "damaged",
        "short-with-length",
    }  # fmt: skip
    assert expected <= {kind for kind, n in plan.injected.items() if n}, plan.injected
    assert sleep.total > 0


def test_fault_injection_downloads_bounded(tmp_path: Path) -> None:
    started = time.monotonic()
    run_fetches(tmp_path, 2000 * RUNS, SEED)
    assert RUNS > 1 or time.monotonic() - started < 180  # bounded, even on a busy machine


@pytest.mark.slow
@slow
def test_fault_injection_downloads_long(tmp_path: Path) -> None:
    run_fetches(tmp_path, 20_000, SEED + 17)


# -- documents -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Sample:
    format_name: str
    feed: str
    member_name: str
    data: bytes


def samples() -> list[Sample]:
    """Small members of the sample deliveries: a few USPTO records, the small DOCDB files."""
    found: list[Sample] = []
    uspto = document_format_named("uspto.ptgrxml")
    for path in sorted((DATA / "uspto").glob("ipg*.zip")):
        with zipfile.ZipFile(path) as archive:
            data = archive.read(archive.namelist()[0])
        pieces = [piece.data for piece in uspto.iter_pieces(io.BytesIO(data))]
        for start in range(0, min(len(pieces), 12), 2):
            member = b"".join(pieces[start : start + 2])
            found.append(Sample("uspto.ptgrxml", "us_grants", path.name, member))
    for path in sorted((DATA / "epo_docdb").glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.file_size <= 25_000:
                    feed = "docdb_amend" if "_Amend_" in path.name else "docdb_create_delete"
                    found.append(Sample("epo.docdb", feed, path.name, archive.read(info)))
    return found


def mutate(data: bytes, rng: random.Random) -> bytes:
    roll = rng.random()
    buf = bytearray(data)
    if roll < 0.35:  # byte flips
        for _ in range(rng.randrange(1, 6)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        return bytes(buf)
    if roll < 0.55:  # truncation
        return bytes(buf[: rng.randrange(0, len(buf))])
    if roll < 0.85:  # tag deletion: drop one start or end tag
        tags = [i for i in range(len(buf)) if buf[i] == 0x3C]  # "<"
        if not tags:
            return bytes(buf)
        start = rng.choice(tags)
        end = buf.find(b">", start)
        return bytes(buf[:start] + buf[end + 1 :]) if end > 0 else bytes(buf[:start])
    # a slice of another spot pasted in
    a, b = sorted(rng.randrange(len(buf)) for _ in range(2))
    at = rng.randrange(len(buf))
    return bytes(buf[:at] + buf[a:b] + buf[at:])


def run_mutations(tmp_path: Path, count: int, seed: int) -> Counter[str]:
    rng = random.Random(seed)
    pool = samples()
    assert pool, "no sample members found under data/"
    stats: Counter[str] = Counter()
    pending: dict[str, list] = {}
    path = tmp_path / "member.xml"
    mismatches: list[tuple[str, int, int]] = []
    keys: dict[str, set[str]] = {}

    def flush(feed: str) -> None:
        docs = pending.pop(feed, [])
        if not docs:
            return
        # A fresh validator per batch, and a batch never holds one doc_key twice: the same
        # sample mutated twice must not make its documents "duplicates" of each other.
        keys.pop(feed, None)
        result = DeliveryValidator(validation_profile(feed), delivery_date=None).validate(
            docs, list(range(len(docs)))
        )
        assert len(result.valid) + len(result.quarantined) == len(docs)
        stats["valid"] += len(result.valid)
        stats["quarantined_by_validation"] += len(result.quarantined)

    for _ in range(count):
        sample = rng.choice(pool)
        data = mutate(sample.data, rng)
        fmt = document_format_named(sample.format_name)
        path.write_bytes(data)
        try:
            detected = detect(path)
        except ParseError as exc:
            assert str(exc) and "\n" not in str(exc), repr(exc)
            stats["refused_at_detection"] += 1
            continue
        if detected.name != sample.format_name:
            stats["detected_as_other_format"] += 1
            continue
        try:
            raw = fmt.count_raw_records(io.BytesIO(data)).records
        except ParseError as exc:
            assert str(exc) and "\n" not in str(exc), repr(exc)
            raw = None
        try:
            changes = list(fmt.iter_changes(io.BytesIO(data), source_file=sample.member_name))
        except ParseError as exc:
            assert str(exc) and "\n" not in str(exc), repr(exc)
            stats["refused_file"] += 1
            continue
        assert raw is not None, "iter_changes read a file count_raw_records refused"
        if len(changes) != raw:
            # The counter and the splitter disagree: the pipeline refuses such a delivery
            # (RecordsNotAccountedFor) before anything is loaded, so nothing is lost silently.
            stats["refused_not_accounted_for"] += 1
            mismatches.append((sample.format_name, raw, len(changes)))
            continue
        stats["records"] += raw
        for change in changes:
            if isinstance(change, Upsert):
                if change.document.doc_key in keys.get(sample.feed, ()):
                    flush(sample.feed)
                keys.setdefault(sample.feed, set()).add(change.document.doc_key)
                pending.setdefault(sample.feed, []).append(change.document)
                stats["upserts"] += 1
            elif isinstance(change, QuarantineRecord):
                assert change.failed_checks
                stats["quarantined_by_parser"] += 1
            else:
                assert isinstance(change, Delete)
                stats["deletes"] += 1
    for feed in list(pending):
        flush(feed)
    assert stats["records"] == (
        stats["upserts"] + stats["quarantined_by_parser"] + stats["deletes"]
    )
    assert stats["valid"] + stats["quarantined_by_validation"] == stats["upserts"]
    # A refusal is safe but costs a whole weekly delivery: the independent count and the
    # splitter must agree on every mutated file, however broken.
    assert mismatches == [], mismatches[:5]
    return stats


def test_fuzzed_documents_are_all_accounted_for(tmp_path: Path) -> None:
    started = time.monotonic()
    stats = run_mutations(tmp_path, 2000 * RUNS, SEED)
    assert stats["quarantined_by_parser"] > 0 and stats["valid"] > 0
    assert stats["refused_at_detection"] + stats["refused_file"] > 0
    assert RUNS > 1 or time.monotonic() - started < 180  # bounded, even on a busy machine


@pytest.mark.slow
@slow
def test_fuzzed_documents_long(tmp_path: Path) -> None:
    run_mutations(tmp_path, 20_000, SEED + 17)


def test_an_invalid_response_is_not_an_acceptable_fault_outcome() -> None:
    # The suite treats only RetriesExhausted as "a clear error"; InvalidResponse would mean a
    # payload was mistaken for another kind, which none of the injected faults should cause.
    assert not issubclass(InvalidResponse, RetriesExhausted)
