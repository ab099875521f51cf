"""patent_sync: keeps a patent docket in sync with the USPTO, the EPO and WIPO."""

__version__ = "0.1.0"
