"""Model identity: one canonical id per release, whatever name a source uses for it.

Sources name the same release in many ways ("Claude Opus 4.6", `claude-opus-4-6_32K`,
"Claude 4.6 Opus (20260205)"). Effort settings and dated API snapshots are variants of one
release (PREDICTIONS.md G7/G8), so they resolve to the same id; the suffix is kept as the
observation's `variant`.
"""

from __future__ import annotations

import re

import pandas as pd

from tracker.records import Model

_NON_SLUG = re.compile(r"[^a-z0-9.]+")


def slugify(name: str) -> str:
    """The canonical id form of a display name: lower case, runs of other characters as '-'.

    "Claude 3.5 Sonnet" -> "claude-3.5-sonnet"; "GPT-5.4 std" -> "gpt-5.4-std".
    """
    slug = _NON_SLUG.sub("-", name.strip().lower()).strip("-.")
    if not slug:
        raise ValueError(f"cannot make an id from {name!r}")
    return slug


def models_from_panel(frame: pd.DataFrame) -> list[Model]:
    """Identity rows for every model of the frozen panel (frozen, post-cutoff and other rows).

    The panel's display name is kept as `name` and as the first alias, so that sources using
    the papers' spelling resolve without a hand-made alias.
    """
    models = []
    for row in frame.itertuples(index=False):
        models.append(Model(
            model_id=slugify(row.model), name=row.model, lab=row.lab,
            release_date=row.release_date or "", cohort=row.cohort, core=bool(row.core),
            frontier=True, aliases=(row.model,), note=f"frozen panel: {row.source_file}",
        ))
    return models
