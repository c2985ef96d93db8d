"""A short seeded season of operation under faults (tests/season.py): every fault kind at
least once, every invariant checked after every day, and no violation. `make bench` plays a
longer one (benchmarks/bench_season.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from scraper_server import scripted_server
from season import RUN_FAULTS, SOURCE_FAULTS, make_plan, play

pytestmark = pytest.mark.slow
SEED = 12
DAYS = 5  # the first day cannot have a run fault: five source faults and four run faults fit


def test_a_short_season_under_every_fault_breaks_no_invariant(tmp_path):
    plan = make_plan(dt.date(2025, 11, 17), days=DAYS, seed=SEED, source_rate=1.0, run_rate=1.0)
    with scripted_server() as server:
        report = play(tmp_path, plan, server, site_every=2)
    assert report.violations == []
    assert [kind for kind in SOURCE_FAULTS + RUN_FAULTS if report.faults[kind] == 0] == []
    assert report.checks["ledger_equals_reference"] == DAYS
    assert report.checks["site_equals_replay"] == 3
    assert report.checks["killed_at_boundary"] == 1 and report.checks["clock_back_refused"] == 1
