"""The folder of scanned legacy documents (``PATENT_SYNC_SCANS_DIR``)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from patent_sync.pipeline.scans import ScanListing, list_scans


class ScanFolderResource(dg.ConfigurableResource):
    """Where the firm drops scans of documents that exist only on paper (pre-2001 patents,
    old prosecution records): TIFF, PNG, JPEG or PDF, in any subfolder. Each file becomes
    one partition of ``legacy_documents``.

    ``directory`` defaults to ``data/scans``; production points ``PATENT_SYNC_SCANS_DIR`` at
    the shared folder the scanners write to.
    """

    directory: str = "data/scans"

    @property
    def folder(self) -> Path:
        return Path(self.directory)

    def listing(self) -> ScanListing:
        """The scan files in the folder; an empty listing when the folder does not exist."""
        if not self.folder.is_dir():
            return ScanListing(self.folder, (), ())
        return list_scans(self.folder)
