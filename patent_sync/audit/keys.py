"""The HMAC key that signs the audit log: from the environment, or a local file for the demo.

The key never appears in a message, a log line or an exception: errors name where the key
was looked for and what is wrong with it, never its value.

A key must be long (32+ bytes) and must not be guessable: a key made of few distinct bytes
(all zeros, ``"ab" * 32``), a counting or repeating pattern, or readable words is refused, since
anyone who guesses it can re-sign a tampered audit log.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import math
import os
import re
import secrets
import stat
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, overload

from patent_sync.settings import ENV_AUDIT_KEY

MIN_KEY_BYTES = 32
# 32 random bytes hold ~30 distinct values and ~4.8 bits of entropy per byte; these floors are
# far below what a random key ever scores, and far above "ab" * 32 or a counting sequence.
MIN_DISTINCT_BYTES = 16
MIN_ENTROPY_BITS_PER_BYTE = 3.5
GENERATE_HINT = 'generate one with: python -c "import secrets; print(secrets.token_hex(32))"'
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")
# Words as people write them: "word", "Word", "WORD". Random text of letters and digits
# rarely has 80% of its characters in such runs *and* a third of its letters vowels.
_WORD = re.compile(rb"[A-Z]?[a-z]{2,}|[A-Z]{3,}")
_WORD_COVERAGE = 0.8
_VOWEL_SHARE = 0.34


class AuditKeyError(ValueError):
    """The audit key is missing, too short or unreadable (the message never holds the key)."""


def parse_audit_key(text: str, *, origin: str = ENV_AUDIT_KEY) -> bytes:
    """Decode a key given as hex, base64, or raw text, each at least 32 bytes once decoded.

    An even number of hex digits is hex; otherwise base64 (standard or URL-safe) when that
    decodes to a full-length key; anything else is raw UTF-8 text. ``origin`` says where the
    key came from, for the error message.
    """
    value = text.strip()
    if not value:
        raise AuditKeyError(f"the audit key in {origin} is empty")
    key = _decode(value)
    if len(key) < MIN_KEY_BYTES:
        raise AuditKeyError(
            f"the audit key in {origin} is {len(key)} bytes; it must be at least "
            f"{MIN_KEY_BYTES} ({GENERATE_HINT})"
        )
    weakness = key_weakness(key)
    if weakness is not None:
        raise AuditKeyError(
            f"the audit key in {origin} is too easy to guess: {weakness}; {GENERATE_HINT}"
        )
    return key


def key_weakness(key: bytes) -> str | None:
    """Why ``key`` is guessable (never quoting it), or None for a key that looks random."""
    distinct = len(set(key))
    if distinct < MIN_DISTINCT_BYTES:
        return f"it uses only {distinct} distinct byte values"
    steps = [(b - a) % 256 for a, b in itertools.pairwise(key)]
    if _longest_run(steps) + 1 > len(key) // 2:
        return "it is mostly a counting or repeating sequence"
    if _entropy(key) < MIN_ENTROPY_BITS_PER_BYTE:
        return "its bytes are too unevenly spread (low entropy)"
    if all(32 <= b < 127 for b in key) and _reads_as_words(key):
        return "it reads as words (a passphrase), not random bytes"
    return None


def _reads_as_words(text: bytes) -> bool:
    worded = sum(len(word) for word in _WORD.findall(text))
    letters = [b for b in text.lower() if 97 <= b <= 122]
    vowels = sum(b in b"aeiouy" for b in letters)
    return worded >= _WORD_COVERAGE * len(text) and vowels >= _VOWEL_SHARE * max(len(letters), 1)


def _longest_run(values: list[int]) -> int:
    longest = current = 0
    previous: int | None = None
    for value in values:
        current = current + 1 if value == previous else 1
        longest = max(longest, current)
        previous = value
    return longest


def _entropy(data: bytes) -> float:
    counts = Counter(data)
    total = len(data)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def load_audit_key(env: Mapping[str, str] | None = None) -> bytes:
    """The key from ``PATENT_SYNC_AUDIT_KEY``; ``AuditKeyError`` if it is unset or too short."""
    env = os.environ if env is None else env
    text = env.get(ENV_AUDIT_KEY)
    if not text:
        raise AuditKeyError(
            f"{ENV_AUDIT_KEY} is not set: the audit log is signed with an HMAC key from the "
            "environment (at least 32 bytes, hex or base64)"
        )
    return parse_audit_key(text)


def create_local_key(path: Path) -> bytes:
    """Create a new random key file (hex, mode 0600); ``FileExistsError`` if one exists.

    The key is written to a private temporary file and hard-linked into place, so the file
    appears complete or not at all and an existing key is never overwritten.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(MIN_KEY_BYTES)
    while key_weakness(key) is not None:  # never in practice; the file must always load back
        key = secrets.token_bytes(MIN_KEY_BYTES)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(key.hex() + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(temp_name, path)  # fails with FileExistsError rather than replace a key
    finally:
        os.unlink(temp_name)
    return key


def read_local_key(path: Path) -> bytes:
    """Read a key file; refuses one that other users can read or write."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AuditKeyError(f"no audit key file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"cannot read the audit key file {path}: {exc}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuditKeyError(
            f"the audit key file {path} is accessible to other users; run: chmod 600 {path}"
        )
    return parse_audit_key(text, origin=str(path))


@overload
def resolve_audit_key(
    local_key_path: Path, *, create: Literal[True], env: Mapping[str, str] | None = None
) -> bytes: ...
@overload
def resolve_audit_key(
    local_key_path: Path, *, create: Literal[False], env: Mapping[str, str] | None = None
) -> bytes | None: ...
def resolve_audit_key(
    local_key_path: Path, *, create: bool, env: Mapping[str, str] | None = None
) -> bytes | None:
    """``PATENT_SYNC_AUDIT_KEY`` when set, else the local key file: created when ``create``
    (the embedded default), else read if present; None when there is no key at all."""
    env = os.environ if env is None else env
    if env.get(ENV_AUDIT_KEY):
        return load_audit_key(env)
    if create:
        return load_or_create_local_key(local_key_path)
    return read_local_key(local_key_path) if local_key_path.exists() else None


def load_or_create_local_key(path: Path) -> bytes:
    """The key in ``path``, creating the file first if there is none."""
    try:
        return create_local_key(path)
    except FileExistsError:  # also when another process created it a moment ago
        return read_local_key(path)


def _decode(value: str) -> bytes:
    """Hex is always hex; then base64 if it gives a full-length key; else the raw text."""
    if len(value) % 2 == 0 and _HEX.match(value):
        # Never reread a short hex key as text: token_hex(16) is 16 bytes, not 32.
        return bytes.fromhex(value)
    if _BASE64.match(value):
        padded = value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4)
        try:
            key = base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) >= MIN_KEY_BYTES:
            return key
    return value.encode("utf-8")
