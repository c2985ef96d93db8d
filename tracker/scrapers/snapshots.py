"""What is new between two parsed snapshots of one source (pure: records in, differences out).

Used to say what a fetch brings before it is merged, and by the tests that feed each source's
real consecutive snapshots. A score series is keyed by the source's own model name, benchmark
and setting; a feed entry by its feed id. Removals are listed but are never read as
retirements: sources prune and re-add entries all the time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tracker.source_records import ListedModel, RawScore

SeriesKey = tuple[str, str, str]


@dataclass(frozen=True)
class ScoreDiff:
    """Scores that appeared, changed (old, new) or disappeared between two snapshots."""

    added: list[RawScore] = field(default_factory=list)
    changed: list[tuple[RawScore, RawScore]] = field(default_factory=list)
    removed: list[RawScore] = field(default_factory=list)


def series_key(record: RawScore) -> SeriesKey:
    """(model, benchmark, setting), with the model's whitespace normalised."""
    return (" ".join(record.raw_model.split()), record.benchmark, record.setting)


def diff_scores(before: Iterable[object], after: Iterable[object], *, tolerance: float = 1e-9) -> ScoreDiff:
    """The score differences between two parses (RowProblems are ignored here)."""
    old = {series_key(r): r for r in before if isinstance(r, RawScore)}
    new = {series_key(r): r for r in after if isinstance(r, RawScore)}
    diff = ScoreDiff()
    for key in sorted(new):
        if key not in old:
            diff.added.append(new[key])
        elif abs(old[key].score - new[key].score) > tolerance:
            diff.changed.append((old[key], new[key]))
    diff.removed.extend(old[k] for k in sorted(old) if k not in new)
    return diff


def diff_listed(
    before: Iterable[object], after: Iterable[object]
) -> tuple[list[ListedModel], list[ListedModel]]:
    """(added, removed) feed entries between two parses of a release feed, in id order."""
    old = {m.feed_id: m for m in before if isinstance(m, ListedModel)}
    new = {m.feed_id: m for m in after if isinstance(m, ListedModel)}
    return [new[k] for k in sorted(new) if k not in old], [old[k] for k in sorted(old) if k not in new]
