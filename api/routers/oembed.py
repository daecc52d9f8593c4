"""``/oembed``: oEmbed 1.0 for corridor maps (maps.oembed), as https://oembed.com describes.

``url`` must be this server's ``/corridors/{slug}/map`` or ``/embed/corridors/{slug}``; other
URLs and unknown corridors are 404, ``format=xml`` is 501 (the spec's answer for a format not
served), other bad parameters 400.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field, WithJsonSchema

from api.deps import Conn, get_settings, query_parameters
from api.errors import DATA_ERRORS, not_found, problem_response
from api.settings import Settings
from geo.errors import InvalidInput, shown
from geo.repo.filters import parse_int_between
from maps import oembed as domain

router = APIRouter(tags=["maps"], dependencies=[Depends(query_parameters)])


class OEmbed(BaseModel):
    """An oEmbed 1.0 ``rich`` response."""

    version: str = Field(examples=["1.0"])
    type: str = Field(examples=["rich"])
    title: str
    author_name: str
    author_url: str
    provider_name: str
    provider_url: str
    cache_age: int
    html: str = Field(
        description="The iframe of /embed/corridors/{slug} and the script that sizes it to "
        "the height the embed posts (message {type: 'crossings:height', height, id})."
    )
    width: int
    height: int
    thumbnail_url: str | None = None
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None


def _size(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    return parse_int_between(
        value, 1, domain.MAX_PIXELS, parameter=name, hint=" (pixels, e.g. 600)"
    )


def oembed_params(
    request: Request,
    url: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "format": "uri"}),
        Query(
            description=(
                "The corridor map to embed: this server's `/corridors/{slug}/map` (with its "
                "`datetime`, `datetime_match`, `category`) or `/embed/corridors/{slug}` (also "
                "`theme`, `lang`). Required."
            ),
            examples=["http://127.0.0.1:8000/corridors/central-mediterranean/map"],
        ),
    ] = None,
    maxwidth: Annotated[
        str | None,
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": domain.MAX_PIXELS}),
        Query(description="The largest width the consumer can show, in pixels."),
    ] = None,
    maxheight: Annotated[
        str | None,
        WithJsonSchema({"type": "integer", "minimum": 1, "maximum": domain.MAX_PIXELS}),
        Query(description="The largest height the consumer can show, in pixels."),
    ] = None,
    format: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": ["json", "xml"], "default": "json"}),
        Query(description="`json` (default). `xml` is not served: 501, as the spec says."),
    ] = None,
) -> tuple[domain.Target, int | None, int | None]:
    if format is not None and format not in ("json", "xml"):
        raise InvalidInput(f"format must be json; got {shown(format)}", parameter="format")
    width, height = _size(maxwidth, "maxwidth"), _size(maxheight, "maxheight")
    if url is None or not url.strip():
        raise InvalidInput(
            "url is required: the corridor map to embed, e.g. "
            "url=http://host/corridors/central-mediterranean/map",
            parameter="url",
        )
    target = domain.parse_target(url, base=str(request.base_url))
    if format == "xml":
        # the spec's answer for a format the provider does not serve
        raise HTTPException(501, "oEmbed is served as JSON only; send format=json or omit it")
    return target, width, height


@router.get(
    "/oembed",
    name="get_oembed",
    summary="oEmbed for corridor maps",
    description=(
        "oEmbed 1.0 (https://oembed.com): a `rich` response whose `html` is a responsive "
        "iframe of `/embed/corridors/{slug}` (the URL's own `datetime`, `category`, `theme`, "
        "`lang` kept) and a script that sizes it to the height the embed reports. `width` and "
        "`height` never exceed `maxwidth`/`maxheight`; the thumbnail (the PNG map) is scaled "
        "to fit them too, and left out when it cannot be drawn that small. A URL that is not "
        "one of this server's corridor maps, or an unknown corridor, is a 404; `format=xml` is "
        "a 501."
    ),
    response_model=OEmbed,
    response_model_exclude_none=True,
    responses={
        **DATA_ERRORS,
        **not_found("corridor map at this URL"),
        501: problem_response("format=xml: only JSON is served."),
    },
)
def get_oembed(
    request: Request,
    params: Annotated[tuple[domain.Target, int | None, int | None], Depends(oembed_params)],
    conn: Conn,
    settings: Annotated[Settings, Depends(get_settings)],
) -> OEmbed:
    target, maxwidth, maxheight = params
    body = domain.oembed(
        conn,
        target=target,
        base=str(request.base_url),
        maxwidth=maxwidth,
        maxheight=maxheight,
        cache_age=settings.cache_max_age_s,
    )
    return OEmbed.model_validate(body)
