"""Credentials stay out of the audit log, weak audit keys are refused, httpx logs are redacted.

* A reviewer's name, reason or corrected document that carries a credential is refused with
  a one-line message naming the kind of credential (never the text), through the library and
  through ``patent-sync quarantine release/reject``; nothing is written.
* An audit key that is guessable (few distinct bytes, a counting sequence, words) is refused
  with a message saying how to generate one; generated keys always pass.
* httpx and httpcore log signed redirect URLs (INFO) and response headers (DEBUG); a filter
  installed with the HTTP layer redacts them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from patent_sync.acquisition.http import HttpClient, RetryPolicy, Timeouts
from patent_sync.acquisition.redaction import RedactingLogFilter, redact_text
from patent_sync.audit import AuditLog, AuditSecretError, read_entries, reject_secrets
from patent_sync.audit.keys import (
    AuditKeyError,
    create_local_key,
    key_weakness,
    load_or_create_local_key,
    parse_audit_key,
    read_local_key,
)
from patent_sync.audit.secrets import find_credential, reject_secret_text
from patent_sync.cli.main import main
from patent_sync.feeds.uspto import US_GRANTS
from patent_sync.pipeline.delivery import run_delivery
from patent_sync.pipeline.sources import LocalSource
from patent_sync.quarantine import CorrectionError, ReviewInputError, get_item, reject, release
from patent_sync.store import DocketStore, open_store
from patent_sync_tests.conftest import STRONG_AUDIT_KEY
from patent_sync_tests.fake_odp_server import Answer, FakeServer

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
HEX_KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
B64_KEY = "Zk9xT3Jm4Wq8LpV2sYc7Nd1Hg5Ub6Ke0Ra3Mi9Jt2Xw"

CREDENTIAL_TEXTS = {
    f"Authorization: Bearer {JWT}": "credential",
    "authorization=Basic dXNlcjpwYXNz": "authorization",
    "Basic dXNlcjpwYXNz": "credential",
    "used Bearer ab12cd34ef56 for the fetch": "credential",
    "password=hunter2": "password",
    "db password: hunter2!": "password",
    "see api_key=odp-5c0ffee5b4d9 in the ticket": "key",
    "retried with token=a1b2c3d4": "token",
    "client_secret = s3cr3tv4lue": "secret",
    f"pasted {JWT} by mistake": "JSON Web Token",
    "-----BEGIN RSA PRIVATE KEY-----": "private key",
    "AKIAIOSFODNN7EXAMPLE leaked": "AWS",
    f"key {HEX_KEY}": "hex",
    f"the token is {B64_KEY}": "random-looking",
}

INNOCENT_TEXTS = [
    "J. Doe",
    "title taken from the published PDF, page 1",
    "basic information was missing from the record",
    "the doc_key=US-11646472-B2 duplicates the amended version",
    "the key: applicant name misspelled",
    "token ring network patent, abstract fixed",
    "content hash 9f86d081884c (first 12) matched the PDF",
    "data/uspto/ipg261117.zip holds the record",
    "Pneumonoultramicroscopicsilicovolcanoconiosis appears in the claims",
    "https://data.uspto.gov/files/ipg261117.zip?X-Amz-Signature=REDACTED",
    "secretary of the applicant confirmed the address",
]


# -- the detector ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind"), sorted(CREDENTIAL_TEXTS.items()))
def test_credentials_in_free_text_are_recognised(text: str, kind: str) -> None:
    why = find_credential(text)
    assert why is not None and kind.lower() in why.lower()
    with pytest.raises(AuditSecretError) as caught:
        reject_secret_text(text, "reason")
    message = str(caught.value)
    assert "must not hold secrets" in message and "the reason" in message
    assert "\n" not in message
    for piece in ("hunter2", JWT, HEX_KEY, B64_KEY, "dXNlcjpwYXNz", "s3cr3tv4lue"):
        assert piece not in message


@pytest.mark.parametrize("text", INNOCENT_TEXTS)
def test_ordinary_reasons_are_not_mistaken_for_credentials(text: str) -> None:
    assert find_credential(text) is None
    reject_secrets({"reviewer": "J. Doe", "reason": text})


def test_hashes_stay_allowed_in_structured_details_but_not_in_free_text() -> None:
    reject_secrets({"sha256": HEX_KEY, "payload_sha256": [HEX_KEY], "file": "ipg261117.zip"})
    with pytest.raises(AuditSecretError, match="'reason' looks like it holds a 64-digit hex"):
        reject_secrets({"sha256": HEX_KEY, "reason": f"see {HEX_KEY}"})
    with pytest.raises(AuditSecretError, match="JSON Web Token"):
        reject_secrets({"error": f"401 for {JWT}"})  # every value: the unmistakable kinds
    with pytest.raises(AuditSecretError, match="password"):
        reject_secrets({"nested": {"list": ["ok", "password=hunter2"]}})


def test_the_audit_log_itself_refuses_and_writes_nothing(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'd.sqlite'}") as store:
        store.migrate()
        audit = AuditLog(store, STRONG_AUDIT_KEY, actor="t")
        with pytest.raises(AuditSecretError):
            audit.append("quarantine.rejected", "q:1", {"reviewer": "x", "reason": f"{JWT}"})
        assert list(read_entries(store)) == []


# -- through quarantine review: library and command line ---------------------------------------

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "uspto"


@pytest.fixture
def reviewed_store(tmp_path: Path) -> Iterator[tuple[str, DocketStore, AuditLog, dict[str, int]]]:
    url = f"sqlite:///{tmp_path / 'docket.sqlite'}"
    with open_store(url) as store:
        store.migrate()
        audit = AuditLog(store, STRONG_AUDIT_KEY, actor="test")
        run_delivery(
            US_GRANTS,
            dt.date(2026, 11, 17),
            source=LocalSource(DATA_DIR),
            store=store,
            audit=audit,
            home=tmp_path,
        )
        ids = {str(item.record.category): item.id for item in store.list_quarantine()}
        yield url, store, audit, ids


@pytest.mark.parametrize(
    ("reviewer", "reason"),
    [
        ("J. Doe", f"Authorization: Bearer {JWT}"),
        ("J. Doe", "fetched again with password=hunter2"),
        (f"J. Doe {HEX_KEY}", "duplicate"),
        ("J. Doe", f"api token {B64_KEY}"),
    ],
)
def test_reject_refuses_a_credential_in_reviewer_or_reason(
    reviewed_store, reviewer: str, reason: str
) -> None:
    _url, store, audit, ids = reviewed_store
    before = [e.entry_hash for e in read_entries(store)]
    with pytest.raises(ReviewInputError, match="must not hold secrets") as caught:
        reject(store, audit, ids["conflict"], reviewer=reviewer, reason=reason)
    for piece in (JWT, "hunter2", HEX_KEY, B64_KEY):
        assert piece not in str(caught.value)
    assert [e.entry_hash for e in read_entries(store)] == before


def test_a_correction_carrying_a_credential_is_refused(reviewed_store) -> None:
    _url, store, audit, ids = reviewed_store
    qid = ids["schema_violation"]
    payload = get_item(store, qid).record.payload
    corrected = {**payload, "title": f"Battery enclosure Authorization: Bearer {JWT}"}
    before = [e.entry_hash for e in read_entries(store)]
    with pytest.raises(CorrectionError, match="must not hold secrets") as caught:
        release(store, audit, qid, reviewer="J. Doe", reason="title", corrected=corrected)
    assert JWT not in str(caught.value)
    assert [e.entry_hash for e in read_entries(store)] == before


def test_cli_release_and_reject_refuse_credentials_in_one_line(
    reviewed_store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, store, _audit, ids = reviewed_store
    monkeypatch.setenv("PATENT_SYNC_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", STRONG_AUDIT_KEY.hex())
    before = [e.entry_hash for e in read_entries(store)]

    conflict = str(ids["conflict"])
    for reason in (f"Authorization: Bearer {JWT}", "password=hunter2"):
        code = main(
            ["quarantine", "reject", conflict, "--store", url, "--reviewer", "J. Doe",
             "--reason", reason]
        )  # fmt: skip
        out, err = capsys.readouterr()
        assert (code, out) == (1, "") and err.count("\n") == 1
        assert "must not hold secrets" in err and JWT not in err and "hunter2" not in err

    violation = str(ids["schema_violation"])
    payload = get_item(store, int(violation)).record.payload
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps({**payload, "title": "Enclosure (token=a1b2c3d4e5)"}))
    code = main(
        ["quarantine", "release", violation, "--store", url, "--reviewer", "J. Doe",
         "--reason", "title from the PDF", "--corrected", str(fixed)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert (code, out) == (1, "") and err.count("\n") == 1
    assert "must not hold secrets" in err and "a1b2c3d4e5" not in err
    assert [e.entry_hash for e in read_entries(store)] == before


# -- audit keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("00" * 32, "distinct byte values"),
        ("ab" * 32, "distinct byte values"),
        (bytes(range(32)).hex(), "counting or repeating"),
        (bytes(range(100, 140)).hex(), "counting or repeating"),
        ("my-audit-key-for-the-patent-sync", "reads as words"),
        ("correct horse battery staple, twice over!", "reads as words"),
        ("k" * 40, "distinct byte values"),
    ],
)
def test_weak_audit_keys_are_refused_with_how_to_make_one(value: str, why: str) -> None:
    with pytest.raises(AuditKeyError) as caught:
        parse_audit_key(value)
    message = str(caught.value)
    assert why in message and "too easy to guess" in message
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message
    assert "\n" not in message and value not in message


def test_generated_and_random_keys_are_accepted(tmp_path: Path) -> None:
    assert parse_audit_key(STRONG_AUDIT_KEY.hex()) == STRONG_AUDIT_KEY
    for _ in range(2000):
        assert key_weakness(secrets.token_bytes(32)) is None
    path = tmp_path / "audit.key"
    key = load_or_create_local_key(path)  # what `patent-sync demo` does
    assert read_local_key(path) == key
    assert key_weakness(create_local_key(tmp_path / "other.key")) is None


def test_a_weak_key_in_the_environment_stops_the_cli_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATENT_SYNC_HOME", str(tmp_path / "var"))
    monkeypatch.setenv("PATENT_SYNC_AUDIT_KEY", "ab" * 32)
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    with open_store(url) as store:
        store.migrate()
    code = main(["audit", "verify", "--store", url])
    _out, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1
    assert "too easy to guess" in err and "ab" * 32 not in err


# -- httpx / httpcore logs ---------------------------------------------------------------------


def test_httpx_debug_logs_never_show_a_presigned_signature(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    signature = secrets.token_hex(20)
    api_key = "odp-key-" + secrets.token_hex(8)
    storage = FakeServer(lambda r: Answer(200, {"Set-Cookie": f"sid={api_key}"}, b"<x/>")).start()
    signed = (
        f"{storage.base_url}/bucket/f.xml?X-Amz-Expires=5&X-Amz-Credential=AKIA%2F20260602"
        f"&X-Amz-Signature={signature}"
    )
    api = FakeServer(lambda r: Answer(302, {"Location": signed})).start()
    caplog.set_level(logging.DEBUG)
    try:
        with HttpClient(
            retry=RetryPolicy(max_attempts=1), timeouts=Timeouts(connect=2, read=2)
        ) as http:
            http.download(
                f"{api.base_url}/files/f.xml?api_key={api_key}",
                tmp_path / "f.xml",
                headers={"X-API-KEY": api_key},
            )
    finally:
        api.stop()
        storage.stop()
    third_party = [r for r in caplog.records if r.name.split(".")[0] in ("httpx", "httpcore")]
    assert any("HTTP Request" in r.getMessage() for r in third_party)  # httpx did log the URL
    assert any("receive_response_headers" in r.getMessage() for r in third_party)
    assert signature not in caplog.text and api_key not in caplog.text
    assert "X-Amz-Signature=REDACTED" in caplog.text


def test_the_log_filter_is_installed_once_per_logger() -> None:
    HttpClient().close()
    HttpClient().close()
    for name in ("httpx", "httpcore.http11", "httpcore.connection"):
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, RedactingLogFilter) for f in filters) == 1


def test_redact_text_covers_urls_headers_and_user_info() -> None:
    text = (
        "GET https://u:pw@s3.example/b?X-Amz-Signature=abc123&x=1 "
        "[(b'Location', b'https://cdn/x?Signature=zzz&Key-Pair-Id=K1'), "
        "(b'Authorization', b'Bearer tok-123')] Set-Cookie: sid=42"
    )
    redacted = redact_text(text)
    for secret in ("abc123", "zzz", "K1", "tok-123", "sid=42", "u:pw"):
        assert secret not in redacted
    assert "x=1" in redacted
