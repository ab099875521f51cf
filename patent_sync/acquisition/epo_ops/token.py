"""The OPS access token: OAuth2 client credentials, one token shared by every request.

``POST {base}/auth/accesstoken`` with HTTP Basic (consumer key and secret) and the form body
``grant_type=client_credentials`` returns ``access_token`` and ``expires_in`` (a string, about
1199 seconds). There is no refresh token: a new one is requested shortly before expiry, or
when OPS answers 400 ``invalid_access_token`` (it does not say 401).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable

from patent_sync.acquisition.errors import InvalidResponse
from patent_sync.acquisition.http import HttpClient

TOKEN_PATH = "auth/accesstoken"

# OPS answers a bad key or secret with 401 (or 400 "invalid_client"); say what to check.
TOKEN_STATUS_HINTS = {
    400: "OPS refused the token request (check EPO_OPS_CONSUMER_KEY and EPO_OPS_CONSUMER_SECRET)",
    401: "the consumer key or secret was rejected (check EPO_OPS_CONSUMER_KEY and "
    "EPO_OPS_CONSUMER_SECRET)",
    403: "the OPS account is blocked or not approved for this API",
}


class AccessTokens:
    """Keeps one OPS access token; renews it ``renew_margin`` seconds before it expires.

    Single flight: the lock is held while a token is fetched, so concurrent requests that need
    one wait for the same fetch instead of each asking OPS.
    """

    def __init__(
        self,
        http: HttpClient,
        token_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        renew_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._url = token_url
        basic = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode("ascii")
        self._authorization = f"Basic {basic}"
        self._renew_margin = renew_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.issued = 0  # how many tokens were fetched (for tests and metadata)

    def current(self) -> str:
        """A token valid for at least ``renew_margin`` more seconds (fetched if needed)."""
        with self._lock:
            if self._token is not None and self._clock() < self._expires_at - self._renew_margin:
                return self._token
            token, lifetime = self._fetch()
            self._token = token
            self._expires_at = self._clock() + lifetime
            self.issued += 1
            return token

    def invalidate(self, token: str) -> None:
        """OPS said ``token`` is invalid: drop it, unless another request already replaced it."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> tuple[str, float]:
        response = self._http.request(
            "POST",
            self._url,
            headers={"Authorization": self._authorization, "Accept": "application/json"},
            form={"grant_type": "client_credentials"},
            what="EPO OPS access token",
            status_hints=TOKEN_STATUS_HINTS,
            max_bytes=64 << 10,
        )
        try:
            payload = json.loads(response.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidResponse(
                f"EPO OPS access token: the answer from {response.url} is not JSON"
            ) from None
        token = payload.get("access_token") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise InvalidResponse(
                f"EPO OPS access token: the answer from {response.url} has no access_token"
            )
        raw = payload.get("expires_in")
        try:
            lifetime = float(str(raw).strip())  # OPS sends a string: "1199"
        except ValueError:
            raise InvalidResponse(
                f"EPO OPS access token: expires_in {str(raw)[:20]!r} is not a number of seconds"
            ) from None
        if lifetime <= 0:
            raise InvalidResponse(f"EPO OPS access token: expires_in {lifetime:g} is not positive")
        return token.strip(), lifetime
