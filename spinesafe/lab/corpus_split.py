"""Which part of the corpus a clip is in: tuning (develop on it) or validation (never tuned on).

The validation part is whole sources, listed in ``validation_sources.json`` beside this module
(chosen once, by hash of the source name, before any result was seen). A source that is not
listed is in the tuning part.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

TUNING = "tuning"
VALIDATION = "validation"
PARTS = (TUNING, VALIDATION)


@functools.cache
def validation_sources() -> frozenset[str]:
    data = json.loads((Path(__file__).with_name("validation_sources.json")).read_text(encoding="utf-8"))
    return frozenset(data["sources"])


def source_of(clip: dict[str, Any]) -> str:
    source = clip.get("source") or {}
    return str(source.get("source_repo", "")) if isinstance(source, dict) else str(source)


def validation_part(clip: dict[str, Any]) -> bool:
    """True when the manifest ``clip`` comes from a validation source."""
    return source_of(clip) in validation_sources()


def part_of(clip: dict[str, Any]) -> str:
    return VALIDATION if validation_part(clip) else TUNING
