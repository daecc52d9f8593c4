"""What an import did, in a form a person can act on (row numbers, reasons, fixes made)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MAX_LISTED = 10


@dataclass
class ImportReport:
    """One import run. ``rows_read`` = inserted + updated + unchanged + rejected.

    A failed run wrote nothing: inserted, updated and unchanged are 0, while ``rows_read`` and
    ``rejected`` count the rows read before the failure, as ``rejections`` lists them."""

    importer: str
    source: str
    file: str
    checksum: str
    run_id: uuid.UUID | None = None
    layout: str | None = None
    status: str = "running"
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    skipped_reason: str | None = None
    error: str | None = None
    enriched: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # Placement checks of the rows this import changed (geo.quality.check_import): fixed,
    # flagged, flagged_by_check, texts read; each fix and flag is also a warning.
    placements: dict[str, Any] | None = None
    # Precision pass on the same rows (geo.precision.widen_precision): records widened to the
    # area their location text names, by basis and by precision move.
    precision: dict[str, Any] | None = None

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def warning_counts(self) -> dict[str, int]:
        """Warnings grouped by kind (field + what was done), most frequent first."""
        counts = Counter(f"{w['field']}: {w.get('kind') or w['message']}" for w in self.warnings)
        return dict(counts.most_common())

    def rejection_counts(self) -> dict[str, int]:
        counts = Counter(r.get("kind") or r["reason"] for r in self.rejections)
        return dict(counts.most_common())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["run_id"] = str(self.run_id) if self.run_id else None
        data["seconds"] = round(self.seconds, 3)
        data["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        data["warning_counts"] = self.warning_counts()
        data["rejection_counts"] = self.rejection_counts()
        return data

    def summary(self) -> str:
        name = Path(self.file).name
        head = (
            f"{self.importer} import of {name} ({self.layout or 'layout unknown'}): {self.status}"
        )
        lines = [head]
        if self.run_id:
            lines.append(f"  run {self.run_id}, source {self.source}, {self.seconds:.2f} s")
        if self.skipped_reason:
            lines.append(f"  skipped: {self.skipped_reason}")
        if self.error:
            lines.append(f"  error: {self.error}")
        if self.status == "failed":
            lines.append(
                f"  rows read {self.rows_read}, rejected {self.rejected}; nothing written "
                "(inserted 0, updated 0, unchanged 0)"
            )
        else:
            lines.append(
                f"  rows read {self.rows_read}: inserted {self.inserted}, updated {self.updated}, "
                f"unchanged {self.unchanged}, rejected {self.rejected}"
            )
        if self.enriched is not None:
            lines.append(f"  enriched {self.enriched}")
        if self.precision and self.precision.get("moves"):
            moves = ", ".join(f"{k} {v}" for k, v in sorted(self.precision["moves"].items()))
            lines.append(f"  precision widened from the location text: {moves}")
        if self.rejections:
            lines.append(f"  rejections ({len(self.rejections)}):")
            for rej in self.rejections[:MAX_LISTED]:
                lines.append(f"    row {rej['row']}: {rej['reason']}")
            if len(self.rejections) > MAX_LISTED:
                lines.append(f"    … {len(self.rejections) - MAX_LISTED} more (use --json)")
        if self.warnings:
            lines.append(f"  warnings ({len(self.warnings)}):")
            for kind, count in self.warning_counts().items():
                lines.append(f"    {count:>6}  {kind}")
        return "\n".join(lines)
