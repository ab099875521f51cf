"""OCR of scanned legacy patent documents into the same canonical records as the offices' XML.

``reader.read_scan`` finds a scan's front page and reads its INID-coded fields with honest
confidences; ``document.scan_change`` turns the reading into a canonical document or, when a
key field is doubtful, a ``low_ocr_confidence`` quarantine record; ``crops`` saves the doubtful
regions for the reviewer. The scan wire format (``patent_sync.formats.scan``) and the legacy
documents pipeline (``patent_sync.pipeline.scans``) are built on them.

This package is imported lazily by the format registry: OpenCV and pytesseract cost a second
of start-up that no other format should pay.
"""

SOURCE = "ocr.scan"  # the wire format's name, and the ``source`` of every document read here
