"""What an office's front-page reader supplies to the office-neutral OCR path."""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from patent_sync.ocr.inid import InidField, Line
from patent_sync.ocr.reading import FieldValue, PageFacts
from patent_sync.ocr.recognize import Word


class FrontPageOffice(abc.ABC):
    """Reads the fields of one office's front pages, and checks them against each other."""

    country: ClassVar[str]  # ST.3 code of the office
    description: ClassVar[str]
    # INID code -> the label the office prints after it, matched at the start of the field's
    # text; it names a field whose code the scan lost.
    labels: ClassVar[Mapping[str, re.Pattern[str]]]

    @abc.abstractmethod
    def recognizes(self, text: str) -> bool:
        """True when ``text`` (all words read on a page) is this office's front page."""

    @abc.abstractmethod
    def read(
        self, fields: Sequence[InidField], preamble: Sequence[Line], page: int
    ) -> dict[str, FieldValue]:
        """Every field this office's front page gives, by canonical name (``doc_number``,
        ``kind``, ``publication_date``, ``application_number``, ``filing_date``, ``title``,
        ``inventors``, ``assignees``, ``ipc``, ...), each with its confidence after the
        checks of its own structure."""

    @abc.abstractmethod
    def parse_key(self, name: str, text: str) -> object | None:
        """The canonical value of key field ``name`` in ``text`` (a second reading of the
        field's words alone), or None when the text does not hold one."""

    @abc.abstractmethod
    def page_facts(self, words: Sequence[Word], page: int) -> PageFacts:
        """The numbers and dates a later page's header repeats."""

    @abc.abstractmethod
    def cross_check(
        self, values: dict[str, FieldValue], facts: Sequence[PageFacts]
    ) -> dict[str, FieldValue]:
        """``values`` with confidences raised where another printed source agrees and lowered
        where the fields contradict each other or the other pages."""
