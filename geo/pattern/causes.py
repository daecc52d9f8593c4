"""MMP cause-of-death texts mapped to a small documented set (docs/api.md, "Causes").

The set follows the Missing Migrants Project's own current categories. A text that names
several causes ("Starvation, Dehydration, Shot") gets the first class in ``CLASSES`` order that
any of its words match, so violence is never hidden behind the conditions that came with it.
"""

from __future__ import annotations

import re

# (class, description, keywords) in priority order; the last class catches everything else.
CLASSES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "violence",
        "shot, stabbed, beaten, murdered, abused, killed by a landmine",
        ("violen", "shot", "stab", "murder", "abuse", "beat", "landmine", "killed", "tortur"),
    ),
    ("drowning", "drowned or presumed drowned", ("drown",)),
    (
        "hazardous_transport",
        "vehicle, train, truck or boat accidents, falls from vehicles, suffocation in transport",
        ("vehicle", "train", "truck", "bus", "car ", "suffocat", "asphyx", "crushed", "stowaway"),
    ),
    (
        "harsh_conditions",
        "dehydration, starvation, exposure to heat or cold, lack of shelter, food or water",
        ("dehydrat", "starv", "hypotherm", "hypertherm", "harsh", "exposure", "frostbite"),
    ),
    (
        "sickness",
        "illness and lack of access to medicines or care",
        ("sick", "illness", "disease", "cardiac", "hypoglyc", "medic"),
    ),
    (
        "accident",
        "other accidents: falls, burns, electrocution",
        ("accident", "fall", "burn", "electro"),
    ),
    ("mixed_or_unknown", "not stated, mixed, unknown, found as remains, or other", ()),
)
NAMES: tuple[str, ...] = tuple(name for name, _, _ in CLASSES)
UNKNOWN = NAMES[-1]
_WORDS = re.compile(r"\s+")


def cause_class(text: str | None) -> str:
    """The class of one cause text; ``mixed_or_unknown`` when nothing matches."""
    if not text:
        return UNKNOWN
    lowered = _WORDS.sub(" ", text.lower()).strip() + " "
    if lowered.startswith(("unknown", "mixed")):  # "Unknown (found next to train tracks)"
        return UNKNOWN
    for name, _, keywords in CLASSES:
        if any(k in lowered for k in keywords):
            return name
    return UNKNOWN


def descriptions() -> list[dict[str, str]]:
    return [{"cause": name, "description": text} for name, text, _ in CLASSES]
