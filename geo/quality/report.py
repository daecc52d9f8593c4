"""The report of one pass of the placement checks: figures for people and for import reports."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class QualityReport:
    """What one pass found and did.

    ``agreement_before``/``agreement_after``: counts from geo/sql/quality_agreement.sql (and
    shares) before and after the fixes; ``fixed``: one entry per flipped record; ``withheld``:
    one entry per record placed at its named country or sea area on weak evidence of a swap
    (its source point kept for review, not in the entry); ``flagged``:
    one entry per record with open flags; ``warnings``: import-report shaped
    (``{"row", "field", "message", "kind"}``), one per fix and per flagged record, naming
    countries, not coordinates; ``texts``: distinct text keys in scope and how many had to be
    read with the gazetteer; ``timings``: seconds per stage.
    """

    import_run_id: str | None
    fix: bool
    write: bool
    agreement_before: dict[str, Any]
    agreement_after: dict[str, Any]
    fixed: list[dict[str, Any]] = field(default_factory=list)
    withheld: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    changed: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def flagged_by_check(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for row in self.flagged:
            counts.update({f["check"] for f in row["flags"]})
        return dict(sorted(counts.items()))

    def counts(self) -> dict[str, Any]:
        """The figures an import report carries: fixes, flagged records, by check, texts read."""
        keep = ("located", "named", "named_exact", "named_agree", "region_only", "region_agree")
        return {
            "fixed": len(self.fixed),
            "withheld": len(self.withheld),
            "flagged": len(self.flagged),
            "flagged_by_check": self.flagged_by_check,
            "changed": self.changed,
            "agreement_before": {k: self.agreement_before[k] for k in keep},
            "agreement_after": {k: self.agreement_after[k] for k in keep},
            **self.texts,
        }

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["flagged_by_check"] = self.flagged_by_check
        out["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return out

    def summary(self, examples: int = 10) -> str:
        """Lines for people: agreement before/after, fixes, flags by check, a few examples."""
        lines = []
        for label, stats in (("before", self.agreement_before), ("after", self.agreement_after)):
            lines.append(
                f"agreement {label:6}  named country: {stats['named_agree']}/{stats['named']}"
                f" ({_pct(stats['named_share'])}, exact {_pct(stats['named_exact_share'])});"
                f" region only: {stats['region_agree']}/{stats['region_only']}"
                f" ({_pct(stats['region_share'])})"
            )
        lines.append(f"swapped coordinates fixed: {len(self.fixed)}")
        for row in self.fixed[:examples]:
            lines.append(
                f"  {row['source_id']}: {row['location_text']!r}"
                f" {row['country_before']} -> {row['country_after']}"
            )
        lines.append(
            f"swapped coordinates withheld (placed at a country or sea area): {len(self.withheld)}"
        )
        for row in self.withheld[:examples]:
            lines.append(
                f"  {row['source_id']}: {row['location_text']!r}"
                f" {row['country_before']} -> {row['level']} {row['area']}"
            )
        lines.append(f"records flagged: {len(self.flagged)}")
        for check, n in self.flagged_by_check.items():
            lines.append(f"  {check}: {n}")
        if self.texts:
            lines.append(
                f"texts: {self.texts['texts']} distinct,"
                f" {self.texts['read_with_gazetteer']} read with the gazetteer"
            )
        if not self.write:
            lines.append("dry run: nothing was written")
        return "\n".join(lines)


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f} %"
