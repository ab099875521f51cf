"""What a download must prove before it is accepted, when the listing gives no size.

Each fault here used to end with a wrong payload renamed into place under a good-looking
SHA-256: a body longer than its Content-Length, a close-delimited zip or gzip cut short, a gzip
body cut before its trailer, a zip with a damaged member. Now each is refused (and retried), and a
server that drips bytes forever ends at the overall deadline.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import random
import threading
import time
import zipfile
from pathlib import Path

import pytest

from patent_sync.acquisition.errors import DownloadDeadlineExceeded
from patent_sync.acquisition.http import (
    DEFAULT_DEADLINE_SECONDS,
    HttpClient,
    InvalidResponse,
    RetriesExhausted,
    RetryPolicy,
    Timeouts,
)
from patent_sync_tests.raw_http_server import (
    RawServer,
    chunked_without_end,
    close_delimited,
    framed,
    longer_than_declared,
    slow_drip,
)


class RecordingSleep:
    """Records the waits between attempts instead of sleeping through them."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def client(sleep: RecordingSleep, attempts: int = 3, **timeouts: float | None) -> HttpClient:
    settings: dict = {"connect": 2, "read": 2, "write": 2, "pool": 2, **timeouts}
    return HttpClient(
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.01, max_delay=1, jitter=0),
        timeouts=Timeouts(**settings),
        sleep=sleep,
        rng=random.Random(3),
    )


def a_zip(members: int = 3, size: int = 40_000) -> bytes:
    rng = random.Random(members * 7919 + size)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(members):
            text = "".join(rng.choice("<abc/>\n 0123") for _ in range(size))
            archive.writestr(f"doc{n}.xml", text)
    return buffer.getvalue()


def a_gzip(size: int = 60_000) -> bytes:
    rng = random.Random(size)
    return gzip.compress(bytes(rng.randrange(40, 120) for _ in range(size)), mtime=0)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def only(tmp_path: Path, name: str) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir())


# -- Content-Length, exactly ------------------------------------------------------------------


def test_a_body_longer_than_its_content_length_is_refused_then_retried(tmp_path: Path) -> None:
    body = b"<xml>" + b"a" * 5000 + b"</xml>"
    sleep = RecordingSleep()
    replies = [longer_than_declared(body, b"<trailing-garbage/>"), framed(body)]
    with RawServer(replies) as server, client(sleep) as http:
        result = http.download(f"{server.base_url}/doc.xml", tmp_path / "doc.xml")
    assert server.requests == 2 and len(sleep.sleeps) == 1
    assert result.sha256 == sha(body) and (tmp_path / "doc.xml").read_bytes() == body
    assert "content-length" in result.verified


def test_a_body_always_longer_than_declared_gives_up_clearly(tmp_path: Path) -> None:
    body = b"x" * 2048
    with (
        RawServer([longer_than_declared(body, b"y" * 10)]) as server,
        client(RecordingSleep()) as http,
        pytest.raises(RetriesExhausted) as caught,
    ):
        http.download(f"{server.base_url}/f", tmp_path / "f.xml", what="a file")
    assert server.requests == 3
    assert "more bytes than the 2,048 its Content-Length announced" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_body_shorter_than_its_content_length_is_retried(tmp_path: Path) -> None:
    body = b"z" * 10_000

    def short(sock) -> None:
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\nConnection: close\r\n\r\n")
        sock.sendall(body[:3000])
        sock.shutdown(1)

    with RawServer([short, framed(body)]) as server, client(RecordingSleep()) as http:
        result = http.download(f"{server.base_url}/f", tmp_path / "f.xml")
    assert server.requests == 2 and result.sha256 == sha(body)


def test_a_chunked_body_without_its_last_chunk_is_retried(tmp_path: Path) -> None:
    body = b"c" * 5000
    with (
        RawServer([chunked_without_end(body), framed(body)]) as server,
        client(RecordingSleep()) as http,
    ):
        result = http.download(f"{server.base_url}/f", tmp_path / "f.xml")
    assert server.requests == 2 and result.sha256 == sha(body)


# -- close-delimited bodies: the payload must vouch for itself -----------------------------------


def test_a_truncated_close_delimited_zip_is_not_archived(tmp_path: Path) -> None:
    payload = a_zip()
    cut = close_delimited(payload[: len(payload) * 2 // 3], {"Content-Type": "application/zip"})
    with (
        RawServer([cut]) as server,
        client(RecordingSleep()) as http,
        pytest.raises(RetriesExhausted) as caught,
    ):
        http.download(f"{server.base_url}/ipg240102.zip", tmp_path / "ipg240102.zip")
    assert server.requests == 3
    assert "zip archive is damaged or incomplete" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_close_delimited_zip_cut_once_then_whole_is_archived_once(tmp_path: Path) -> None:
    payload = a_zip()
    replies = [close_delimited(payload[:-100]), close_delimited(payload)]
    with RawServer(replies) as server, client(RecordingSleep()) as http:
        result = http.download(f"{server.base_url}/d.zip", tmp_path / "d.zip")
    assert result.attempts == 2 and result.sha256 == sha(payload)
    assert result.verified == ("zip",)
    assert [p.name for p in tmp_path.iterdir()] == ["d.zip"]


def test_a_zip_without_its_name_is_still_recognised_and_checked(tmp_path: Path) -> None:
    # epo_bdds downloads to ".<name>.unverified": the zip signature alone triggers the check.
    payload = a_zip()
    with (
        RawServer([close_delimited(payload[:-10])]) as server,
        client(RecordingSleep(), attempts=1) as http,
        pytest.raises(RetriesExhausted),
    ):
        http.download(f"{server.base_url}/x", tmp_path / ".x.zip.unverified")
    assert list(tmp_path.iterdir()) == []


def test_a_zip_member_with_a_bad_crc_is_refused_even_at_the_right_length(tmp_path: Path) -> None:
    payload = bytearray(a_zip(members=2))
    with zipfile.ZipFile(io.BytesIO(bytes(payload))) as archive:
        info = archive.infolist()[1]
    # A byte inside the second member's compressed data: sizes and directory stay intact.
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 50
    payload[offset] ^= 0xFF
    with (
        RawServer([framed(bytes(payload))]) as server,
        client(RecordingSleep()) as http,
        pytest.raises(RetriesExhausted) as caught,
    ):
        http.download(f"{server.base_url}/d.zip", tmp_path / "d.zip")
    message = str(caught.value)
    assert "zip archive is damaged" in message
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_gz_payload_is_refused(tmp_path: Path) -> None:
    payload = a_gzip()
    with (
        RawServer([close_delimited(payload[:-6]), close_delimited(payload)]) as server,
        client(RecordingSleep()) as http,
    ):
        result = http.download(f"{server.base_url}/f.xml.gz", tmp_path / "f.xml.gz")
    assert server.requests == 2 and result.sha256 == sha(payload)
    assert result.verified == ("gzip",)


def test_a_gz_payload_with_a_wrong_crc_is_refused(tmp_path: Path) -> None:
    payload = bytearray(a_gzip())
    payload[-6] ^= 0x01  # inside the CRC-32 of the trailer
    with (
        RawServer([framed(bytes(payload))]) as server,
        client(RecordingSleep()) as http,
        pytest.raises(RetriesExhausted, match="gzip file is damaged or incomplete"),
    ):
        http.download(f"{server.base_url}/f.gz", tmp_path / "f.gz")
    assert list(tmp_path.iterdir()) == []


def test_an_html_page_named_zip_is_invalid_and_not_retried(tmp_path: Path) -> None:
    page = b"<html>maintenance</html>"
    with (
        RawServer([framed(page, {"Content-Type": "text/html"})]) as server,
        client(RecordingSleep()) as http,
        pytest.raises(InvalidResponse) as caught,
    ):
        http.download(f"{server.base_url}/ipg.zip", tmp_path / "ipg.zip")
    assert server.requests == 1
    assert "not a zip file" in str(caught.value) and "text/html" in str(caught.value)


def test_an_unverifiable_close_delimited_body_is_accepted_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="patent_sync.acquisition")
    body = b"<plain>text</plain>"
    with RawServer([close_delimited(body)]) as server, client(RecordingSleep()) as http:
        result = http.download(f"{server.base_url}/t.xml", tmp_path / "t.xml")
    assert result.sha256 == sha(body) and result.verified == ()
    assert "completeness could not be verified" in caplog.text


# -- Content-Encoding: gzip --------------------------------------------------------------------


def test_a_gzip_encoded_body_cut_before_its_trailer_is_refused(tmp_path: Path) -> None:
    original = b"<doc>" + b"q" * 50_000 + b"</doc>"
    encoded = gzip.compress(original, mtime=0)
    headers = {"Content-Encoding": "gzip"}
    replies = [framed(encoded[:-8], headers), framed(encoded, headers)]
    with RawServer(replies) as server, client(RecordingSleep()) as http:
        result = http.download(f"{server.base_url}/d.xml", tmp_path / "d.xml")
    assert server.requests == 2
    assert (tmp_path / "d.xml").read_bytes() == original and result.sha256 == sha(original)
    assert "content-encoding" in result.verified and "content-length" in result.verified


def test_an_unknown_content_encoding_is_refused(tmp_path: Path) -> None:
    with (
        RawServer([framed(b"abc", {"Content-Encoding": "br"})]) as server,
        client(RecordingSleep()) as http,
        pytest.raises(InvalidResponse, match="'br'"),
    ):
        http.download(f"{server.base_url}/d.xml", tmp_path / "d.xml")
    assert list(tmp_path.iterdir()) == []


# -- the overall deadline ----------------------------------------------------------------------


def test_a_slow_drip_ends_at_the_deadline_not_never(tmp_path: Path) -> None:
    stop = threading.Event()
    try:
        # Every read succeeds well within the 2 s read timeout; only the deadline can stop it.
        with (
            RawServer([slow_drip(100_000, 0.02, stop)]) as server,
            client(RecordingSleep(), total=0.6) as http,
        ):
            started = time.monotonic()
            with pytest.raises(DownloadDeadlineExceeded) as caught:
                http.download(f"{server.base_url}/big.zip", tmp_path / "big.zip")
            elapsed = time.monotonic() - started
    finally:
        stop.set()
    assert 0.5 < elapsed < 2.0
    assert isinstance(caught.value, RetriesExhausted)  # callers that handle giving up, still do
    assert "deadline" in str(caught.value) and "big.zip" in str(caught.value)
    assert caught.value.deadline == 0.6
    assert list(tmp_path.iterdir()) == []


def test_a_silent_server_ends_at_the_deadline_within_a_read_timeout(tmp_path: Path) -> None:
    stop = threading.Event()
    try:
        with (
            RawServer([slow_drip(10, 30.0, stop)]) as server,
            client(RecordingSleep(), read=60, total=0.4) as http,
        ):
            started = time.monotonic()
            with pytest.raises(DownloadDeadlineExceeded):
                http.download(f"{server.base_url}/f.xml", tmp_path / "f.xml")
            assert time.monotonic() - started < 1.5  # the 60 s read timeout was cut short
    finally:
        stop.set()


def test_a_retry_after_past_the_deadline_fails_now_instead_of_sleeping(tmp_path: Path) -> None:
    busy = framed(b"", {"Retry-After": "30"}, status=503)
    sleep = RecordingSleep()
    with RawServer([busy]) as server:
        http = HttpClient(
            retry=RetryPolicy(max_attempts=5, max_delay=60),
            timeouts=Timeouts(total=10),
            sleep=sleep,
        )
        with http, pytest.raises(DownloadDeadlineExceeded) as caught:
            http.download(f"{server.base_url}/f.zip", tmp_path / "f.zip")
    assert sleep.sleeps == [] and server.requests == 1
    assert "HTTP 503" in str(caught.value)


def test_the_deadline_is_per_call_and_configurable(tmp_path: Path) -> None:
    assert Timeouts().total == DEFAULT_DEADLINE_SECONDS == 6 * 3600
    with pytest.raises(ValueError, match=r"Timeouts\.total"):
        Timeouts(total=0)
    body = b"ok"
    with RawServer([framed(body)]) as server, client(RecordingSleep(), total=None) as http:
        assert http.download(f"{server.base_url}/a", tmp_path / "a", deadline_seconds=30).size == 2
