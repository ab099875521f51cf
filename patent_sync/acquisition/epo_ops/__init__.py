"""EPO Open Patent Services (OPS 3.2): the client, its token, throttling and quota handling."""

from patent_sync.acquisition.epo_ops.client import (
    DEFAULT_BASE_URL,
    ENV_CONSUMER_KEY,
    ENV_CONSUMER_SECRET,
    OpsClient,
    OpsResponse,
)
from patent_sync.acquisition.epo_ops.quota import (
    FREE_WEEKLY_QUOTA_BYTES,
    OpsQuotaExhausted,
    QuotaUsage,
)
from patent_sync.acquisition.epo_ops.throttling import Colour, OpsService, ThrottleReading

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_CONSUMER_KEY",
    "ENV_CONSUMER_SECRET",
    "FREE_WEEKLY_QUOTA_BYTES",
    "Colour",
    "OpsClient",
    "OpsQuotaExhausted",
    "OpsResponse",
    "OpsService",
    "QuotaUsage",
    "ThrottleReading",
]
