"""Site build benchmark: collecting the data, drawing the figures, rendering and publishing.

Run: `python -m benchmarks.site`. Two cases: the committed data (the papers' panel; what a
daily run builds today) and a grown project a year on (300 tracked releases scored month by
month, 5,000 ledger events, as of the last deadline), to see how the build scales with data
and with the number of history days each prediction is re-evaluated on.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tracker.paths import Paths
from tracker.records import Event, Model, Observation
from tracker.site import builder as sitegen
from tracker.site import data as site_data
from tracker.store import append_events, make_event_id, read_models, write_models, write_observations

REPO = Path(__file__).resolve().parent.parent
LABS = ("Google", "DeepSeek", "OpenAI", "Anthropic", "xAI", "Moonshot")


def grown_project(root: Path, n_models: int = 300, n_events: int = 5000) -> Paths:
    """A copy of the project with `n_models` tracked releases from 2026-06 on and a long ledger."""
    for name in ("predictions", "site"):
        shutil.copytree(REPO / name, root / name)
    shutil.copytree(REPO / "data" / "frozen", root / "data" / "frozen")
    shutil.copy(REPO / "data" / "models.csv", root / "data" / "models.csv")
    paths = Paths(root)
    models, observations = [], []
    for i in range(n_models):
        day = dt.date(2026, 6, 1) + dt.timedelta(days=i % 360)
        mid = f"bench-model-{i:03d}"
        models.append(
            Model(
                model_id=mid, name=f"Bench Model {i}", lab=LABS[i % len(LABS)], release_date=day.isoformat()
            )
        )
        for benchmark, score in (
            ("swe_bench_verified", 60 + (i * 7) % 35),
            ("gpqa_diamond", 65 + (i * 11) % 33),
            ("ifeval", 85 + (i * 3) % 14),
            ("hle", 10 + (i * 5) % 40),
        ):
            observations.append(
                Observation(
                    mid,
                    benchmark,
                    float(score),
                    "epoch",
                    "https://epoch.ai/benchmarks",
                    f"{day + dt.timedelta(days=5)}T06:00:00Z",
                )
            )
    write_models(paths.models, read_models(paths.models) + models)
    write_observations(paths.scores, observations)
    append_events(
        paths.ledger,
        [
            Event(
                make_event_id("new_score", i),
                "new_score" if i % 10 else "new_frontier_release",
                "2026-07-01T06:00:00Z",
                {"model_id": f"bench-model-{i % n_models:03d}", "h": 1.0},
            )
            for i in range(n_events)
        ],
    )
    return paths


class Clock:
    """Wall and CPU seconds since the last lap (CPU time is the steadier figure on a shared box)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        result = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return result


def measure(label: str, paths: Paths, as_of: dt.date, out: Path) -> list[tuple[str, str, float, float]]:
    """Time each stage of one build (after one warm-up build: imports and font cache)."""
    sitegen.build_site(paths, as_of, out)
    clock, rows = Clock(), []
    data = site_data.collect(paths, as_of)
    days = len(site_data.history_days(site_data.HISTORY_START, as_of))
    rows.append((label, f"collect ({days} history days)", *clock.lap()))
    figures = sitegen.all_figures(data)
    rows.append((label, f"figures ({len(figures)} SVG)", *clock.lap()))
    outputs = sitegen.render_site(data, paths.site_templates)
    rows.append((label, f"render all ({len(outputs)} files, figures included)", *clock.lap()))
    sitegen.publish(outputs, paths.site_templates / "static", out)
    rows.append((label, "publish (write + swap)", *clock.lap()))
    sitegen.build_site(paths, as_of, out)
    rows.append((label, "build_site end to end", *clock.lap()))
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(
            "committed data, as of 2026-11-26", Paths(REPO), dt.date(2026, 11, 26), Path(tmp) / "a"
        )
        grown = grown_project(Path(tmp) / "grown")
        rows += measure(
            "300 tracked + 5000 events, as of 2027-05-31", grown, dt.date(2027, 5, 31), Path(tmp) / "b"
        )
    print("| case | stage | wall s | CPU s |")
    print("|---|---|---|---|")
    for label, stage, wall, cpu in rows:
        print(f"| {label} | {stage} | {wall:.2f} | {cpu:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
