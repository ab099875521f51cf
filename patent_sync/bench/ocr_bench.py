"""Benchmark: OCR of scanned legacy documents, pages per minute and key-field accuracy.

``python -m patent_sync.bench ocr [--stress N] [--workers N]`` reads the real USPTO scans in
``../shared/samples/images`` (``PATENT_SYNC_SAMPLES_DIR`` overrides it) and copies of the front
page made worse in the ways old files are (tilted both ways, grainy, faded, 200 dpi, a
photocopy; plus N random mixes of those):

* **pages per minute**: front pages read in full (layout, recognition, two more readings of
  every key field), one process and one per core; and the 12-page PDF as a whole (its front
  page in full, every later page's header for the cross-checks). Goal: 20 front pages a
  minute on two cores.
* **field accuracy**: for each key field of each copy, whether it came out right and trusted,
  was held back as doubtful (the record would be quarantined), or came out wrong and trusted.
  The last must be zero.

Skips (exit status 0) when the samples are absent; the figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import datetime as dt
import multiprocessing
import os
import time
from collections.abc import Sequence
from pathlib import Path

from patent_sync.settings import PROJECT_ROOT

ENV_SAMPLES = "PATENT_SYNC_SAMPLES_DIR"
FRONT_PAGE = "US-6103599-A_page1.tif"
WHOLE_DOCUMENT = "US-6103599-A.pdf"
# The key fields of US 6,103,599 as printed on its front page (read by a person).
TRUTH: dict[str, object] = {
    "doc_number": "6103599",
    "kind": "A",
    "publication_date": dt.date(2000, 8, 15),
    "application_number": "09089931",
    "filing_date": dt.date(1998, 6, 3),
    "title": "PLANARIZING TECHNIQUE FOR MULTILAYERED SUBSTRATES",
}
RIGHT, DOUBTFUL, WRONG = "right", "doubtful", "WRONG"


@dataclasses.dataclass(frozen=True)
class CopyResult:
    name: str
    seconds: float
    pages_read: int
    fields: dict[str, str]  # key field -> RIGHT | DOUBTFUL | WRONG
    loaded: bool  # every key field trusted: the document would reach the docket


def samples_dir() -> Path:
    configured = os.environ.get(ENV_SAMPLES)
    return Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "samples"


def judge(data: bytes, name: str) -> CopyResult:
    """Read one scan and grade each key field against ``TRUTH``."""
    from patent_sync.ocr.document import doubtful_fields
    from patent_sync.ocr.reader import read_scan

    started = time.perf_counter()
    reading = read_scan(data)
    seconds = time.perf_counter() - started
    doubtful = set(doubtful_fields(reading.values))
    fields = {}
    for field, expected in TRUTH.items():
        value = reading.values.get(field)
        if field in doubtful:
            fields[field] = DOUBTFUL
        elif value is not None and value.value == expected:
            fields[field] = RIGHT
        else:
            fields[field] = WRONG
    return CopyResult(name, seconds, reading.pages_read, fields, not doubtful)


def _judge_job(job: tuple[bytes, str]) -> CopyResult:
    return judge(*job)


def degraded_set(front_page: bytes, stress: int) -> list[tuple[bytes, str]]:
    """The clean front page, the standard degraded copies and ``stress`` random ones."""
    from patent_sync.ocr import degrade, pages

    page = pages.load_page(front_page, pages.TIFF, 1)
    dpi = page.dpi or 300.0
    copies = degrade.degraded_copies(page.gray, dpi)
    copies += [degrade.random_copy(page.gray, dpi, seed=seed) for seed in range(stress)]
    return [(front_page, "original (CCITT G4 TIFF)")] + [
        (degrade.encode(copy), copy.name) for copy in copies
    ]


def run_all(jobs: Sequence[tuple[bytes, str]], workers: int) -> tuple[list[CopyResult], float]:
    started = time.perf_counter()
    if workers <= 1:
        results = [judge(*job) for job in jobs]
    else:
        # fork: the workers inherit the imported modules instead of importing them again.
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = list(pool.map(_judge_job, jobs))
    return results, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stress", type=int, default=12, help="random degraded copies to add")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    from patent_sync.ocr.errors import TesseractUnavailable
    from patent_sync.ocr.recognize import require_tesseract

    images = samples_dir() / "images"
    if not (images / FRONT_PAGE).is_file():
        print(f"ocr: skipped, the real scans are not at {images} (set {ENV_SAMPLES})")
        return 0
    try:
        version = require_tesseract()
    except TesseractUnavailable as exc:
        print(f"ocr: skipped, {exc}")
        return 0
    jobs = degraded_set((images / FRONT_PAGE).read_bytes(), args.stress)
    standard = jobs[:7]

    print(f"ocr: Tesseract {version}, {os.cpu_count()} cores")
    _, single_seconds = run_all(standard, 1)
    print(
        f"  front pages, 1 process:      {len(standard) * 60 / single_seconds:6.1f} pages/min "
        f"({single_seconds / len(standard):.2f} s a page)"
    )
    results, parallel_seconds = run_all(jobs, args.workers)
    print(
        f"  front pages, {args.workers} processes:    "
        f"{len(jobs) * 60 / parallel_seconds:6.1f} pages/min ({len(jobs)} pages in "
        f"{parallel_seconds:.1f} s; goal: 20)"
    )
    pdf = images / WHOLE_DOCUMENT
    if pdf.is_file():
        whole = judge(pdf.read_bytes(), WHOLE_DOCUMENT)
        print(
            f"  {WHOLE_DOCUMENT}:        {whole.pages_read * 60 / whole.seconds:6.1f} pages/min "
            f"({whole.pages_read} pages in {whole.seconds:.1f} s: the front page in full, the "
            f"others' headers); loaded: {whole.loaded}"
        )
    _print_copies(results)
    _print_accuracy(results[: len(standard)], "the real page and its 6 degraded copies")
    if len(results) > len(standard):
        _print_accuracy(results[len(standard) :], f"{len(results) - len(standard)} random mixes")
    wrong = sum(1 for r in results for v in r.fields.values() if v == WRONG)
    return 1 if wrong else 0


def _print_copies(results: Sequence[CopyResult]) -> None:
    print("  key fields not right and trusted, per copy (doubtful = quarantined):")
    for result in results:
        marks = " ".join(
            f"{field}={grade}" for field, grade in result.fields.items() if grade != RIGHT
        )
        state = "loaded" if result.loaded else "quarantined"
        print(f"    {result.name[:70]:<70} {state:<11} {result.seconds:5.1f} s  {marks}")


def _print_accuracy(results: Sequence[CopyResult], what: str) -> None:
    grades = [grade for r in results for grade in r.fields.values()]
    total = len(grades)
    right = grades.count(RIGHT)
    doubtful = grades.count(DOUBTFUL)
    wrong = grades.count(WRONG)
    loaded = sum(1 for r in results if r.loaded)
    print(
        f"  {what}: {right}/{total} key fields right and trusted ({right / total:.0%}), "
        f"{doubtful} doubtful, {wrong} wrong and trusted (must be 0); "
        f"{loaded}/{len(results)} records loaded, the rest quarantined"
    )


if __name__ == "__main__":
    raise SystemExit(main())
