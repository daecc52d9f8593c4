"""Importers: MMP exports, mapped CSV spreadsheets, GeoJSON points → ``incidents``.

``run_import`` is the one entry point (the CLI and the tests call it); each format module only
turns a file into validated staging rows.
"""

from geo.importers.runner import IMPORTERS, ImportAborted, run_import
from geo.report import ImportReport

__all__ = ["IMPORTERS", "ImportAborted", "ImportReport", "run_import"]
