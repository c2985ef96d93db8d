"""`tracker scrape`, `tracker models new`, `tracker quarantine ...` and `tracker add-score`.

Thin: parse the arguments, call scrapers / tracker.merge, format the answer. Exit codes:
0 success (a failed source is a warning), 1 invalid data or input, 2 usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json

from tracker.cli.common import day, paths_from, print_json
from tracker.clock import instant_for, utc_now
from tracker.errors import UsageError
from tracker.merge import decide
from tracker.scrapers.add_score import VendorEntry, add_score
from tracker.scrapers.catalogue import read_catalogue
from tracker.scrapers.release_feeds import new_releases
from tracker.scrapers.run import scrape
from tracker.store import read_quarantine


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the scraper commands to the `tracker` parser."""
    _register_scrape(subparsers)
    _register_models(subparsers)
    _register_quarantine(subparsers)
    _register_add_score(subparsers)


def _register_scrape(subparsers: argparse._SubParsersAction) -> None:
    scrape = subparsers.add_parser("scrape", help="fetch the sources and merge what is new into data/")
    scrape.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="epoch, swebench, vendor, hf_hub (default: all)"
    )
    scrape.add_argument("--offline", action="store_true", help="re-read data/cache/ instead of the network")
    scrape.add_argument("--as-of", type=day, help="replay day (needs --offline): the clock is DATE 23:59:59Z")
    scrape.add_argument("--json", action="store_true", help="print the report as JSON")
    scrape.set_defaults(handler=handle_scrape)


def _register_models(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser("models", help="the open-weight catalogue")
    models_sub = models.add_subparsers(dest="models_command", metavar="COMMAND", required=True)
    new = models_sub.add_parser("new", help="releases (feeds) and open-weight repos first seen since a day")
    new.add_argument("--since", type=day, help="first day to include (default: 7 days ago)")
    new.add_argument("--json", action="store_true")
    new.set_defaults(handler=handle_models_new)


def _register_quarantine(subparsers: argparse._SubParsersAction) -> None:
    quarantine = subparsers.add_parser("quarantine", help="records held back from the evidence")
    q_sub = quarantine.add_subparsers(dest="quarantine_command", metavar="COMMAND", required=True)
    listing = q_sub.add_parser("list", help="pending entries (all with --all)")
    listing.add_argument("--all", action="store_true")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=handle_quarantine_list)
    for name, decision in (("accept", "accepted"), ("reject", "rejected")):
        sub = q_sub.add_parser(name, help=f"{name} a pending entry")
        sub.add_argument("id")
        sub.set_defaults(handler=handle_quarantine_decide, decision=decision)


def _register_add_score(subparsers: argparse._SubParsersAction) -> None:
    add = subparsers.add_parser("add-score", help="record a score a page reports (needs a URL and its tier)")
    add.add_argument("model")
    add.add_argument("benchmark", help="swe_bench_verified, gpqa_diamond, hle or ifeval")
    add.add_argument("score", help="percent, 0-100")
    add.add_argument("--source", required=True, help="URL of the page that reports the score")
    add.add_argument("--date", default="", help="date the page reports (YYYY-MM-DD, default today)")
    add.add_argument("--variant", default="", help="setting, e.g. no-tools, high, prompt-strict")
    add.add_argument(
        "--tier",
        required=True,
        help="who stands behind the number: first_party (the lab's page, model/system card, paper), "
        "independent (an evaluator or official leaderboard) or secondary (a blog or news page)",
    )
    add.add_argument("--tools", default="", help="none or with (HLE: only no-tools scores are evidence)")
    add.add_argument("--attempts", default="", help="single, pass@K or parallel (only single is evidence)")
    add.add_argument("--effort", default="", help="effort setting the page states, e.g. high, max")
    add.add_argument("--harness", default="", help="lab, bash-only or agent (agent systems are not evidence)")
    add.add_argument("--hle-subset", default="", help="HLE: full or text-only")
    add.add_argument(
        "--ifeval-metric",
        default="",
        help="IFEval: prompt_strict, prompt_loose, instruction_strict, instruction_loose or average",
    )
    add.add_argument("--note", default="")
    add.add_argument("--lab", default="", help="lab of a model not yet tracked")
    add.add_argument("--release-date", default="", help="release date of a model not yet tracked")
    add.set_defaults(handler=handle_add_score)


def _now(args: argparse.Namespace) -> dt.datetime:
    """The instant a command records: the replay instant of `--as-of`, else the wall clock."""
    as_of = getattr(args, "as_of", None)
    return instant_for(as_of) if as_of else utc_now()


def handle_scrape(args: argparse.Namespace) -> int:
    if args.as_of and not args.offline:
        raise UsageError("--as-of replays the cache and needs --offline")
    report = scrape(paths_from(args), args.sources or None, offline=args.offline, now=_now(args))
    if args.json:
        print_json(report.to_json())
        return 0
    for name, source in report.sources.items():
        line = (
            f"{name}: {source.status}, {source.records} records, +{source.new_observations} scores, "
            f"+{len(source.new_models)} models, {source.quarantined} quarantined"
        )
        if source.new_open_weights:
            line += f", +{len(source.new_open_weights)} open-weight repos"
        print(line + (f" ({source.error})" if source.error else ""))
    for model_id in report.new_frontier_releases:
        print(f"new frontier release: {model_id}")
    return 0


def handle_models_new(args: argparse.Namespace) -> int:
    since = args.since or (utc_now().date() - dt.timedelta(days=7))
    paths = paths_from(args)
    rows = read_catalogue(paths.data / "hf_models.csv")
    fresh = sorted(
        (r for r in rows if r.first_seen[:10] >= since.isoformat()), key=lambda r: (r.first_seen, r.repo_id)
    )
    releases = new_releases(paths, since)
    if args.json:
        print_json(
            {
                "since": since.isoformat(),
                "releases": releases,
                "open_weights": [dataclasses.asdict(r) for r in fresh],
            }
        )
        return 0
    for release in releases:
        date = release["release_date"] or "no date yet"
        print(
            f"{release['feed_id']}  {release['name']}  listed {release['listed_at'][:10] or '?'}  "
            f"released {date} ({release['date_precision'] or 'unknown'}) -> {release['model_id'] or 'not tracked'}"
        )
    for row in fresh:
        status = "steerable" if row.steerable else f"skip: {row.skip_reason}"
        print(
            f"{row.repo_id}  {row.kind}  created {row.created_at[:10]}  first seen {row.first_seen[:10]}  {status}"
        )
    if not fresh and not releases:
        print(f"no releases or open-weight repos first seen since {since}")
    return 0


def handle_quarantine_list(args: argparse.Namespace) -> int:
    entries = read_quarantine(paths_from(args).quarantine)
    shown = [e for e in entries if args.all or e.status == "pending"]
    if args.json:
        print_json([{**dataclasses.asdict(e), "record": json.loads(e.record)} for e in shown])
        return 0
    for entry in shown:
        print(f"{entry.id}  {entry.status}  {entry.source} {entry.row}  {entry.field}: {entry.reason}")
    if not shown:
        print("quarantine is empty" if args.all else "no pending entries")
    return 0


def handle_quarantine_decide(args: argparse.Namespace) -> int:
    entry, events = decide(paths_from(args), args.id, args.decision, now=_now(args))
    stored = f"; stored as {events[0].type}" if events else ""
    print(f"{entry.id} {entry.status}{stored}")
    return 0


def handle_add_score(args: argparse.Namespace) -> int:
    entry = VendorEntry(
        model=args.model,
        benchmark=args.benchmark,
        score=args.score,
        source_url=args.source,
        reported_date=args.date,
        variant=args.variant,
        note=args.note,
        lab=args.lab,
        release_date=args.release_date,
        tier=args.tier,
        tools=args.tools,
        attempts=args.attempts,
        effort=args.effort,
        harness=args.harness,
        hle_subset=args.hle_subset,
        ifeval_metric=args.ifeval_metric,
    )
    result = add_score(paths_from(args), entry, now=_now(args))
    if result.already_recorded is not None:
        print(f"already recorded (vendor_scores.csv row {result.already_recorded}): nothing written")
    elif result.quarantined:
        reason = next(q.reason for q in result.outcome.quarantined)
        print(f"recorded in vendor_scores.csv but quarantined: {reason}")
    else:
        print(f"recorded {result.model_id} {args.benchmark} = {float(args.score):g} (vendor, {args.tier})")
    return 0
