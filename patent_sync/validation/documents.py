"""Validation of canonical documents: pandera over columnar batches, failures to quarantine.

A batch of ``Document`` records is flattened into a DataFrame (one row per document, scalar
columns plus a few derived ones) and validated with ``lazy=True`` so every failing check of every
row is known at once. Rows that fail become ``QuarantineRecord``s with a category and the names
of the checks they failed; the rest continue. Nothing is dropped: for every batch,
``len(valid) + len(quarantined) == len(batch)``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd
import pandera.pandas as pa
import pyarrow

from patent_sync.feeds.spec import ValidationProfile
from patent_sync.model import Document, QuarantineCategory, QuarantineRecord
from patent_sync.model.columns import party_countries, priority_countries
from patent_sync.model.st3 import ST3_CODES
from patent_sync.validation.kind_codes import is_known_kind

DOC_KEY_PATTERN = r"[A-Z]{2}-[A-Z]{0,2}[0-9]+-[A-Z][0-9]?"
DOC_NUMBER_PATTERN = r"[A-Z]{0,2}[0-9]+"
KIND_PATTERN = r"[A-Z][0-9]?"
US_APPLICATION_NUMBER_PATTERN = r"[0-9]{8}|PCT[A-Z]{2}[0-9]{4,}|[0-9]{2}/?[0-9]{6}"
IPC_PATTERN = r"[A-H][0-9]{2}[A-Z] {0,4}[0-9]{1,4}/[0-9]{1,6}"

# Quarantine category per failed check; anything not listed is a schema violation.
CHECK_CATEGORIES: dict[str, QuarantineCategory] = {
    "country_st3": QuarantineCategory.UNKNOWN_CODE,
    "kind_known": QuarantineCategory.UNKNOWN_CODE,
    "party_country_st3": QuarantineCategory.UNKNOWN_CODE,
    "priority_country_st3": QuarantineCategory.UNKNOWN_CODE,
    "publication_date_matches_delivery": QuarantineCategory.REFERENCE_INTEGRITY,
    "doc_key_matches_fields": QuarantineCategory.REFERENCE_INTEGRITY,
    "duplicate_doc_key_in_delivery": QuarantineCategory.CONFLICT,
}

# When a record fails checks of several categories, the most fundamental one names it.
_CATEGORY_PRECEDENCE = (
    QuarantineCategory.PARSE_ERROR,
    QuarantineCategory.SCHEMA_VIOLATION,
    QuarantineCategory.UNKNOWN_CODE,
    QuarantineCategory.REFERENCE_INTEGRITY,
    QuarantineCategory.CONFLICT,
)


def _not_blank(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.len() > 0


def _matches(pattern: str, name: str) -> pa.Check:
    return pa.Check(lambda s: s.astype("string").str.fullmatch(pattern), name=name)


def _all_st3(s: pd.Series) -> pd.Series:
    # The column holds "|"-joined codes; an empty string means "no codes given".
    return s.map(lambda joined: all(c in ST3_CODES for c in joined.split("|") if c))


def _kind_known(df: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [is_known_kind(c, k) for c, k in zip(df["country"], df["kind"], strict=True)],
        index=df.index,
    )


def _doc_key_matches(df: pd.DataFrame) -> pd.Series:
    expected = df["country"] + "-" + df["doc_number"] + "-" + df["kind"]
    return (df["doc_key"] == expected) | expected.isna()


def _application_number_format(df: pd.DataFrame) -> pd.Series:
    numbers = df["application_number"].astype("string")
    us = numbers.str.fullmatch(US_APPLICATION_NUMBER_PATTERN)
    other = numbers.str.fullmatch(r"[A-Z0-9][A-Z0-9/.\- ]*")
    return (us.where(df["country"] == "US", other)).fillna(True).astype(bool)


def _filing_not_after_publication(df: pd.DataFrame) -> pd.Series:
    ok = df["filing_date"] <= df["publication_date"]
    return ok | df["filing_date"].isna() | df["publication_date"].isna()


def _publication_matches_delivery(df: pd.DataFrame) -> pd.Series:
    # A weekly file carries the documents published that day; any other date means the
    # document landed in the wrong delivery (or the delivery is mislabelled).
    ok = df["publication_date"] == df["delivery_date"]
    return ok | df["publication_date"].isna() | df["delivery_date"].isna()


_IPC = re.compile(IPC_PATTERN)


def _ipc_well_formed(s: pd.Series) -> pd.Series:
    # Element-wise over "|"-joined symbols; a compiled regex keeps it cheap per row.
    return s.map(lambda joined: all(_IPC.fullmatch(c) for c in joined.split("|") if c))


def document_schema(profile: ValidationProfile) -> pa.DataFrameSchema:
    """The pandera schema a feed's documents must pass (see ``ValidationProfile``).

    The key, the number, the kind and the country are always required: without them a
    document cannot be stored. What else is required is the feed's profile.
    """
    required = profile.required
    optional_datetime = {
        name: pa.Column("datetime64[s]", nullable=name not in required)
        for name in ("publication_date", "filing_date")
    }
    title_checks = [pa.Check(_not_blank, name="title_present")] if "title" in required else []
    columns: dict[str, pa.Column] = {
        "doc_key": pa.Column(nullable=False, checks=_matches(DOC_KEY_PATTERN, "doc_key_format")),
        "country": pa.Column(
            nullable=False, checks=pa.Check(lambda s: s.isin(ST3_CODES), name="country_st3")
        ),
        "doc_number": pa.Column(
            nullable=False, checks=_matches(DOC_NUMBER_PATTERN, "doc_number_format")
        ),
        "kind": pa.Column(nullable=False, checks=_matches(KIND_PATTERN, "kind_format")),
        **optional_datetime,
        "application_number": pa.Column(nullable="application_number" not in required),
        "title": pa.Column(nullable="title" not in required, checks=title_checks),
        "party_countries": pa.Column(checks=pa.Check(_all_st3, name="party_country_st3")),
        "priority_countries": pa.Column(checks=pa.Check(_all_st3, name="priority_country_st3")),
        "ipc": pa.Column(checks=pa.Check(_ipc_well_formed, name="ipc_format")),
    }
    if profile.at_least_one_inventor:
        columns["inventor_count"] = pa.Column(
            checks=pa.Check(lambda s: s > 0, name="at_least_one_inventor")
        )
    checks = [
        pa.Check(_kind_known, name="kind_known"),
        pa.Check(_doc_key_matches, name="doc_key_matches_fields"),
        pa.Check(_application_number_format, name="application_number_format"),
        pa.Check(_filing_not_after_publication, name="filing_not_after_publication"),
    ]
    if profile.publication_date_is_delivery_date:
        checks.append(
            pa.Check(_publication_matches_delivery, name="publication_date_matches_delivery")
        )
    return pa.DataFrameSchema(name="canonical_document", columns=columns, checks=checks)


@dataclasses.dataclass
class BatchResult:
    valid: list[Document]
    valid_positions: list[int]
    quarantined: list[QuarantineRecord]


def to_frame(docs: Sequence[Document], delivery_date: dt.date | None = None) -> pd.DataFrame:
    """Flatten documents into the columns ``DOCUMENT_SCHEMA`` validates."""
    rows = [
        {
            "doc_key": d.doc_key,
            "country": d.country,
            "doc_number": d.doc_number,
            "kind": d.kind,
            "publication_date": d.publication_date,
            "application_number": d.application_number,
            "filing_date": d.filing_date,
            "title": d.title,
            "party_countries": party_countries(d),
            "priority_countries": priority_countries(d),
            "ipc": "|".join(d.ipc),
            "inventor_count": len(d.inventors),
            "delivery_date": delivery_date,
        }
        for d in docs
    ]
    frame = pd.DataFrame.from_records(rows, columns=_FRAME_COLUMNS)
    return _with_datetimes(frame)


def frame_from_arrow(batch: pyarrow.RecordBatch, delivery_date: dt.date | None) -> pd.DataFrame:
    """The validation frame straight from a lake batch (``pipeline.lake.DOCUMENT_SCHEMA``)."""
    frame = batch.select([c for c in _FRAME_COLUMNS if c not in ("ipc", "delivery_date")])
    frame = frame.to_pandas()
    frame["ipc"] = ["|".join(codes or ()) for codes in batch.column("ipc").to_pylist()]
    frame["delivery_date"] = delivery_date
    return _with_datetimes(frame[_FRAME_COLUMNS])


def _with_datetimes(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("publication_date", "filing_date", "delivery_date"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


_FRAME_COLUMNS = [
    "doc_key",
    "country",
    "doc_number",
    "kind",
    "publication_date",
    "application_number",
    "filing_date",
    "title",
    "party_countries",
    "priority_countries",
    "ipc",
    "inventor_count",
    "delivery_date",
]


def failed_checks_by_row(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> dict[int, set[str]]:
    """Run the schema lazily; map each failing row position to the names of its checks."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures: dict[int, set[str]] = {}
        for row in exc.failure_cases.itertuples(index=False):
            check = _check_name(str(row.check), row.column)
            if pd.isna(row.index):
                # A failure pandera cannot pin to a row (a wrong dtype for the whole column)
                # fails every row: nothing may pass unvalidated.
                for position in range(len(frame)):
                    failures.setdefault(position, set()).add(check)
            else:
                failures.setdefault(int(row.index), set()).add(check)
        return failures
    return {}


def _check_name(check: str, column: object) -> str:
    if check in ("not_nullable", "field_uniqueness") or check.startswith("dtype("):
        base = "present" if check == "not_nullable" else check
        return f"{column}_{base}" if isinstance(column, str) else base
    return check


def category_for(checks: Iterable[str]) -> QuarantineCategory:
    categories = {CHECK_CATEGORIES.get(c, QuarantineCategory.SCHEMA_VIOLATION) for c in checks}
    return next(c for c in _CATEGORY_PRECEDENCE if c in categories)


# What each check looks at, for the detail a reviewer reads: (field, what is wrong with it).
_FIELD_PROBLEMS: dict[str, tuple[str, str]] = {
    "country_st3": ("country", "is not an ST.3 country code"),
    "kind_known": ("kind", "is not a kind code {country} uses"),
    "kind_format": ("kind", "is not a kind code (a letter and an optional digit)"),
    "doc_key_format": ("doc_key", "is not CC-NUMBER-KIND"),
    "doc_number_format": ("doc_number", "is not a document number"),
    "application_number_format": ("application_number", "is not a {country} application number"),
    "title_present": ("title", "is blank"),
    "at_least_one_inventor": ("inventors", "is empty: at least one inventor is required"),
}
_PARTY_LISTS = ("applicants", "inventors", "assignees")


def failure_detail(check: str, row: pd.Series, payload: dict[str, Any] | None) -> str:
    """``check`` with the field and the value that failed it, e.g. ``party_country_st3
    (applicants[0].country 'USA' is not an ST.3 code)``: the reviewer should not have to
    search the payload for it."""
    problem = _problem(check, row, payload)
    return f"{check} ({problem})" if problem else check


def _problem(check: str, row: pd.Series, payload: dict[str, Any] | None) -> str:
    record = payload or {}
    if check in ("party_country_st3", "priority_country_st3"):
        lists = _PARTY_LISTS if check == "party_country_st3" else ("priority_claims",)
        bad = [
            f"{name}[{index}].country {item.get('country')!r}"
            for name in lists
            for index, item in enumerate(record.get(name) or ())
            if isinstance(item, dict) and item.get("country") and item["country"] not in ST3_CODES
        ]
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        column = "party_countries" if check == "party_country_st3" else "priority_countries"
        return f"{shown or _value(row, column)} is not an ST.3 country code"
    if check == "ipc_format":
        bad = [
            code
            for code in str(row.get("ipc") or "").split("|")
            if code and not _IPC.fullmatch(code)
        ]
        return f"ipc {', '.join(repr(c) for c in bad)} is not an IPC symbol"
    if check == "doc_key_matches_fields":
        expected = f"{row.get('country')}-{row.get('doc_number')}-{row.get('kind')}"
        return f"doc_key {_value(row, 'doc_key')} but the fields give {expected!r}"
    if check == "filing_not_after_publication":
        return (
            f"filing_date {_value(row, 'filing_date')} is after publication_date "
            f"{_value(row, 'publication_date')}"
        )
    if check == "publication_date_matches_delivery":
        return (
            f"publication_date {_value(row, 'publication_date')} is not the delivery's "
            f"date {_value(row, 'delivery_date')}"
        )
    if check in _FIELD_PROBLEMS and not (check.endswith("_present") and _missing(row, check)):
        field, problem = _FIELD_PROBLEMS[check]
        value = "" if field == "inventors" else f" {_value(row, field)}"
        return f"{field}{value} {problem.format(country=row.get('country'))}"
    for suffix, problem in (("_present", "is missing"), ("_field_uniqueness", "is repeated")):
        if check.endswith(suffix) and check[: -len(suffix)] in row.index:
            return f"{check[: -len(suffix)]} {problem}"
    column = check.split("_dtype(", 1)[0]
    if column != check and column in row.index:
        return f"{column} {_value(row, column)} has the wrong type"
    return ""


def _missing(row: pd.Series, check: str) -> bool:
    value = row.get(check.removesuffix("_present"))
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _value(row: pd.Series, column: str) -> str:
    """A cell as a reviewer reads it: dates as ISO dates, text quoted, "(missing)" if absent."""
    value = row.get(column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(missing)"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return repr(str(value))


class DeliveryValidator:
    """Validates the documents of one delivery, batch by batch.

    It remembers the document keys already seen in the delivery, so a document that appears
    twice (which a weekly file must never contain) is quarantined as a conflict instead of
    silently overwriting its twin.
    """

    def __init__(self, profile: ValidationProfile, *, delivery_date: dt.date | None) -> None:
        self.delivery_date = delivery_date
        self.schema = document_schema(profile)
        self._seen: dict[str, int] = {}

    def validate(self, docs: Sequence[Document], positions: Sequence[int]) -> BatchResult:
        """Split ``docs`` (at ``positions`` in the delivery) into valid and quarantined."""
        frame = to_frame(docs, self.delivery_date)
        valid, quarantined = self._split(
            frame,
            positions,
            keys=[d.doc_key for d in docs],
            describe=lambda i: (docs[i].source, docs[i].source_file, docs[i].payload_sha256),
            payload=lambda i: docs[i].to_json_dict(),
        )
        return BatchResult(
            valid=[docs[i] for i in valid],
            valid_positions=[positions[i] for i in valid],
            quarantined=quarantined,
        )

    def validate_arrow(
        self, batch: pyarrow.RecordBatch
    ) -> tuple[list[int], list[QuarantineRecord]]:
        """Validate a lake batch; returns the row indexes that passed and the quarantined."""
        frame = frame_from_arrow(batch, self.delivery_date)
        positions = batch.column("position").to_pylist()
        sources = batch.column("source").to_pylist()
        files = batch.column("source_file").to_pylist()
        hashes = batch.column("payload_sha256").to_pylist()
        records = batch.column("record")
        return self._split(
            frame,
            positions,
            keys=batch.column("doc_key").to_pylist(),
            describe=lambda i: (sources[i], files[i], hashes[i]),
            payload=lambda i: json.loads(records[i].as_py()),
        )

    def _split(
        self,
        frame: pd.DataFrame,
        positions: Sequence[int],
        *,
        keys: Sequence[str],
        describe: Callable[[int], tuple[str, str | None, str]],
        payload: Callable[[int], dict[str, Any]],
    ) -> tuple[list[int], list[QuarantineRecord]]:
        failures = failed_checks_by_row(frame, self.schema)
        valid: list[int] = []
        quarantined: list[QuarantineRecord] = []
        for i, (doc_key, position) in enumerate(zip(keys, positions, strict=True)):
            checks = set(failures.get(i, ()))
            first_position = self._seen.get(doc_key)
            if first_position is not None:
                checks.add("duplicate_doc_key_in_delivery")
            if not checks:
                self._seen[doc_key] = position
                valid.append(i)
                continue
            ordered = tuple(sorted(checks))
            record = payload(i)
            row = frame.iloc[i]
            detail = "failed checks: " + "; ".join(
                failure_detail(check, row, record) for check in ordered
            )
            if first_position is not None:
                detail += f"; {doc_key} already appeared at position {first_position}"
            source, source_file, payload_sha256 = describe(i)
            quarantined.append(
                QuarantineRecord(
                    category=category_for(checks),
                    failed_checks=ordered,
                    source=source,
                    source_file=source_file,
                    position=position,
                    payload_sha256=payload_sha256,
                    doc_key=doc_key,
                    detail=detail,
                    payload=record,
                )
            )
        return valid, quarantined
