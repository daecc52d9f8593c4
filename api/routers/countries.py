"""``/countries``: every country code a filter accepts, with incident totals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request

from api.deps import Conn, IncidentFilterDep, query_parameters
from api.errors import DATA_ERRORS
from api.links import incidents_link, self_link
from api.models import Country, CountryList, CountryTotals
from geo.repo import countries as repo

router = APIRouter(tags=["countries"], dependencies=[Depends(query_parameters)])


def _country(request: Request, row: Any) -> Country:
    return Country(
        code=row["code"],
        iso_a3=row["iso_a3"],
        name=row["name"],
        continent=row["continent"],
        region_un=row["region_un"],
        subregion=row["subregion"],
        totals=CountryTotals(
            incidents=row["incidents"],
            dead=row["dead"],
            missing=row["missing"],
            dead_and_missing=row["dead_and_missing"],
        ),
        links=[incidents_link(request, "Incidents in this country", country=row["code"])],
    )


@router.get(
    "/countries",
    name="list_countries",
    summary="Countries, their codes and incident totals",
    description=(
        "Every country of the Natural Earth layer the platform uses, with its Natural Earth "
        "code (`code`, what incidents carry), its ISO 3166-1 alpha-3 code (`iso_a3`), name, "
        "UN region and subregion, and totals over public incidents (events counted once): "
        "number, dead, missing, dead and missing. `at_sea` (incidents on water) is listed "
        "last. Incidents without a known place are in no row. Takes the filters of "
        "`/incidents`; `country` keeps only that country (either code). Each country's "
        "`items` link lists its incidents with the same filters."
    ),
    response_model=CountryList,
    responses=DATA_ERRORS,
)
def list_countries(request: Request, flt: IncidentFilterDep, conn: Conn) -> CountryList:
    items = [_country(request, row) for row in repo.list_countries(conn, flt=flt)]
    return CountryList(
        countries=items,
        numberMatched=len(items),
        numberReturned=len(items),
        timeStamp=datetime.now(UTC),
        links=[self_link(request)],
    )
