"""Every ``links`` array is built here, from the request the client actually made.

URLs come from ``request.url`` / ``request.url_for`` so they honour the host, scheme and
``root_path`` the client used (behind a proxy too), and a ``next`` link keeps every filter.
"""

from __future__ import annotations

from fastapi import Request

from api.models import Link

GEOJSON = "application/geo+json"
JSON = "application/json"


def self_link(request: Request, media_type: str = JSON, title: str | None = None) -> Link:
    return Link(href=str(request.url), rel="self", type=media_type, title=title)


def page_links(request: Request, *, next_token: str | None, media_type: str) -> list[Link]:
    """``self`` and, when more rows exist, ``next`` (the same query with the cursor moved).

    No ``prev``: keyset pages are walked forwards; a client keeps its own history.
    """
    links = [self_link(request, media_type)]
    if next_token is not None:
        href = request.url.include_query_params(cursor=next_token)
        links.append(Link(href=str(href), rel="next", type=media_type, title="Next page"))
    return links


# Query parameters that page a list rather than filter it: never carried into another list.
_PAGING = ("limit", "cursor")


def incidents_link(request: Request, title: str, **filters: str) -> Link:
    """``items``: the incidents behind a total, keeping every filter of the request (datetime,
    datetime_match, ...) so a period's total leads to that period's list; ``filters`` add the
    total's own (corridor, country)."""
    kept = {k: v for k, v in request.query_params.items() if k not in _PAGING}
    href = request.url_for("list_incidents").include_query_params(**{**kept, **filters})
    return Link(href=str(href), rel="items", type=GEOJSON, title=title)


def route_link(
    request: Request, name: str, rel: str, media_type: str, title: str, **path: str
) -> Link:
    return Link(href=str(request.url_for(name, **path)), rel=rel, type=media_type, title=title)


def url_template(request: Request, name: str, *placeholders: str, **path: str) -> str:
    """The URL of route ``name`` with ``path`` filled in and each of ``placeholders`` left as
    ``{name}`` for the client (a tile's ``{z}/{x}/{y}``), keeping the query (the filters) of
    ``request``."""
    params = {**path, **{key: f"{{{key}}}" for key in placeholders}}
    url = str(request.url_for(name, **params))
    return f"{url}?{request.url.query}" if request.url.query else url


def variant_link(request: Request, rel: str, media_type: str, title: str, **params: str) -> Link:
    """The same request with ``params`` replaced (e.g. ``format=cells``): filters kept."""
    href = request.url.include_query_params(**params)
    return Link(href=str(href), rel=rel, type=media_type, title=title)


def filtered_link(
    request: Request,
    name: str,
    rel: str,
    media_type: str,
    title: str,
    *,
    keep: tuple[str, ...],
    **extra: str,
) -> Link:
    """Route ``name`` with the query parameters of this request named in ``keep`` (its
    filters) plus ``extra``, so e.g. a heatmap links to the very incidents it counts."""
    params = {k: v for k, v in request.query_params.multi_items() if k in keep}
    href = request.url_for(name).include_query_params(**{**params, **extra})
    return Link(href=str(href), rel=rel, type=media_type, title=title)
