"""Loading, decoding and creating the audit HMAC key."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from patent_sync.audit.keys import (
    ENV_AUDIT_KEY,
    AuditKeyError,
    create_local_key,
    load_audit_key,
    load_or_create_local_key,
    parse_audit_key,
    read_local_key,
)

RAW = bytes.fromhex(  # 40 random bytes
    "90e08e3193123b3ea1ff7331f8ddd3e09663f4569ccbad6c0c11a8569ac2854987929db1b5e742b0"
)


def test_hex_base64_and_raw_text_keys_decode() -> None:
    assert parse_audit_key(RAW.hex()) == RAW
    assert parse_audit_key(base64.b64encode(RAW).decode()) == RAW
    assert parse_audit_key(base64.urlsafe_b64encode(RAW).decode().rstrip("=")) == RAW
    text = "k7#Qz9!vR2@pL5$wX8^mN3&bT6*yH1(dF4)"  # random printable text is a key too
    assert parse_audit_key(f"  {text}\n") == text.encode()


@pytest.mark.parametrize("value", ["", "   ", "ab" * 16, "short-key"])
def test_short_or_empty_keys_are_refused_without_echoing_them(value: str) -> None:
    with pytest.raises(AuditKeyError) as caught:
        parse_audit_key(value)
    message = str(caught.value)
    assert "PATENT_SYNC_AUDIT_KEY" in message
    if value == "ab" * 16:
        assert "is 16 bytes" in message  # hex stays hex, never reread as 32 bytes of text
    if value.strip():
        assert value.strip() not in message


def test_load_audit_key_reads_the_environment() -> None:
    assert load_audit_key({ENV_AUDIT_KEY: RAW.hex()}) == RAW
    with pytest.raises(AuditKeyError, match="PATENT_SYNC_AUDIT_KEY is not set"):
        load_audit_key({})


def test_local_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "var" / "audit.key"
    key = create_local_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_local_key(path) == key
    with pytest.raises(FileExistsError):
        create_local_key(path)
    assert load_or_create_local_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["audit.key"]  # no temp file left


def test_load_or_create_makes_a_key_once(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    first = load_or_create_local_key(path)
    assert load_or_create_local_key(path) == first


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "audit.key"
    create_local_key(path)
    path.chmod(0o644)
    with pytest.raises(AuditKeyError, match="chmod 600"):
        read_local_key(path)


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(AuditKeyError, match="no audit key file"):
        read_local_key(tmp_path / "nope.key")
