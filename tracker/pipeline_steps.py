"""The real steps of a run, each a thin adapter from a library API to a `StepResult`.

Each adapter imports its library when it runs, so a missing optional extra (steering) or a
module that is not installed reports the step unavailable instead of breaking the import of
the whole pipeline. Order matters: the site is built last so that it shows everything the
run recorded (alerts sent, steering dispatches), which keeps a rerun with nothing new
byte-for-byte identical.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from types import ModuleType
from typing import Any

from tracker.steps import OK, SKIPPED, WARNING, RunContext, Step, StepResult, StepUnavailable

ClientsFactory = Callable[[], AbstractContextManager[Any]]


def need(module: str) -> ModuleType:
    """Import `module`, or raise StepUnavailable naming what is missing."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise StepUnavailable(f"{module} is not available ({exc.name} is not installed)") from None


def failed_sources(report: dict[str, Any]) -> list[dict[str, str]]:
    """The sources a scrape report (`tracker scrape --json`) marks failed, as {source, error}."""
    return [
        {"source": name, "error": str(row.get("error", ""))}
        for name, row in report.get("sources", {}).items()
        if row.get("status") == "failed"
    ]


def scrape_line(report: dict[str, Any], failed: list[dict[str, str]]) -> str:
    sources = report.get("sources", {})
    scores = sum(int(row.get("new_observations", 0)) for row in sources.values())
    line = f"{len(sources)} sources, {len(failed)} failed; +{scores} scores, +{len(report.get('new_models', []))} models"
    if report.get("quarantined"):
        line += f", {report['quarantined']} quarantined"
    if failed:
        line += "; failed: " + ", ".join(f"{row['source']} ({row['error']})" for row in failed)
    return line


def scrape(ctx: RunContext) -> StepResult:
    """Fetch (or, offline, re-read the cache) and merge every source into data/."""
    if ctx.replay:
        return StepResult(SKIPPED, f"replay: only data known by {ctx.as_of} count; nothing fetched")
    scrapers = need("tracker.scrapers.run")
    report = scrapers.scrape(ctx.paths, offline=ctx.offline, now=ctx.now).to_json()
    failed = failed_sources(report)
    return StepResult(
        WARNING if failed else OK, scrape_line(report, failed), {"scrape": report, "failed_sources": failed}
    )


class RunShare:
    """What a run's steps hand on to later ones: one panel source (tracker.panel.PanelSource)
    read after the scrape for the stats, the check and the site, and the current statistics
    and verdicts the site would otherwise compute again. Bound to one run's context: a step
    of another run (a daemon's next tick) starts afresh, so nothing stale carries over."""

    def __init__(self) -> None:
        self._ctx: RunContext | None = None
        self._values: dict[str, Any] = {}

    def for_run(self, ctx: RunContext) -> dict[str, Any]:
        """The values shared within the run of `ctx` (empty for a new run)."""
        if self._ctx is not ctx:
            self._ctx, self._values = ctx, {}
        return self._values

    def source(self, ctx: RunContext) -> Any:
        """The run's panel source, created on first use."""
        values = self.for_run(ctx)
        if "source" not in values:
            values["source"] = need("tracker.panel").PanelSource(ctx.paths)
        return values["source"]


def stats(ctx: RunContext, share: RunShare | None = None) -> StepResult:
    """Recompute the coupling and the h-fields on the panel known by the run's day."""
    coupling = need("tracker.stats.coupling")
    share = share or RunShare()
    result = coupling.current_stats(ctx.paths, ctx.as_of, share.source(ctx))
    share.for_run(ctx)["current"] = result
    keys = ("n", "slope", "intercept", "r", "p", "pi_halfwidth", "lolo_mae")
    line = (
        f"current panel: n = {result['n']}, r = {result['r']:+.3f}, GPQA = {result['slope']:.3f}*SWE + "
        f"{result['intercept']:.1f}"
    )
    return StepResult(OK, line, {"stats": {k: result.get(k) for k in keys}})


def verdict_row(verdict: Any) -> dict[str, Any]:
    data = verdict.to_json()
    return {
        "id": data["id"],
        "title": data.get("title", ""),
        "status": data["status"],
        "provisional": data.get("provisional"),
        "if_decided_today": data.get("if_decided_today"),
        "deadline": data.get("deadline"),
        "summary": data.get("evidence", {}).get("summary", ""),
    }


def check(ctx: RunContext, share: RunShare | None = None) -> StepResult:
    """Evaluate the seven predictions, record the state and the ledger events."""
    predictions = need("tracker.verdicts.predictions")
    share = share or RunShare()
    verdicts = predictions.check(ctx.paths, ctx.as_of, ctx.now, share.source(ctx))
    share.for_run(ctx)["verdicts"] = verdicts
    rows = [verdict_row(v) for v in verdicts]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    line = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    return StepResult(OK, line, {"verdicts": rows})


def alerts(clients: ClientsFactory | None = None) -> Callable[[RunContext], StepResult]:
    """The alerts step: queue every alertable ledger event, then deliver (unless told not to).

    `clients` builds the network clients (default: tracker.alerts.clients.default_clients),
    so tests can point delivery at servers on 127.0.0.1.
    """

    def step(ctx: RunContext) -> StepResult:
        config_module = need("tracker.alerts.config")
        outbox = need("tracker.alerts.outbox")
        config = config_module.load_config(ctx.paths, ctx.env)
        queued = outbox.queue_from_ledger(ctx.paths, config)
        ctx.checkpoint("alerts-queued")
        channels = ", ".join(config.enabled()) or "none"
        if not ctx.send_alerts:
            why = "replay" if ctx.replay else "--no-alerts"
            return StepResult(
                SKIPPED,
                f"queued {queued}; not sent ({why}); channels: {channels}",
                {"alerts": {"queued": queued}},
            )
        report = deliver(ctx, config, clients)
        failed = len(report.get("failed", []))
        line = f"queued {queued}, delivered {len(report.get('delivered', []))}, failed {failed}; channels: {channels}"
        return StepResult(WARNING if failed else OK, line, {"alerts": {"queued": queued, **report}})

    return step


def deliver(ctx: RunContext, config: Any, clients: ClientsFactory | None) -> dict[str, Any]:
    delivery = need("tracker.alerts.deliver")
    factory = clients or need("tracker.alerts.clients").default_clients
    with factory() as live:
        report = delivery.deliver_pending(ctx.paths, config, live, ctx.now)
    need("tracker.alerts.outbox").mirror_to_ledger(ctx.paths)
    return report.to_json()


def steering(ctx: RunContext) -> StepResult:
    """Plan steering runs for new open weights; dispatch steer.yml from GitHub Actions only.

    Dispatching needs GITHUB_TOKEN (with actions: write) and GITHUB_REPOSITORY, which Actions
    provides; elsewhere, offline or in a replay the plan is reported and nothing is sent.
    """
    queue = need("tracker.steering.queue")
    config = queue.load_config(ctx.paths, architectures=False)
    if ctx.env.get("GITHUB_REF_NAME"):
        config = replace(config, ref=ctx.env["GITHUB_REF_NAME"])
    items = queue.plan(ctx.paths, config)
    if items:  # only now pay for importing transformers: its architectures can only remove items
        config = replace(config, architectures=queue.supported_architectures())
        items = queue.plan(ctx.paths, config)
    if not items:
        return StepResult(OK, "no new open-weight model qualifies", {"steering": {"planned": []}})
    planned = [item.key for item in items]
    token, repo = ctx.env.get("GITHUB_TOKEN", ""), ctx.env.get("GITHUB_REPOSITORY", "")
    why = (
        "replay"
        if ctx.replay
        else "offline"
        if ctx.offline
        else ""
        if token and repo
        else "GITHUB_TOKEN/GITHUB_REPOSITORY not set"
    )
    if why:
        return StepResult(
            SKIPPED, f"{len(items)} qualifying, not dispatched ({why})", {"steering": {"planned": planned}}
        )
    httpx = need("httpx")
    api = ctx.env.get("GITHUB_API_URL", "https://api.github.com")
    with httpx.Client(base_url=api, timeout=30.0, follow_redirects=False) as client:
        done = queue.dispatch(ctx.paths, items, client, repo, token, ctx.now, config)
    failed = [f"{item.key} ({item.reason})" for item in done if item.status != "dispatched"]
    line = f"dispatched {len(done) - len(failed)} of {len(items)} to {config.workflow}"
    if failed:
        line += "; failed (retried next run): " + ", ".join(failed)
    return StepResult(WARNING if failed else OK, line, {"steering": {"planned": planned, "failed": failed}})


def site(ctx: RunContext, share: RunShare | None = None) -> StepResult:
    """Build the static site from data/ into the run's output folder, unless the folder
    already holds the build of exactly these inputs (tracker.site.cache). The verdicts and
    statistics of this run's check and stats steps are reused (the check has recorded its
    verdicts, so the site would compute the same ones again)."""
    sitecache = need("tracker.site.cache")
    digest = sitecache.inputs_digest(ctx.paths, ctx.as_of)
    index = ctx.out_dir.resolve() / "index.html"
    if sitecache.is_current(ctx.out_dir, digest):
        return StepResult(
            OK, f"unchanged: {ctx.out_dir} already holds the build of these inputs", {"site": str(index)}
        )
    share = share or RunShare()
    shared = share.for_run(ctx)
    report = need("tracker.site.builder").build_site(
        ctx.paths,
        ctx.as_of,
        ctx.out_dir,
        source=share.source(ctx),
        verdicts=shared.get("verdicts"),
        current=shared.get("current"),
    )
    sitecache.record(ctx.out_dir, digest)
    readme = "" if ctx.replay else need("tracker.site.readme").refresh_readme(ctx.paths.root, ctx.out_dir)
    return StepResult(
        OK,
        f"{len(report.pages)} pages, {len(report.files)} files in {report.out_dir}{readme}",
        {"site": str(report.index)},
    )


def default_steps(clients: ClientsFactory | None = None) -> list[Step]:
    """The run as `tracker run` and the daemon do it."""
    share = RunShare()
    return [
        Step("scrape", scrape),
        Step("stats", functools.partial(stats, share=share)),
        Step("check", functools.partial(check, share=share)),
        Step("alerts", alerts(clients)),
        Step("steering", steering, optional=True),
        Step("site", functools.partial(site, share=share)),
    ]
