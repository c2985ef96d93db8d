"""The site's figures: matplotlib SVG, the same bytes for the same data.

Determinism comes from three settings applied to every figure (never globally): a fixed
`svg.hashsalt` (element ids are hashes), text kept as text (`svg.fonttype = none`, so no
glyph paths that depend on the font cache) and no `Date` in the metadata. Figures are built
on `matplotlib.figure.Figure` with the Agg canvas, never through pyplot, so no state leaks
between builds. Each figure carries a title, axis labels and a text alternative for readers
who cannot see it; the pages also show the numbers as tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch

from tracker.records import partial_date_floor

RC = {
    "svg.hashsalt": "cape-tracker",
    "svg.fonttype": "none",
    "text.parse_math": False,  # model names are untrusted text: a '$' must not start mathtext
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.grid": True,
    "grid.color": "#d0d7de",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SVG_METADATA = {"Date": None, "Creator": "cape-tracker"}
SIZE = (7.2, 4.6)

LAB_COLOURS = {
    "Alibaba": "#E69F00",
    "Anthropic": "#D55E00",
    "DeepSeek": "#0072B2",
    "Google": "#009E73",
    "Meta": "#56B4E9",
    "MiniMax": "#CC79A7",
    "Moonshot": "#882255",
    "OpenAI": "#000000",
    "Zhipu": "#999933",
    "xAI": "#6B6B6B",
}
SPARE_COLOURS = ("#117733", "#44AA99", "#332288", "#AA4499", "#88CCEE", "#661100")
COHORT_MARKERS = {"frozen": "o", "post_cutoff": "s", "tracked": "^", "other": "D"}
COHORT_LABELS = {
    "frozen": "frozen panel (fit)",
    "post_cutoff": "post-cutoff (Mar-Apr 2026)",
    "tracked": "new since the papers",
    "other": "other",
}


@dataclass(frozen=True)
class Figure:
    """One rendered figure: the file stem it is saved as, its title, text alternative and SVG."""

    name: str
    title: str
    alt: str
    svg: str


def lab_colour(lab: str) -> str:
    """A fixed colour per lab; labs outside the panel get a stable one from their name."""
    if lab in LAB_COLOURS:
        return LAB_COLOURS[lab]
    digest = int(hashlib.sha256(lab.encode("utf-8")).hexdigest(), 16)
    return SPARE_COLOURS[digest % len(SPARE_COLOURS)]


def _new_figure() -> tuple[MplFigure, object]:
    # Fixed margins rather than a layout engine: constrained layout draws every figure twice.
    fig = MplFigure(figsize=SIZE)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.92)
    return fig, fig.add_subplot()


def _to_svg(fig: MplFigure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def render(name: str, title: str, alt: str, draw) -> Figure:
    """Build a figure with `draw(fig, ax)` under the deterministic settings and return it."""
    with matplotlib.rc_context(RC):
        fig, ax = _new_figure()
        draw(fig, ax)
        ax.set_title(title)
        return Figure(name=name, title=title, alt=alt, svg=_to_svg(fig))


def _number_or_na(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def coupling_scatter(models: Sequence[dict], slope: float, intercept: float, pi_halfwidth: float) -> Figure:
    """SWE-bench Verified vs GPQA Diamond: frozen fit line, 95% band, cohorts and labs marked."""
    outside = [m["model"] for m in models if abs(m["h"]) > pi_halfwidth]
    cohorts = sorted({m["cohort"] for m in models})
    alt = (
        f"Scatter of {len(models)} models, SWE-bench Verified (x, percent) against GPQA Diamond "
        f"(y, percent). The frozen fit GPQA = {slope:.3f} x SWE + {intercept:.1f} is drawn with a "
        f"band of +/-{pi_halfwidth:.1f} points (the papers' 95% prediction interval). Cohorts shown: "
        f"{', '.join(COHORT_LABELS.get(c, c) for c in cohorts)}. "
        f"{len(outside)} model(s) outside the band: {', '.join(outside) or 'none'}."
    )

    def draw(fig, ax):
        xs = [m["swe_bench_verified"] for m in models] or [0.0, 100.0]
        lo, hi = max(0.0, min(xs) - 5), min(100.0, max(xs) + 5)
        line_x = [lo, hi]
        line_y = [slope * x + intercept for x in line_x]
        ax.fill_between(
            line_x,
            [y - pi_halfwidth for y in line_y],
            [y + pi_halfwidth for y in line_y],
            color="#0072B2",
            alpha=0.12,
            linewidth=0,
            label=f"95% band (+/-{pi_halfwidth:.1f})",
        )
        ax.plot(line_x, line_y, color="#0072B2", linewidth=1.5, label="frozen fit")
        for (cohort, lab), group in _groups(models):
            ax.scatter(
                [m["swe_bench_verified"] for m in group],
                [m["gpqa_diamond"] for m in group],
                marker=COHORT_MARKERS.get(cohort, "o"),
                s=34,
                color=lab_colour(lab),
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
            )
        _cohort_and_lab_legend(ax, models)
        ax.set_xlabel("SWE-bench Verified (%)")
        ax.set_ylabel("GPQA Diamond (%)")

    return render("coupling", "Coupling: GPQA Diamond vs SWE-bench Verified", alt, draw)


def _groups(models: Sequence[dict]) -> list[tuple[tuple[str, str], list[dict]]]:
    """Models grouped by (cohort, lab) in a fixed order: one marker collection per group."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for m in sorted(models, key=lambda m: (m["cohort"], m["lab"], m["model_id"])):
        groups.setdefault((m["cohort"], m["lab"]), []).append(m)
    return sorted(groups.items())


def _cohort_and_lab_legend(ax, models: Sequence[dict]) -> None:
    handles, labels = ax.get_legend_handles_labels()
    for cohort in sorted({m["cohort"] for m in models}):
        handles.append(ax.scatter([], [], marker=COHORT_MARKERS.get(cohort, "o"), color="#444444"))
        labels.append(COHORT_LABELS.get(cohort, cohort))
    for lab in sorted({m["lab"] for m in models}):
        handles.append(ax.scatter([], [], marker="o", color=lab_colour(lab)))
        labels.append(lab)
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.figure.subplots_adjust(right=0.68)


def lab_h_bars(labs: dict[str, dict]) -> Figure:
    """Mean h-field per lab: over the core subset (the papers' table) and over all its models."""
    names = sorted(labs)
    alt = (
        "Mean h-field per lab, in GPQA points above (+) or below (-) the frozen fit. "
        + "; ".join(
            f"{lab}: core {_number_or_na(labs[lab].get('h_mean_core'), 1, True)}, all {_number_or_na(labs[lab].get('h_mean'), 1, True)}"
            f" (n={labs[lab].get('n')})"
            for lab in names
        )
        + "."
    )

    def draw(fig, ax):
        ys = range(len(names))
        core = [labs[n].get("h_mean_core") or 0.0 for n in names]
        every = [labs[n].get("h_mean") or 0.0 for n in names]
        ax.barh(
            [y + 0.2 for y in ys],
            core,
            height=0.38,
            color=[lab_colour(n) for n in names],
            label="core subset",
        )
        ax.barh(
            [y - 0.2 for y in ys],
            every,
            height=0.38,
            color=[lab_colour(n) for n in names],
            alpha=0.45,
            hatch="//",
            edgecolor="#333333",
            linewidth=0.4,
            label="all models",
        )
        labels = [f"{n} (n={labs[n].get('n')})" for n in names]
        ax.set_yticks(list(ys), labels)
        ax.invert_yaxis()
        fig.subplots_adjust(left=min(0.45, 0.06 + 0.0095 * max(map(len, labels), default=10)), bottom=0.12)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlabel("mean h-field (GPQA points vs frozen fit)")
        ax.set_ylabel("lab")
        ax.legend(
            handles=[
                Patch(facecolor="#777777", label="core subset"),
                Patch(facecolor="#cccccc", hatch="//", edgecolor="#333333", label="all models"),
            ],
            loc="best",
            fontsize=8,
        )

    return render("h-by-lab", "h-field by lab", alt, draw)


def release_day(model: dict) -> dt.date | None:
    """A model's release day for plotting (earliest day its partial date can mean)."""
    try:
        return partial_date_floor(str(model.get("release_date") or ""))
    except ValueError:
        return None


def h_over_time(models: Sequence[dict], pi_halfwidth: float) -> Figure:
    """Each model's h-field against its release date, coloured by lab."""
    dated = [(release_day(m), m) for m in models]
    shown = sorted(((d, m) for d, m in dated if d is not None), key=lambda p: (p[0], p[1]["model_id"]))
    undated = [m["model"] for d, m in dated if d is None]
    alt = (
        f"h-field of {len(shown)} models by release date (x) in GPQA points above or below the frozen "
        f"fit (y), coloured by lab; dashed lines at +/-{pi_halfwidth:.1f}. "
        f"Not shown for lack of a release date: {', '.join(undated) or 'none'}."
    )

    def draw(fig, ax):
        days = {m["model_id"]: day for day, m in shown}
        for (cohort, lab), group in _groups([m for _, m in shown]):
            ax.scatter(
                [days[m["model_id"]] for m in group],
                [m["h"] for m in group],
                marker=COHORT_MARKERS.get(cohort, "o"),
                s=30,
                color=lab_colour(lab),
                edgecolors="white",
                linewidths=0.5,
                zorder=3,
            )
        ax.axhline(0, color="#333333", linewidth=0.8)
        for y in (pi_halfwidth, -pi_halfwidth):
            ax.axhline(y, color="#0072B2", linewidth=0.8, linestyle="--")
        _cohort_and_lab_legend(ax, [m for _, m in shown])
        ax.set_xlabel("release date (earliest day of the stated month or year)")
        ax.set_ylabel("h-field (GPQA points vs frozen fit)")
        fig.autofmt_xdate()

    return render("h-over-time", "h-field by model over time", alt, draw)


@dataclass(frozen=True)
class Series:
    """One line of an evidence plot: a label and (day, value) points, None for no value that day."""

    label: str
    points: tuple[tuple[dt.date, float | None], ...]


def evidence_over_time(
    name: str,
    title: str,
    ylabel: str,
    series: Iterable[Series],
    thresholds: Iterable[tuple[float, str]],
    deadline: dt.date | None,
    span: tuple[dt.date, dt.date],
) -> Figure:
    """A prediction's statistic evaluated at a run of past days, with its thresholds and deadline.

    `span` is the range of days the x axis shows (the evaluated days and the deadline)."""
    series = [s for s in series if any(v is not None for _, v in s.points)]
    thresholds = list(thresholds)
    parts = []
    for s in series:
        known = [(d, v) for d, v in s.points if v is not None]
        parts.append(
            f"{s.label}: {_number_or_na(known[0][1], 2)} on {known[0][0]} to {_number_or_na(known[-1][1], 2)} on {known[-1][0]}"
        )
    limits = "; ".join(f"{label} at {value:g}" for value, label in thresholds)
    alt = (
        f"{title}. "
        + ("; ".join(parts) if parts else "No value could be computed on any of the days.")
        + (f". Thresholds: {limits}." if limits else "")
        + (f" Deadline {deadline}." if deadline else "")
    )

    def draw(fig, ax):
        for index, s in enumerate(series):
            days = [d for d, v in s.points if v is not None]
            values = [v for _, v in s.points if v is not None]
            ax.plot(
                days,
                values,
                marker="o",
                markersize=3.5,
                linewidth=1.5,
                label=s.label,
                color=SPARE_COLOURS[index % len(SPARE_COLOURS)] if index else "#0072B2",
            )
        styles = ("--", ":", "-.")
        for index, (value, label) in enumerate(thresholds):
            ax.axhline(
                value,
                color="#B3261E" if "fail" in label.lower() else "#1A7F37",
                linestyle=styles[index % len(styles)],
                linewidth=1.0,
                label=label,
            )
        if deadline is not None:
            ax.axvline(deadline, color="#333333", linewidth=0.8, linestyle=":", label=f"deadline {deadline}")
        if not series:
            ax.text(0.5, 0.5, "no value yet", transform=ax.transAxes, ha="center", va="center")
        margin = dt.timedelta(days=max(7, (span[1] - span[0]).days // 30))
        ax.set_xlim(span[0] - margin, span[1] + margin)
        ax.set_xlabel("evaluated as of")
        ax.set_ylabel(ylabel)
        ax.legend(loc="best", fontsize=8)
        fig.autofmt_xdate()

    return render(name, title, alt, draw)
