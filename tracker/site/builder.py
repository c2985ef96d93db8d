"""The static status site: site/ templates rendered with jinja2 into _site/.

`build_site(paths, as_of, out_dir)` gathers the data (tracker.site.data), renders every page,
figure and feed into a temporary folder beside `out_dir`, then swaps it in, so a crash never
leaves half a site. The output is a pure function of the data: no wall clock, sorted
iteration everywhere, deterministic SVG (tracker.site.plots), so the same data gives the same bytes.
Every template is autoescaped, the Atom feed included: model names and source strings are
untrusted input, and links to sources are written only for http(s) URLs.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from tracker.panel import PanelSource
from tracker.paths import Paths
from tracker.records import BENCHMARK_LABELS, BENCHMARKS, parse_instant
from tracker.site import answer, labels, plots
from tracker.site.config import load_site_config
from tracker.site.data import SiteData, collect
from tracker.site.feeds import (
    LICENCE_LINE,
    all_entries,
    badge,
    badge_markdown,
    badge_width,
    describe,
    dump_json,
    entry_uuid,
    event_target,
    models_api,
    models_csv,
    safe_url,
    status_api,
    status_key,
    status_words,
)
from tracker.site.figures import coupling_figures, prediction_figure
from tracker.site.freshness import newest_data_day
from tracker.site.glossary import TERMS, definition
from tracker.verdicts.predictions import Verdict

NAV = (
    ("index.html", "Status"),
    ("coupling.html", "Coupling"),
    ("phase.html", "Phase calculator"),
    ("models.html", "Models"),
    ("steering.html", "Steering"),
    ("sources.html", "Sources"),
    ("events.html", "Events"),
    ("glossary.html", "Glossary"),
    ("about.html", "About"),
)


MODELS_SHOWN = 1000  # rows of the models page; the whole table is models.csv and api/models.json
EVIDENCE_SHOWN = 200  # rows of a prediction's evidence table; all of them are in api/status.json
SUMMARY = (
    "the seven predictions of arXiv 2605.18838 and 2605.18840, checked daily against public leaderboards."
)


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote: the folder, its index page, the HTML pages and every file."""

    out_dir: Path
    index: Path
    pages: tuple[str, ...]
    files: tuple[str, ...]


@dataclass(frozen=True)
class Output:
    """One file of the site: its path under the root and its text."""

    path: str
    text: str


def fmt_number(value: Any, digits: int = 1, signed: bool = False) -> str:
    """A number for a table cell; 'n/a' for a missing one."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return "n/a" if value is None else str(value)
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def fmt_value(value: Any) -> str:
    """Any stated or recomputed value (number, claim text, list of names) as short text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}" if value and abs(value) < 1e-3 else f"{round(value, 4):g}"
    if isinstance(value, list):
        return ", ".join(fmt_value(v) for v in value) or "none"
    return "n/a" if value is None else str(value)


def r_ci_text(r: Any, n: Any) -> str:
    """'(0.57 to 0.86)': the 95% confidence interval of a Pearson r, '' where it is undefined."""
    ci = plots.pearson_ci(r if isinstance(r, float) else None, int(n or 0))
    return f"({ci[0]:.2f} to {ci[1]:.2f})" if ci else ""


def match_word(value: Any) -> str | None:
    """A reproduction check's match flag ('yes'/'no' or a bool) as 'yes', 'no' or None."""
    if value is True or value == "yes":
        return "yes"
    if value is False or value == "no":
        return "no"
    return None


def environment(templates: Path) -> jinja2.Environment:
    """The jinja environment: autoescape on for every template, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=fmt_number,
        value=fmt_value,
        safe_url=safe_url,
        status_words=status_words,
        status_key=status_key,
        bench=lambda b: BENCHMARK_LABELS.get(b, b),
        describe=describe,
        match=match_word,
        lab_colour=plots.lab_colour,
        would_be=answer.would_be,
        would_be_words=answer.would_be_words,
        definition=definition,
        released=labels.released,
        score_page=labels.score_page,
        open_weights=labels.open_weights,
        tier_words=labels.tier_words,
        badge_width=badge_width,
        r_ci=r_ci_text,
    )
    return env


def _prediction_events(data: SiteData, pid: str) -> list:
    return [e for e in data.events if e.payload.get("prediction") == pid]


def page_contexts(data: SiteData) -> Iterator[tuple[str, str, dict]]:
    """(output path, template, page-specific context) for every HTML page."""
    yield (
        "index.html",
        "index.html.j2",
        {"title": "Status", "description": answer.top_line_text(data.verdicts)},
    )
    for verdict in data.verdicts:
        pid = verdict["id"]
        rows = verdict.get("evidence", {}).get("rows") or []
        reading = answer.answer(verdict)
        yield (
            f"predictions/{pid}.html",
            "prediction.html.j2",
            {
                "title": f"{pid}: {verdict.get('title', '')}",
                "description": f"{reading.sentence} Deadline {str(verdict.get('deadline', ''))[:10]}.",
                "v": verdict,
                "a": reading,
                "cols": [b for b in BENCHMARKS if any(b in row for row in rows)],
                "history": data.history.get(pid, []),
                "ledger": _prediction_events(data, pid),
            },
        )
    for name, title in (
        ("coupling", "Coupling"),
        ("phase", "Phase calculator"),
        ("models", "Models"),
        ("steering", "Steering results"),
        ("sources", "Sources"),
        ("events", "Events"),
        ("glossary", "Glossary"),
        ("about", "About"),
    ):
        yield f"{name}.html", f"{name}.html.j2", {"title": title, "description": f"{title}: {SUMMARY}"}


def source_rows(data: SiteData) -> list[dict]:
    """data/sources.json as table rows, with the age of each last success as of the build day."""
    rows = []
    for name, entry in sorted(data.sources.items()):
        entry = entry if isinstance(entry, dict) else {}
        success = entry.get("last_success") or ""
        try:
            age = (data.as_of - parse_instant(success, "last_success").date()).days if success else None
        except ValueError:
            age = None
        rows.append(
            {
                "name": name,
                "url": entry.get("url"),
                "status": entry.get("status") or "unknown",
                "last_success": success,
                "last_attempt": entry.get("last_attempt") or "",
                "age_days": age,
                "records": entry.get("records"),
                "new": entry.get("new"),
                "error": entry.get("error") or "",
            }
        )
    return rows


def shared_decisions(data: SiteData) -> list[dict]:
    """The global decisions (G-rules, not the per-prediction `Pn-x` ones), with the predictions citing them."""
    seen: dict[str, dict] = {}
    for verdict in data.verdicts:
        for decision in verdict.get("decisions") or []:
            entry = seen.setdefault(decision["id"], {**decision, "predictions": []})
            entry["predictions"].append(verdict["id"])
    shared = [d for d in seen.values() if not d["id"].startswith("P")]
    return sorted(shared, key=lambda d: (len(d["id"]), d["id"]))


def models_newest_first(panel: list[dict]) -> list[dict]:
    """Panel rows by release day, newest first, undated last; ties by name."""
    by_name = sorted(panel, key=lambda m: (str(m.get("model")), str(m.get("model_id"))))
    return sorted(by_name, key=lambda m: str(m.get("release_day") or ""), reverse=True)


def common_context(data: SiteData, base_url: str) -> dict:
    """Names every template may use."""
    return {
        "data": data,
        "as_of": data.as_of.isoformat(),
        "built_at": data.built_at,
        "nav": NAV,
        "benchmarks": BENCHMARKS,
        "base_url": base_url,
        "sources": source_rows(data),
        "decisions": shared_decisions(data),
        "models": models_newest_first(data.panel)[:MODELS_SHOWN],
        "models_total": len(data.panel),
        "evidence_shown": EVIDENCE_SHOWN,
        "target": functools.partial(event_target, known_models=known_models(data)),
        "last_update": newest_data_day(data.source_ages),
        "source_ages": data.source_ages,
        "project_url": data.project_url,
        "top": answer.top_line(data.verdicts),
        "answers": {v["id"]: answer.answer(v) for v in data.verdicts},
        "glossary": TERMS,
        "licence_line": LICENCE_LINE,
        "badge_markdown": functools.partial(badge_markdown, base_url=base_url),
    }


def known_models(data: SiteData) -> frozenset[str]:
    """The model ids the models page has a row (an anchor) for."""
    return frozenset(str(r.get("model_id")) for r in data.panel)


def render_pages(
    env: jinja2.Environment, data: SiteData, figures: dict[str, plots.Figure], base_url: str
) -> list[Output]:
    """Every HTML page; `root` is the relative way back to the site root from each page."""
    common = common_context(data, base_url)
    outputs = []
    for path, template, context in page_contexts(data):
        root = "../" * path.count("/")
        html = env.get_template(template).render(**common, **context, root=root, page=path, figures=figures)
        outputs.append(Output(path, html))
    return outputs


def feed_outputs(env: jinja2.Environment, data: SiteData, base_url: str) -> list[Output]:
    """feed.atom, the JSON API and one badge per prediction."""
    entries = all_entries(data.events, data.history, base_url, known_models(data))
    atom = env.get_template("feed.atom.j2").render(
        entries=entries,
        updated=entries[0]["updated"] if entries else data.built_at,
        base_url=base_url,
        feed_id=entry_uuid("cape-tracker:feed", base_url or "cape-tracker"),
    )
    outputs = [
        Output("feed.atom", atom),
        Output(
            "api/status.json", dump_json(status_api(data.verdicts, data.as_of.isoformat(), data.built_at))
        ),
        Output("api/models.json", dump_json(models_api(data.panel, BENCHMARKS, data.as_of.isoformat()))),
        Output("models.csv", models_csv(models_newest_first(data.panel), BENCHMARKS)),
    ]
    outputs += [Output(f"badges/{v['id']}.json", dump_json(badge(v))) for v in data.verdicts]
    outputs += [badge_svg(env, v) for v in data.verdicts]
    return outputs


def badge_svg(env: jinja2.Environment, verdict: dict) -> Output:
    """badges/Pn.svg: the badge drawn here, in the site's colours (the preview on the about page)."""
    shape = badge(verdict)
    svg = env.get_template("badge.svg.j2").render(
        label=shape["label"], message=shape["message"], colour=shape["color"]
    )
    return Output(f"badges/{verdict['id']}.svg", svg)


def all_figures(data: SiteData) -> dict[str, plots.Figure]:
    """Every figure of the site by name, drawn once per build."""
    figures = list(coupling_figures(data)) + [prediction_figure(data, v) for v in data.verdicts]
    return {f.name: f for f in figures}


def render_site(data: SiteData, templates: Path, base_url: str = "") -> list[Output]:
    """All text files of the site, rendered from `data` (pure: no file is read but templates)."""
    env = environment(templates / "templates")
    figures = all_figures(data)
    svgs = [Output(f"figures/{name}.svg", f.svg) for name, f in sorted(figures.items())]
    return render_pages(env, data, figures, base_url) + feed_outputs(env, data, base_url) + svgs


def write_tree(outputs: list[Output], static: Path, folder: Path) -> list[str]:
    """Write the rendered files and copy site/static/ into `folder`; the relative paths written."""
    written = []
    for output in outputs:
        target = folder / output.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.text.encode("utf-8"))
        written.append(output.path)
    for source in sorted(p for p in static.rglob("*") if p.is_file()):
        relative = Path("static") / source.relative_to(static)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / relative)
        written.append(relative.as_posix())
    return sorted(written)


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `staging` with two renames; the old site is removed afterwards."""
    previous = None
    if out_dir.exists():
        previous = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, previous / "site")
    os.replace(staging, out_dir)
    if previous is not None:
        shutil.rmtree(previous)


def publish(outputs: list[Output], static: Path, out_dir: Path) -> list[str]:
    """Write the site beside `out_dir` and swap it in; a failure leaves the old site untouched."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.build-", dir=out_dir.parent))
    try:
        os.chmod(staging, 0o755)
        written = write_tree(outputs, static, staging)
        swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def build_from_data(data: SiteData, templates: Path, out_dir: Path, base_url: str = "") -> BuildReport:
    """Render `data` with the templates in `templates` (site/) and publish into `out_dir`."""
    written = publish(render_site(data, templates, base_url), templates / "static", out_dir)
    pages = tuple(p for p in written if p.endswith(".html"))
    return BuildReport(
        out_dir=out_dir.resolve(), index=out_dir.resolve() / "index.html", pages=pages, files=tuple(written)
    )


def build_site(
    paths: Paths,
    as_of,
    out_dir: Path,
    base_url: str | None = None,
    *,
    source: PanelSource | None = None,
    verdicts: list[Verdict] | None = None,
    current: dict | None = None,
) -> BuildReport:
    """Build the whole site from data/ as of `as_of` into `out_dir` (see the module docstring).

    A run passes the panels `source`, verdicts and current statistics it has just computed
    (see tracker.site.data.collect); without them the build computes its own. Without a
    `base_url` the one of tracker.toml's [site] section is used (empty: relative links only).
    """
    base_url = load_site_config(paths.root).url if base_url is None else base_url
    data = collect(paths, as_of, source=source, verdicts=verdicts, current=current)
    return build_from_data(data, paths.site_templates, out_dir, base_url)
