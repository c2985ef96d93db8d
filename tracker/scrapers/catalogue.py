"""data/hf_models.csv: the open-weight catalogue, and how a Hub listing updates it.

A repo listed for the first time gets `first_seen` = the listing's instant and, unless its
organisation is being listed for the first time (the baseline crawl, which would otherwise
announce every repo an organisation ever published), a `new_open_weights` event. Known repos
keep their first_seen; their sha and other fields follow the Hub.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.records import Event, as_row
from tracker.source_records import HubModel
from tracker.store import make_event_id, read_csv_rows, rows_to_csv, write_if_changed

FIELDS = [f.name for f in dataclasses.fields(HubModel)]


def read_catalogue(path: Path) -> list[HubModel]:
    """The catalogue rows (validated to have every column)."""
    rows: list[dict[str, Any]] = read_csv_rows(path, FIELDS)
    return [HubModel(**{**row, "steerable": row["steerable"] == "true"}) for row in rows]


def catalogue_text(rows: list[HubModel]) -> str:
    """The catalogue's text, sorted by repo id."""
    return rows_to_csv(FIELDS, map(as_row, sorted(rows, key=lambda r: r.repo_id.lower())))


def write_catalogue(path: Path, rows: list[HubModel]) -> bool:
    """Write the catalogue sorted by repo id (idempotent)."""
    return write_if_changed(path, catalogue_text(rows))


@dataclass
class CatalogueUpdate:
    rows: list[HubModel]
    new: list[HubModel] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


def update_catalogue(current: list[HubModel], listed: list[HubModel], *, at: str) -> CatalogueUpdate:
    """Merge a listing into the catalogue; new repos of already-watched orgs become events."""
    by_id = {r.repo_id: r for r in current}
    known_orgs = {r.repo_id.split("/")[0].lower() for r in current}
    update = CatalogueUpdate(rows=[])
    for row in listed:
        previous = by_id.get(row.repo_id)
        if previous is not None:
            by_id[row.repo_id] = dataclasses.replace(row, first_seen=previous.first_seen)
            continue
        by_id[row.repo_id] = row
        update.new.append(row)
        if row.repo_id.split("/")[0].lower() in known_orgs:
            update.events.append(
                Event(
                    make_event_id("new_open_weights", row.repo_id),
                    "new_open_weights",
                    at,
                    {
                        "repo_id": row.repo_id,
                        "sha": row.sha,
                        "created_at": row.created_at,
                        "kind": row.kind,
                        "steerable": row.steerable,
                        "skip_reason": row.skip_reason,
                    },
                )
            )
    update.rows = list(by_id.values())
    return update
