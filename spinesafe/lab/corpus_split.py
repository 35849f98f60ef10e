"""Which part of the corpus a clip is in: tuning (developed on) or validation (held out).

The validation part is a fixed list of whole sources (:file:`validation_sources.json` beside this
module, chosen once without looking at results): a clip is in it when its manifest entry's
``source.source_repo`` is on the list. Whole sources, not clips, so that the same person or
camera never sits on both sides. Figures on the corpus are reported for both parts; thresholds are
tuned on the tuning part only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

TUNING = "tuning"
VALIDATION = "validation"
PARTS = (TUNING, VALIDATION)


@cache
def validation_sources() -> frozenset[str]:
    """The source repositories (``owner/name``) of the validation part."""
    text = (resources.files("spinesafe.lab") / "validation_sources.json").read_text(encoding="utf-8")
    return frozenset(str(s) for s in json.loads(text)["sources"])


def validation_part(clip: Mapping[str, Any]) -> bool:
    """True when a manifest clip (a ``clips[]`` entry of ``manifest.json``) is in the validation part."""
    source = clip.get("source")
    if not isinstance(source, Mapping) or "source_repo" not in source:
        raise ValueError(f"corpus clip {clip.get('file', '?')!r}: expected source.source_repo in its manifest entry")
    return str(source["source_repo"]) in validation_sources()


def part(clip: Mapping[str, Any]) -> str:
    """``"validation"`` or ``"tuning"``: the part of the corpus a manifest clip is in."""
    return VALIDATION if validation_part(clip) else TUNING
