"""Epoch AI Benchmarking Hub: the benchmark data download (a zip of CSVs, CC BY 4.0).

The primary source. `parse` reads GPQA Diamond and SWE-bench Verified (runs by Epoch) and
HLE (Epoch's republished external table, see tracker.scrapers.hle) from the zip. Scores are
fractions in the files and percent here. Columns are read by name because Epoch inserted a
`mean_score` column in early 2026; the score used is `Best score (across scorers)`, the one
column every snapshot has, so that a value never "changes" only because a column appeared.
If that column is ever renamed or dropped the table is a format change (ParseError), never a
silent switch to `mean_score`, which is another statistic. A zip without `hle_external.csv`
gives a SourceWarning (the run reports it and keeps the last good response cached) instead of
quietly dropping every HLE record.
A model version run twice (different `Started at`) gives two records; the merge keeps the
newest run and notes the other.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from tracker.scrapers import hle
from tracker.scrapers.dates import finite_number, iso_day, iso_instant
from tracker.scrapers.errors import ParseError
from tracker.scrapers.tabular import read_rows
from tracker.source_records import RawScore, RowProblem, SourceWarning

SOURCE = "epoch"
URL = "https://epoch.ai/data/benchmark_data.zip"
DASHBOARD_URL = "https://epoch.ai/benchmarks"
ATTRIBUTION = "Epoch AI, 'AI Benchmarking Hub', https://epoch.ai/benchmarks (CC BY 4.0)"

RUN_TABLES = {"gpqa_diamond.csv": "gpqa_diamond", "swe_bench_verified.csv": "swe_bench_verified"}
HLE_TABLE = "hle_external.csv"
SCORE_COLUMN = "Best score (across scorers)"
MAX_MEMBER_BYTES = 20_000_000


def parse(
    data: bytes, *, retrieved_at: str, source_url: str = URL
) -> list[RawScore | RowProblem | SourceWarning]:
    """All GPQA Diamond, SWE-bench Verified and HLE records of one benchmark_data.zip."""
    members = _read_members(data, [*RUN_TABLES, HLE_TABLE])
    records: list[RawScore | RowProblem | SourceWarning] = []
    for name, benchmark in RUN_TABLES.items():
        if name not in members:
            raise ParseError(SOURCE, f"zip has no {name} (format changed?)", field=name)
        records += parse_run_table(
            members[name], benchmark=benchmark, member=name, retrieved_at=retrieved_at, source_url=source_url
        )
    if HLE_TABLE in members:
        records += hle.parse(members[HLE_TABLE], retrieved_at=retrieved_at, source_url=source_url)
    else:
        records.append(SourceWarning(SOURCE, HLE_TABLE, f"zip has no {HLE_TABLE}: no HLE records this time"))
    return records


def _read_members(data: bytes, wanted: list[str]) -> dict[str, bytes]:
    """The wanted members of the zip (by base name), size-capped; ParseError if not a zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            out = {}
            for info in archive.infolist():
                base = info.filename.rsplit("/", 1)[-1]
                if base in wanted and base not in out:
                    if info.file_size > MAX_MEMBER_BYTES:
                        raise ParseError(SOURCE, f"{base} is {info.file_size} bytes, over the cap")
                    out[base] = archive.read(info)
            return out
    except ParseError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        ValueError,
        OSError,
        RuntimeError,
        KeyError,
        IndexError,
        TypeError,
    ) as exc:
        raise ParseError(SOURCE, f"not a readable zip: {exc}") from None


def parse_run_table(
    data: bytes, *, benchmark: str, member: str, retrieved_at: str, source_url: str = URL, note: str = ""
) -> list[RawScore | RowProblem]:
    """Records of one Epoch-run table (gpqa_diamond.csv or swe_bench_verified.csv)."""
    where = f"{SOURCE} {member}"
    rows = read_rows(data, where, ["Model version", "Release date", "Organization"])
    if rows and SCORE_COLUMN not in rows[0][1]:
        raise ParseError(
            where,
            "score column missing (renamed?); 'mean_score' is another statistic and is not used instead",
            row="1",
            field=SCORE_COLUMN,
        )
    return [_run_record(line, row, benchmark, member, retrieved_at, source_url, note) for line, row in rows]


def _run_record(
    line: int, row: dict[str, str], benchmark: str, member: str, retrieved_at: str, source_url: str, note: str
) -> RawScore | RowProblem:
    where = f"{member}:{line}"
    column, cell = SCORE_COLUMN, row[SCORE_COLUMN]
    name = row["Model version"].strip()
    try:
        if not name:
            raise ValueError("empty model name")
        score = finite_number(cell) * 100
        column = "Release date"
        release = iso_day(row["Release date"])
        column = "Started at"
        started = iso_instant(row.get("Started at", ""))
    except ValueError as exc:
        field = "Model version" if not name else column
        return RowProblem(SOURCE, where, field, str(exc), raw=row)
    run_id = row.get("id", "").strip()
    return RawScore(
        source=SOURCE,
        benchmark=benchmark,
        raw_model=name,
        score=score,
        source_url=source_url,
        retrieved_at=retrieved_at,
        reported_date=started[:10],
        tier="independent",
        attempts="single",
        lab=row["Organization"].strip(),
        release_date=release,
        run_started=started,
        row=where,
        note="; ".join(p for p in (f"run {run_id}" if run_id else "", note) if p),
    )
