"""At most one running load per feed and partition, enforced by the database.

Two runs of the same partition at once (two Dagster runs, a run and a replay) used to both
apply the delivery and file every quarantined record twice. The load lease
(``DocketStore.load_lease``) makes the second wait and then find the delivery applied; this
index is the backstop should anything bypass the lease. (Numbered 0006: 0005 is the audit
log's.)
"""

from __future__ import annotations

from patent_sync.store.migrations import dialect_statements

ID = "0006_one_running_load"

_STATEMENTS = """
CREATE UNIQUE INDEX loads_one_running_per_partition
    ON loads (feed, COALESCE(partition_key, delivery)) WHERE status = 'running'
"""

SQL: dict[str, list[str]] = dialect_statements(_STATEMENTS)
