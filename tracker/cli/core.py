"""`tracker stats`, `tracker check` and `tracker predictions verify|amend|list`."""

from __future__ import annotations

import argparse
import math
from typing import Any

from tracker.cli.common import as_of_from, day, paths_from, print_json
from tracker.clock import utc_now
from tracker.errors import UsageError
from tracker.stats.coupling import current_stats
from tracker.stats.reproduce import frozen_stats
from tracker.verdicts.predictions import Verdict, check, evaluate_all
from tracker.verdicts.specs import add_amendment, load_specs, parse_parameter, verify_registry


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the core commands to the `tracker` parser."""
    stats = subparsers.add_parser("stats", help="coupling, h-field and per-lab statistics")
    stats.add_argument("--panel", choices=("frozen", "current"), default="frozen")
    stats.add_argument("--as-of", type=day, help="day to answer for (current panel; default today UTC)")
    stats.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    stats.set_defaults(handler=handle_stats)

    chk = subparsers.add_parser("check", help="the seven predictions as of a day")
    chk.add_argument("--as-of", type=day, help="day to answer for (default today UTC)")
    chk.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    chk.add_argument(
        "--record", action="store_true", help="also record the state in data/verdicts.json and the ledger"
    )
    chk.set_defaults(handler=handle_check)

    preds = subparsers.add_parser("predictions", help="the registered predictions")
    actions = preds.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("verify", help="fail if a registered prediction was edited").set_defaults(
        handler=handle_predictions_verify
    )
    actions.add_parser("list", help="the registered predictions").set_defaults(
        handler=handle_predictions_list
    )
    amend = actions.add_parser("amend", help="register a dated amendment (never an edit)")
    amend.add_argument("prediction", help="P1..P7")
    amend.add_argument("--text", required=True, help="the new interpretation")
    amend.add_argument("--reason", required=True, help="why it changes")
    amend.add_argument("--date", type=day, help="date of the amendment (default today UTC)")
    amend.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an evaluator parameter the amendment sets (repeatable), e.g. grace_days=14",
    )
    amend.set_defaults(handler=handle_predictions_amend)


def _number_or_dash(value: Any, spec: str = ".3f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec)


def handle_stats(args: argparse.Namespace) -> int:
    paths = paths_from(args)
    result = frozen_stats(paths) if args.panel == "frozen" else current_stats(paths, as_of_from(args))
    if args.json:
        print_json(result)
        return 0
    print(
        f"{result['panel']} panel: n = {result['n']}  GPQA = {result['slope']:.4f}*SWE + {result['intercept']:.2f}  "
        f"r = {result['r']:+.4f}  p = {result['p']:.3g}"
    )
    print(
        f"95% PI: +/-{result['pi_halfwidth']:.2f} pp (papers: 1.96 x SD), +/-{result['pi_halfwidth_ols_at_mean']:.2f} "
        f"(OLS, at mean SWE);  LOLO MAE {_number_or_dash(result['lolo_mae'], '.2f')} +/- {_number_or_dash(result['lolo_sd'], '.2f')}"
    )
    print(f"\n{'lab':12} {'n':>3} {'mean h':>8} {'core h':>8} {'slope':>7}")
    for lab, row in result["labs"].items():
        print(
            f"{lab:12} {row['n']:>3} {row['h_mean']:+8.2f} {row['h_mean_core']:+8.2f} {_number_or_dash(row['slope'], '7.3f')}"
        )
    for check_row in result.get("checks", []):
        mark = {"yes": "ok", "no": "DIFFERS", None: "-"}[check_row["match_paper"]]
        print(
            f"  {check_row['key']:42} paper {str(check_row.get('paper', '-')):>16.16}  "
            f"recomputed {str(_short(check_row['recomputed'])):>16.16}  {mark}"
        )
    return 0


def _short(value: Any) -> Any:
    return float(f"{value:.4g}") if isinstance(value, float) else value


def handle_check(args: argparse.Namespace) -> int:
    """Evaluate (any day) or record (`--record`: today only, since alerts follow the record)."""
    paths = paths_from(args)
    now = utc_now()
    as_of = args.as_of or now.date()
    if args.record and as_of != now.date():
        raise UsageError(
            f"--record records today ({now.date()}) only; --as-of {as_of} is a "
            "replay and writes nothing (drop --record, or use `tracker run --as-of`)"
        )
    verdicts = check(paths, as_of, now) if args.record else evaluate_all(paths, as_of)
    if args.json:
        print_json([v.to_json() for v in verdicts])
        return 0
    print(f"Predictions as of {as_of}:")
    for verdict in verdicts:
        flag = "  [depends on source]" if verdict.source_sensitive else ""
        print(
            f"  {verdict.id} {verdict.spec.title:40} {reading_words(verdict):49} "
            f"deadline {verdict.spec.deadline[:10]}{flag}"
        )
        print(f"     {verdict.evidence['summary']}")
    return 0


def reading_words(verdict: Verdict) -> str:
    """`passed`, or for a pending prediction what today's data would decide:
    `pending, if decided today: failed (at_risk)`."""
    if verdict.if_decided_today is None:
        return verdict.status
    word = f" ({verdict.provisional})" if verdict.provisional else ""
    return f"{verdict.status}, if decided today: {verdict.if_decided_today}{word}"


def handle_predictions_verify(args: argparse.Namespace) -> int:
    problems = verify_registry(paths_from(args))
    for problem in problems:
        print(f"tracker: registry: {problem}")
    if not problems:
        print("registry intact: every registered prediction matches its sha256")
    return 1 if problems else 0


def handle_predictions_list(args: argparse.Namespace) -> int:
    for spec in load_specs(paths_from(args)):
        print(
            f"{spec.id}  {spec.title}  (deadline {spec.deadline}; {len(spec.decisions)} decisions, "
            f"{len(spec.amendments)} amendments)"
        )
    return 0


def handle_predictions_amend(args: argparse.Namespace) -> int:
    path = add_amendment(
        paths_from(args),
        args.prediction,
        as_of_from(argparse.Namespace(as_of=args.date)),
        args.text,
        args.reason,
        dict(parse_parameter(item) for item in args.param),
    )
    print(f"registered {path}")
    return 0
