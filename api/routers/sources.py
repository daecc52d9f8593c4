"""``/sources``: the datasets behind the incidents, with their credits and totals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from api.deps import Conn, IncidentFilterDep, query_parameters
from api.errors import DATA_ERRORS
from api.links import incidents_link, self_link
from api.models import Source, SourceList, SourceTotals
from geo.repo import sources as repo

router = APIRouter(tags=["sources"], dependencies=[Depends(query_parameters)])

_TOTALS = ("incidents", "dead", "missing", "dead_and_missing", "first_event_date",
           "last_event_date")  # fmt: skip


def _source(request: Request, row: Any) -> Source:
    return Source(
        id=row["id"],
        name=row["name"],
        url=row["url"],
        credit=row["credit"],
        totals=SourceTotals(**{k: row[k] for k in _TOTALS}),
        links=[incidents_link(request, "Incidents this dataset reports", source=row["id"])],
    )


@router.get(
    "/sources",
    name="list_sources",
    summary="Datasets, their credits and incident totals",
    description=(
        "One entry per dataset id (`source`) with a public record among the matching events: "
        "its name, home page, the `credit` a map showing its records must display, and totals "
        "over public events (each event once per dataset, with its preferred record's "
        "figures). An event that several datasets report counts under each, so a dataset's "
        "`incidents` is what `/incidents?source=<id>` counts. Takes the filters of "
        "`/incidents`: a map asks with its own filters to learn which credits it needs. Each "
        "entry's `items` link lists its incidents with the same filters."
    ),
    response_model=SourceList,
    responses=DATA_ERRORS,
)
def list_sources(request: Request, flt: IncidentFilterDep, conn: Conn) -> SourceList:
    items = [_source(request, row) for row in repo.list_sources(conn, flt=flt)]
    return SourceList(
        sources=items,
        numberMatched=len(items),
        numberReturned=len(items),
        timeStamp=datetime.now(UTC),
        links=[self_link(request)],
    )
