"""The feed registry: every feed's facts, and a contract every feed's sample delivery keeps.

The contract runs over every entry of ``FEEDS``, so a new feed is tested as soon as it is
registered: its sample delivery in ``data/`` splits into as many records as its independent
raw count, every record parses into a change, and the partition key Dagster gives the
delivery's week is the delivery's publication date.
"""

from __future__ import annotations

import calendar
import collections
import datetime as dt
from pathlib import Path

import pytest

from patent_sync.acquisition.errors import FeedNotPublished
from patent_sync.defs.feeds import weekly_partitions
from patent_sync.feeds import FEEDS, FeedSpec, feed_for_product, feed_named
from patent_sync.feeds.uspto import US_APPLICATIONS, US_GRANTS
from patent_sync.formats.base import Upsert
from patent_sync.formats.registry import detect, document_format_named
from patent_sync.parsing.weekly_file import iter_members
from patent_sync.pipeline.sources import LocalSource
from patent_sync.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
GRANT_DAY = dt.date(2024, 1, 2)  # a Tuesday: ipg240102.zip
APP_DAY = dt.date(2024, 1, 4)  # a Thursday: ipa240104.zip


def test_feed_facts() -> None:
    assert [f.name for f in FEEDS] == [
        "us_grants",
        "us_applications",
        "docdb_amend",
        "docdb_create_delete",
        "ep_publications",
        "wo_publications",
    ]
    assert (US_GRANTS.remote.product, US_GRANTS.weekday_name) == ("PTGRXML", "Tuesday")
    assert (US_APPLICATIONS.remote.product, US_APPLICATIONS.weekday_name) == (
        "APPXML",
        "Thursday",
    )
    assert feed_named("docdb_amend").weekday == calendar.TUESDAY
    assert feed_named("docdb_create_delete").weekday == calendar.THURSDAY
    assert feed_for_product("uspto-odp", "ptgrxml") is US_GRANTS
    with pytest.raises(KeyError, match="known feeds: us_grants"):
        feed_named("jp_grants")
    with pytest.raises(ValueError, match="unknown uspto-odp product 'PTBLXML'"):
        feed_for_product("uspto-odp", "PTBLXML")
    assert US_GRANTS.files.file_name_for(GRANT_DAY) == "ipg240102.zip"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ipg240102.zip", GRANT_DAY),
        ("IPG240102.ZIP", GRANT_DAY),
        ("ipg240102.xml", GRANT_DAY),
        ("ipg241302.zip", None),  # month 13
        ("ipg2401.zip", None),
        ("ipa240104.zip", None),  # the other feed
        ("ipg240102.tar", None),
    ],
)
def test_us_file_names(name: str, expected: dt.date | None) -> None:
    assert US_GRANTS.files.publication_date_of(name) == expected


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.name)
def test_partitions_and_schedule_follow_the_spec(feed: FeedSpec) -> None:
    partitions = weekly_partitions(feed)
    keys = partitions.get_partition_keys(current_time=dt.datetime(2026, 11, 30, 12))
    assert keys, feed.name
    for key in keys[-5:]:
        day = dt.date.fromisoformat(key)
        assert day.weekday() == feed.weekday
    # end_offset=1: the newest key is the delivery of this week, not last week's.
    newest = dt.date.fromisoformat(keys[-1])
    assert dt.date(2026, 11, 30) - newest < dt.timedelta(days=7)
    assert partitions.timezone == feed.timezone


@pytest.mark.parametrize("feed", FEEDS, ids=lambda f: f.name)
def test_every_feed_sample_delivery_keeps_the_contract(feed: FeedSpec, tmp_path: Path) -> None:
    source = LocalSource(DATA)
    dates = source.available_dates(feed)
    assert dates, f"{feed.name} has no sample delivery in {DATA}"
    fmt = document_format_named(feed.wire_format)
    keys = set(weekly_partitions(feed).get_partition_keys(current_time=dt.datetime(2027, 1, 1)))
    for day in dates:
        assert day.isoformat() in keys  # the partition key is the publication date
        files = source.fetch(feed, day, tmp_path)
        assert files
        raw = changes = 0
        published: collections.Counter[dt.date | None] = collections.Counter()
        for fetched in files:
            assert detect(fetched.path) is fmt
            assert feed.files.publication_date_of(fetched.path.name) == day
            with iter_members(fetched.path) as members:
                for member in members:
                    raw += fmt.count_raw_records(member.stream).records
            with iter_members(fetched.path) as members:
                for member in members:
                    for change in fmt.iter_changes(member.stream, source_file=fetched.path.name):
                        changes += 1
                        if isinstance(change, Upsert):
                            published[change.document.publication_date] += 1
        assert raw == changes > 0, (feed.name, day)
        if feed.validation.publication_date_is_delivery_date:
            # The samples carry a labelled misfiled document; the delivery's own date rules.
            assert published.most_common(1)[0][0] == day


def test_local_source_finds_zip_or_xml_in_subdirectories(tmp_path: Path) -> None:
    (tmp_path / "uspto").mkdir()
    (tmp_path / "uspto" / "ipg240102.zip").write_bytes(b"PK")
    (tmp_path / "uspto" / "ipg240102.xml").write_text("<x/>")
    (tmp_path / "IPA240104.XML").write_text("<x/>")
    source = LocalSource(tmp_path)
    assert [f.path for f in source.fetch(US_GRANTS, GRANT_DAY, tmp_path)] == [
        tmp_path / "uspto" / "ipg240102.zip"
    ]
    assert [f.path for f in source.fetch(US_APPLICATIONS, APP_DAY, tmp_path)] == [
        tmp_path / "IPA240104.XML"
    ]
    assert source.available_dates(US_GRANTS) == [GRANT_DAY]


def test_local_source_missing_delivery_says_what_it_looked_for(tmp_path: Path) -> None:
    with pytest.raises(FeedNotPublished, match=r"ipg240116\.zip \(or \.xml\)") as caught:
        LocalSource(tmp_path).fetch(US_GRANTS, dt.date(2024, 1, 16), tmp_path)
    assert caught.value.looked_at == (str(tmp_path),)
    with pytest.raises(FeedNotPublished, match="Wednesday; us_grants is published on Tuesdays"):
        LocalSource(tmp_path).fetch(US_GRANTS, dt.date(2024, 1, 17), tmp_path)
    with pytest.raises(FeedNotPublished, match="does not exist"):
        LocalSource(tmp_path / "nope").fetch(US_GRANTS, GRANT_DAY, tmp_path)
    assert LocalSource(tmp_path / "absent").available_dates(US_GRANTS) == []
