"""Which representation a request prefers, where a path has two: ``GET /`` is the JSON landing
page for API clients and the monitor map for browsers.

A browser sends ``Accept: text/html,…,*/*;q=0.8``: HTML is preferred. ``*/*``, no Accept at all
and ``application/json`` keep JSON (a tie goes to JSON, so curl, httpx and API clients never get
a page). The response cache (``api.caching``) tags the two with different ETags, so a cache
holding one never revalidates it for a request that would get the other.
"""

from __future__ import annotations

HTML = "text/html"
JSON = "application/json"


def _quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type``: the most specific matching range wins
    (RFC 9110 12.5.1); 0 when nothing matches."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        if not media:
            continue
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        if media == media_type:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[0]:
            best = (specificity, q)
    return best[1]


def prefers_html(accept: str | None) -> bool:
    """True when ``accept`` ranks HTML strictly above JSON."""
    if not accept:
        return False
    return _quality(accept, HTML) > _quality(accept, JSON)


# Paths whose representation follows Accept (below the app's root_path).
NEGOTIATED_PATHS = frozenset({"/"})


def representation(path: str, accept: str | None) -> str:
    """``"html"`` for the page form of a negotiated path, ``""`` otherwise (an ETag suffix)."""
    return "html" if path in NEGOTIATED_PATHS and prefers_html(accept) else ""
