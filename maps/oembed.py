"""oEmbed 1.0 (https://oembed.com) for corridor maps, and the iframe snippet newsrooms paste.

A consumer (a CMS, a social site) sends the URL of a corridor page or of its embed; it gets a
``rich`` answer whose ``html`` is a responsive iframe of ``/embed/corridors/{slug}`` keeping the
URL's own options, plus a tiny listener that sizes the iframe to the height the embed posts
(``{"type": "crossings:height", "height": <px>, "id": <slug>}``, as Datawrapper and Flourish
embeds do). The same snippet is the "Embed this map" box of the corridor page.

Which URLs are ours is decided here (``parse_target``), from plain strings: ``base`` is the
server's own absolute base URL (scheme, host, port and any root path), so another host, another
path or an unknown slug is a ``NotFound`` (404, as the spec says); a known URL with a bad option
value is an ``InvalidInput`` naming ``url``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from markupsafe import Markup
from sqlalchemy.engine import Connection

from geo.errors import InvalidInput, NotFound, shown
from geo.repo import corridors as corridors_repo
from geo.repo.filters import parse_categories, parse_datetime, parse_datetime_match, parse_slug
from maps import palette
from maps.base import MMP, script_json
from maps.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue

PROVIDER_NAME = "Crossings"
# The embed's natural size: wide enough for its sentence and map, tall enough for the credit.
DEFAULT_WIDTH = 640
DEFAULT_HEIGHT = 600
# The social card and thumbnail (the og:image size), and the smallest PNG the image route draws.
THUMBNAIL = (1200, 630)
THUMBNAIL_MIN = (200, 150)
MAX_PIXELS = 10_000  # maxwidth / maxheight above this are a 400 (no screen is that large)

THEMES = palette.THEMES
LANGS = LANGUAGES
# Options each kind of URL carries into the embed (the page takes filters, the embed more).
PAGE_OPTIONS = ("datetime", "datetime_match", "category")
EMBED_OPTIONS = ("datetime", "datetime_match", "category", "theme", "lang")


@dataclass(frozen=True)
class Target:
    """A corridor map URL of this server: its slug and the embed options it carries."""

    slug: str
    options: dict[str, str] = field(default_factory=dict)

    @property
    def filters(self) -> dict[str, str]:
        """The options the static image takes too (filters and theme, not the language)."""
        return {k: v for k, v in self.options.items() if k != "lang"}


def parse_target(url: str, *, base: str) -> Target:
    """The corridor ``url`` names, if it is this server's corridor page or embed.

    ``base`` is the server's absolute base URL (``http://host:port/root/``). Another scheme,
    host or path is a ``NotFound``; an option with a bad value an ``InvalidInput``."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"url must be the absolute http(s) URL of a corridor map, e.g. "
            f"{base.rstrip('/')}/corridors/central-mediterranean/map; got {shown(url)}",
            parameter="url",
        )
    ours = urlsplit(base)
    if (parts.scheme, parts.netloc.lower()) != (ours.scheme, ours.netloc.lower()):
        raise NotFound(f"{shown(url)} is not a map of this server ({ours.scheme}://{ours.netloc})")
    root = ours.path.rstrip("/")
    path = parts.path
    if root and not path.startswith(root + "/"):
        raise NotFound(f"{shown(url)} is not a corridor map of this server")
    segments = path[len(root) :].strip("/").split("/")
    allowed: tuple[str, ...]
    if len(segments) == 3 and segments[0] == "corridors" and segments[2] == "map":
        slug_text, allowed = segments[1], PAGE_OPTIONS
    elif len(segments) == 3 and segments[:2] == ["embed", "corridors"]:
        slug_text, allowed = segments[2], EMBED_OPTIONS
    else:
        raise NotFound(
            f"{shown(url)} is not a corridor map; oEmbed serves /corridors/{{slug}}/map and "
            "/embed/corridors/{slug}"
        )
    try:
        slug = parse_slug(slug_text, parameter="url")
    except InvalidInput:
        raise NotFound(f"{shown(url)} names no corridor; see /corridors for the list") from None
    return Target(slug, _options(parts.query, allowed, url))


def _options(query: str, allowed: tuple[str, ...], url: str) -> dict[str, str]:
    pairs = parse_qsl(query, keep_blank_values=True)
    options: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed or name in options:
            raise InvalidInput(
                f"the url's query may hold each of {', '.join(allowed)} once; "
                f"{shown(name)} is not one of them or is repeated (in {shown(url)})",
                parameter="url",
            )
        options[name] = value
    try:
        if "datetime" in options:
            parse_datetime(options["datetime"])
        elif "datetime_match" in options:
            raise InvalidInput("datetime_match needs datetime", parameter="url")
        if "datetime_match" in options:
            parse_datetime_match(options["datetime_match"])
        if "category" in options:
            parse_categories(options["category"])
    except InvalidInput as exc:
        raise InvalidInput(f"in the url: {exc}", parameter="url") from None
    for name, allowed_values in (("theme", THEMES), ("lang", LANGS)):
        if name in options and options[name] not in allowed_values:
            raise InvalidInput(
                f"in the url: {name} must be one of {', '.join(allowed_values)}; "
                f"got {shown(options[name])}",
                parameter="url",
            )
    return {name: options[name] for name in allowed if name in options}


def with_query(url: str, options: dict[str, str]) -> str:
    return f"{url}?{urlencode(options)}" if options else url


def fit(size: tuple[int, int], maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """``size`` scaled down (aspect kept) to fit the bounds; never scaled up."""
    width, height = size
    scale = min(
        1.0,
        maxwidth / width if maxwidth else 1.0,
        maxheight / height if maxheight else 1.0,
    )
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


# Sizes the iframe it was pasted with to the height its embed reports. Kept tiny and old-browser
# safe; it trusts only messages from the provider's origin and the iframe that sent them.
_LISTENER = (
    "(function(){{var o={origin},s={slug},m={maxheight};"
    'window.addEventListener("message",function(e){{var d=e.data;'
    'if(e.origin!==o||!d||d.type!=="crossings:height"||d.id!==s||typeof d.height!=="number")'
    "return;var h=Math.ceil(d.height);if(m&&h>m)h=m;"
    'var f=document.querySelectorAll("iframe[data-crossings-embed]");'
    "for(var i=0;i<f.length;i++){{if(f[i].contentWindow===e.source)"
    '{{f[i].style.height=h+"px";f[i].setAttribute("height",String(h));}}}}}});}})();'
)


def iframe_html(
    *,
    src: str,
    title: str,
    slug: str,
    width: int | None = None,
    height: int = DEFAULT_HEIGHT,
    maxheight: int | None = None,
) -> Markup:
    """The snippet to paste: a responsive iframe of ``src`` (full width, up to ``width`` px
    when given) and the height listener. Every value is attribute- or script-escaped."""
    style = "border:0;width:100%" + (f";max-width:{int(width)}px" if width else "")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(src))
    script = _LISTENER.format(
        origin=script_json(origin), slug=script_json(slug), maxheight=int(maxheight or 0)
    )
    return Markup(
        '<iframe src="{src}" title="{title}" width="100%" height="{height}" style="{style}" '
        'loading="lazy" allowfullscreen data-crossings-embed="{slug}"></iframe>'
        "<script>{script}</script>"
    ).format(
        src=src,
        title=title,
        height=int(height),
        style=style,
        slug=slug,
        script=Markup(script),
    )


def embed_title(name: str, *, slug: str | None = None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The title of the embed in its language (the corridor's name translated when it is)."""
    cat = catalogue(lang)
    return cat.t("embed.page_title", corridor=cat.corridor(slug, name) if slug else name)


def oembed(
    conn: Connection,
    *,
    target: Target,
    base: str,
    maxwidth: int | None = None,
    maxheight: int | None = None,
    cache_age: int = 3600,
) -> dict[str, Any]:
    """The oEmbed ``rich`` response for ``target`` (``NotFound`` for an unknown slug)."""
    name = corridors_repo.corridor_outline(conn, slug=target.slug).name
    root = base.rstrip("/")
    # the iframe is responsive: a narrower column only makes it narrower, never taller
    width = min(DEFAULT_WIDTH, maxwidth) if maxwidth else DEFAULT_WIDTH
    height = min(DEFAULT_HEIGHT, maxheight) if maxheight else DEFAULT_HEIGHT
    title = embed_title(name, slug=target.slug, lang=target.options.get("lang", DEFAULT_LANGUAGE))
    src = with_query(f"{root}/embed/corridors/{target.slug}", target.options)
    body: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "author_name": MMP.name,
        "author_url": MMP.href,
        "provider_name": PROVIDER_NAME,
        "provider_url": f"{root}/",
        "cache_age": cache_age,
        "html": str(
            iframe_html(
                src=src,
                title=title,
                slug=target.slug,
                width=width,
                height=height,
                maxheight=maxheight,
            )
        ),
        "width": width,
        "height": height,
    }
    thumb_w, thumb_h = fit(THUMBNAIL, maxwidth, maxheight)
    if thumb_w >= THUMBNAIL_MIN[0] and thumb_h >= THUMBNAIL_MIN[1]:
        body["thumbnail_url"] = with_query(
            f"{root}/embed/corridors/{target.slug}.png",
            {**target.filters, "width": str(thumb_w), "height": str(thumb_h)},
        )
        body["thumbnail_width"] = thumb_w
        body["thumbnail_height"] = thumb_h
    return body
