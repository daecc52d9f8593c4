"""A record's date is the interval its precision allows (issue #13, item 2).

The current MMP layout gives only a month: "January 2014" is stored on 2014-01-01 with
``date_precision = 'month'``. A filter that compared that 1st alone dropped the record from
``datetime=2014-01-02/2014-01-31``; the filter now matches by overlap (default) or ``within``.
"""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql

pytestmark = pytest.mark.anyio


def _count(conn: Connection, where: str) -> int:
    public = load_sql("geo", "public_event.sql")
    return int(
        conn.execute(
            sa.text(f"SELECT count(*) FROM incidents AS i WHERE {public} AND {where}")
        ).scalar_one()
    )


async def _matched(client: httpx.AsyncClient, **params: str) -> int:
    response = await client.get("/incidents", params={"limit": "1", **params})
    assert response.status_code == 200, response.text
    return int(response.json()["numberMatched"])


async def test_a_month_precision_record_stays_in_a_filter_inside_its_month(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """The real sample: January 2014 from the 2nd keeps every record known only as "January
    2014" (overlap), and ``within`` keeps only the day-precise ones."""
    month_only = _count(conn, "i.date_precision = 'month' AND i.event_date = DATE '2014-01-01'")
    day_precise = _count(
        conn, "i.date_precision = 'day' AND i.event_date BETWEEN '2014-01-02' AND '2014-01-31'"
    )
    assert month_only > 0 and day_precise > 0
    overlaps = await _matched(client, datetime="2014-01-02/2014-01-31")
    within = await _matched(client, datetime="2014-01-02/2014-01-31", datetime_match="within")
    whole_month = await _matched(client, datetime="2014-01-01/2014-01-31")
    assert overlaps == month_only + day_precise == whole_month
    assert within == day_precise
    # one day inside the month finds the month's records too
    single_day = await _matched(client, datetime="2014-01-15")
    day_15 = _count(conn, "i.date_precision = 'day' AND i.event_date = DATE '2014-01-15'")
    assert single_day == month_only + day_15


async def test_within_keeps_a_month_record_only_in_a_range_covering_the_month(
    client: httpx.AsyncClient,
) -> None:
    whole = await _matched(client, datetime="2014-01-01/2014-01-31", datetime_match="within")
    cut = await _matched(client, datetime="2014-01-01/2014-01-30", datetime_match="within")
    assert whole > cut  # the January-2014 records need the 31st inside the range


async def test_open_intervals_follow_the_same_rule(client: httpx.AsyncClient) -> None:
    """``../2014-01-01`` reaches the January-2014 records (their interval starts that day);
    ``2014-01-31/..`` too (it ends that day); ``within`` drops them from the second."""
    until = await _matched(client, datetime="../2014-01-01")
    until_day_before = await _matched(client, datetime="../2013-12-31")
    assert until > until_day_before
    since = await _matched(client, datetime="2014-01-31/..")
    since_within = await _matched(client, datetime="2014-01-31/..", datetime_match="within")
    since_next = await _matched(client, datetime="2014-02-01/..")
    assert since > since_within >= since_next


async def test_datetime_match_needs_datetime_and_a_known_rule(client: httpx.AsyncClient) -> None:
    alone = await client.get("/incidents", params={"datetime_match": "within"})
    assert alone.status_code == 400 and "send datetime too" in alone.json()["detail"]
    bad = await client.get(
        "/incidents", params={"datetime": "2014-01-01/..", "datetime_match": "during"}
    )
    assert bad.status_code == 400 and "overlaps, within" in bad.json()["detail"]


async def test_corridor_totals_use_the_same_date_rule(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """A corridor's total for a period equals its /incidents count for that period."""
    period = {"datetime": "2014-01-02/2014-12-31"}
    corridor = (await client.get("/corridors/us-mexico", params=period)).json()
    listed = await _matched(client, corridor="us-mexico", **period)
    assert corridor["totals"]["incidents"] == listed > 0
