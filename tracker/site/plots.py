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
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.patches import Patch

from tracker.records import partial_date_floor

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

RC: dict[RcKeyType, Any] = {
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
NARROW_SIZE = (3.9, 5.0)  # a phone's width: the same figure, drawn for 390 CSS pixels

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
    caption: str = ""
    points: tuple[Point, ...] = ()
    width: int = 720
    height: int = 460


@dataclass(frozen=True)
class Point:
    """A drawn point a reader can hover: where it is on the figure (100 units an inch, so
    720 x 460 for the usual size, y down) and what its tooltip says."""

    x: float
    y: float
    text: str


def lab_colour(lab: str) -> str:
    """A fixed colour per lab; labs outside the panel get a stable one from their name."""
    if lab in LAB_COLOURS:
        return LAB_COLOURS[lab]
    digest = int(hashlib.sha256(lab.encode("utf-8")).hexdigest(), 16)
    return SPARE_COLOURS[digest % len(SPARE_COLOURS)]


def _new_figure(size: tuple[float, float] = SIZE) -> tuple[MplFigure, Any]:
    # Fixed margins rather than a layout engine: constrained layout draws every figure twice.
    fig = MplFigure(figsize=size)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.17, top=0.92)
    return fig, fig.add_subplot()


def _to_svg(fig: MplFigure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue()


def render(
    name: str, title: str, alt: str, draw, caption: str = "", size: tuple[float, float] = SIZE
) -> Figure:
    """Build a figure with `draw(fig, ax)` under the deterministic settings and return it.

    `draw` may return the hoverable points as (x, y, text) in data coordinates; they are
    placed on the figure once the layout is final."""
    with matplotlib.rc_context(RC):
        fig, ax = _new_figure(size)
        hover = draw(fig, ax) or []
        ax.set_title(title)
        svg = _to_svg(fig)
        width, height = round(size[0] * 100), round(size[1] * 100)
        return Figure(name, title, alt, svg, caption, tuple(_placed(fig, ax, hover)), width, height)


def _placed(fig: MplFigure, ax, hover: Sequence[tuple[float, float, str]]) -> list[Point]:
    """Data coordinates -> the figure's box (100 units an inch, y down), inside the axes only."""
    if not hover:
        return []
    width, height = fig.get_size_inches() * 100
    xy = ax.transData.transform([(x, y) for x, y, _ in hover])
    box = ax.get_window_extent()
    to_figure = fig.transFigure.inverted()
    points = []
    for (px, py), (_, _, text) in zip(xy, hover, strict=True):
        if not (box.x0 - 1 <= px <= box.x1 + 1 and box.y0 - 1 <= py <= box.y1 + 1):
            continue
        fx, fy = to_figure.transform((px, py))
        points.append(Point(round(fx * width, 1), round((1 - fy) * height, 1), text))
    return points


def _number_or_na(value: float | None, digits: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


DENSE = 400  # above this many models, the tracked cohort is drawn as a density, not point by point
LABELLED_OUTLIERS = 12  # at most this many models outside the band get a direct label


def tooltip(model: dict) -> str:
    """What hovering a model's point says: name, lab, release date with its precision, both
    scores with their sources, and h."""
    released = str(model.get("release_date") or "") or "unknown"
    precision = {4: " (year)", 7: " (month)"}.get(len(released), "")
    swe_source = f" ({model['swe_source']})" if model.get("swe_source") else ""
    gpqa_source = f" ({model['gpqa_source']})" if model.get("gpqa_source") else ""
    return (
        f"{model['model']} · {model['lab']} · released {released}{precision} · "
        f"SWE-bench Verified {_number_or_na(model['swe_bench_verified'])}{swe_source} · "
        f"GPQA Diamond {_number_or_na(model['gpqa_diamond'])}{gpqa_source} · h {_number_or_na(model.get('h'), 1, True)}"
    )


def pearson_ci(r: float | None, n: int, z: float = 1.959963984540054) -> tuple[float, float] | None:
    """The 95% confidence interval of Pearson's r by Fisher's z transform (None below n = 4)."""
    if r is None or n < 4 or abs(r) >= 1:
        return None
    centre, half = math.atanh(r), z / math.sqrt(n - 3)
    return math.tanh(centre - half), math.tanh(centre + half)


def coupling_scatter(
    models: Sequence[dict],
    slope: float,
    intercept: float,
    pi_halfwidth: float,
    r: float | None = None,
    narrow: bool = False,
) -> Figure:
    """SWE-bench Verified vs GPQA Diamond: frozen fit line, 95% band (clipped to 0-100),
    cohorts and labs marked, outliers and post-cutoff releases labelled by name.

    Up to DENSE models every model is a point with a tooltip. Above it the tracked cohort
    is drawn as a density image (its cost stops growing with n) and only the points a reader
    can still tell apart (the papers' cohorts and the labelled outliers) keep a tooltip."""
    outside = sorted(
        (m for m in models if abs(m["h"]) > pi_halfwidth), key=lambda m: (-abs(m["h"]), m["model_id"])
    )
    dense = len(models) > DENSE
    named = {m["model_id"] for m in outside[: LABELLED_OUTLIERS // (3 if narrow else 1)]}
    shown = [m for m in models if not dense or m["cohort"] != "tracked" or m["model_id"] in named]
    labelled = named | {m["model_id"] for m in models if m["cohort"] == "post_cutoff" and not narrow}
    cohorts = sorted({m["cohort"] for m in models})
    ci = pearson_ci(r, len(models))
    r_text = "" if r is None else f"r = {r:.2f}" + (f" (95% CI {ci[0]:.2f} to {ci[1]:.2f})" if ci else "")
    listed = ", ".join(m["model"] for m in outside[:40]) + (
        f" and {len(outside) - 40} more" if len(outside) > 40 else ""
    )
    alt = (
        f"Scatter of {len(models)} models, SWE-bench Verified (x, percent) against GPQA Diamond "
        f"(y, percent). The frozen fit GPQA = {slope:.3f} x SWE + {intercept:.1f} is drawn with a "
        f"band of +/-{pi_halfwidth:.1f} points (the papers' 95% prediction interval). Cohorts shown: "
        f"{', '.join(COHORT_LABELS.get(c, c) for c in cohorts)}. "
        + (f"{r_text}. " if r_text else "")
        + (
            f"The {sum(m['cohort'] == 'tracked' for m in models)} tracked models are drawn as a density. "
            if dense
            else ""
        )
        + f"{len(outside)} model(s) outside the band: {listed or 'none'}."
    )
    caption = (
        "Percent correct on each benchmark; line: the papers' frozen fit, shaded: its 95% band. "
        + (f"{r_text} over {len(models)} models. " if r_text else "")
        + "Named: post-cutoff releases and the models farthest outside the band. "
        + "Sources: the papers, Epoch AI, the SWE-bench leaderboard and vendor reports (see the models table)."
    )

    def draw(fig, ax):
        xs = [m["swe_bench_verified"] for m in models] or [0.0, 100.0]
        lo, hi = max(0.0, min(xs) - 5), min(100.0, max(xs) + 5)
        line_x = [lo, hi]
        line_y = [slope * x + intercept for x in line_x]
        ax.fill_between(
            line_x,
            [min(100.0, max(0.0, y - pi_halfwidth)) for y in line_y],
            [min(100.0, max(0.0, y + pi_halfwidth)) for y in line_y],
            color="#0072B2",
            alpha=0.12,
            linewidth=0,
            label=f"95% band (+/-{pi_halfwidth:.1f})",
        )
        ax.plot(line_x, line_y, color="#0072B2", linewidth=1.5, label="frozen fit")
        if dense:
            _density(ax, [m for m in models if m["cohort"] == "tracked"], (lo, hi))
        for (cohort, lab), group in _groups(shown):
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
        for m in sorted(shown, key=lambda m: m["model_id"]):
            if m["model_id"] in labelled:
                ax.annotate(
                    m["model"][:28],
                    (m["swe_bench_verified"], m["gpqa_diamond"]),
                    xytext=(4, 3),
                    textcoords="offset points",
                    fontsize=7,
                    color="#333333",
                )
        _cohort_and_lab_legend(ax, models, below=narrow)
        ax.set_xlim(lo, hi)
        ys = [m["gpqa_diamond"] for m in models] or line_y
        ax.set_ylim(max(0.0, min(min(ys), min(line_y) - pi_halfwidth) - 3), min(100.0, max(ys) + 3))
        ax.set_xlabel("SWE-bench Verified (%)")
        ax.set_ylabel("GPQA Diamond (%)")
        return [(m["swe_bench_verified"], m["gpqa_diamond"], tooltip(m)) for m in shown]

    if narrow:
        return render("coupling-narrow", "GPQA vs SWE-bench", alt, draw, caption, NARROW_SIZE)
    return render("coupling", "Coupling: GPQA Diamond vs SWE-bench Verified", alt, draw, caption)


def _density(ax, models: Sequence[dict], x_range: tuple[float, float], bins: int = 60) -> None:
    """The models as a 2-D histogram image: one raster whatever their number."""
    if not models:
        return
    xs = [m["swe_bench_verified"] for m in models]
    ys = [m["gpqa_diamond"] for m in models]
    counts, x_edges, y_edges = np.histogram2d(xs, ys, bins=bins, range=[list(x_range), [0.0, 100.0]])
    shown = np.ma.masked_equal(counts.T, 0)
    ax.imshow(
        shown,
        origin="lower",
        extent=(x_edges[0], x_edges[-1], y_edges[0], y_edges[-1]),
        aspect="auto",
        cmap="Greys",
        alpha=0.7,
        interpolation="nearest",
        zorder=2,
        label=f"tracked models, density ({len(models)})",
    )


def _groups(models: Sequence[dict]) -> list[tuple[tuple[str, str], list[dict]]]:
    """Models grouped by (cohort, lab) in a fixed order: one marker collection per group."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for m in sorted(models, key=lambda m: (m["cohort"], m["lab"], m["model_id"])):
        groups.setdefault((m["cohort"], m["lab"]), []).append(m)
    return sorted(groups.items())


def _cohort_and_lab_legend(ax, models: Sequence[dict], below: bool = False) -> None:
    handles, labels = ax.get_legend_handles_labels()
    for cohort in sorted({m["cohort"] for m in models}):
        handles.append(ax.scatter([], [], marker=COHORT_MARKERS.get(cohort, "o"), color="#444444"))
        labels.append(COHORT_LABELS.get(cohort, cohort))
    for lab in sorted({m["lab"] for m in models}):
        handles.append(ax.scatter([], [], marker="o", color=lab_colour(lab)))
        labels.append(lab)
    if below:
        ax.legend(
            handles,
            labels,
            loc="upper center",
            bbox_to_anchor=(0.45, -0.14),
            ncol=2,
            fontsize=8,
            frameon=False,
        )
        ax.figure.subplots_adjust(left=0.17, right=0.96, bottom=0.42, top=0.93)
        return
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
    """A model's release day for plotting: the lab's own day when the release date is only a
    month or a year (never 1 January for "2025"), else the earliest day the date can mean."""
    if model.get("first_party_day"):
        return dt.date.fromisoformat(str(model["first_party_day"]))
    try:
        return partial_date_floor(str(model.get("release_date") or ""))
    except ValueError:
        return None


def h_over_time(models: Sequence[dict], pi_halfwidth: float) -> Figure:
    """Each model's h-field against its release date, coloured by lab (the tracked cohort as
    a density above DENSE models, as on the scatter)."""
    dated = [(release_day(m), m) for m in models]
    shown = sorted(((d, m) for d, m in dated if d is not None), key=lambda p: (p[0], p[1]["model_id"]))
    undated = [m["model"] for d, m in dated if d is None]
    dense = len(shown) > DENSE
    points = [(d, m) for d, m in shown if not dense or m["cohort"] != "tracked"]
    listed = ", ".join(undated[:40]) + (f" and {len(undated) - 40} more" if len(undated) > 40 else "")
    alt = (
        f"h-field of {len(shown)} models by release date (x) in GPQA points above or below the frozen "
        f"fit (y), coloured by lab; dashed lines at +/-{pi_halfwidth:.1f}. "
        + (f"The {len(shown) - len(points)} tracked models are drawn as a density. " if dense else "")
        + f"Not shown for lack of a release date: {listed or 'none'}."
    )
    caption = (
        "h-field in GPQA points: positive means more reasoning than the coding score predicts; dashed: the "
        f"95% band (+/-{pi_halfwidth:.1f}). Release dates given only as a month or a year are drawn at their first day."
    )

    def draw(fig, ax):
        days = {m["model_id"]: day for day, m in points}
        if dense:
            tracked = [(d, m) for d, m in shown if m["cohort"] == "tracked"]
            ax.hist2d(
                [mdates.date2num(d) for d, _ in tracked],
                [m["h"] for _, m in tracked],
                bins=60,
                cmin=1,
                cmap="Greys",
                rasterized=True,
                zorder=2,
            )
        for (cohort, lab), group in _groups([m for _, m in points]):
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
        return [(mdates.date2num(d), m["h"], tooltip(m)) for d, m in points]

    return render("h-over-time", "h-field by model over time", alt, draw, caption)


@dataclass(frozen=True)
class Series:
    """One line of an evidence plot: a label and (day, value) points, None for no value that day."""

    label: str
    points: tuple[tuple[dt.date, float | None], ...]


@dataclass(frozen=True)
class Zone:
    """A band of the statistic where a rule holds: `kind` is "pass" or "fail"."""

    low: float
    high: float
    kind: str


ZONE_COLOURS = {"pass": "#1A7F37", "fail": "#B3261E"}


def evidence_over_time(
    name: str,
    title: str,
    ylabel: str,
    series: Iterable[Series],
    thresholds: Iterable[tuple[float, str]],
    deadline: dt.date | None,
    span: tuple[dt.date, dt.date],
    *,
    zones: Iterable[Zone] = (),
    counts: Series | None = None,
    empty_text: str = "no value yet",
    caption: str = "",
) -> Figure:
    """A prediction's statistic evaluated at a run of past days, with its thresholds and deadline.

    `span` is the range of days the x axis shows (the evaluated days and the deadline). The
    `zones` where the statistic passes or fails are shaded; `counts` (the n each value rests
    on) is drawn on a right-hand axis; each line is labelled at its last point, its labels
    pushed apart so that close lines stay readable. With no value, `empty_text` says why."""
    series = [s for s in series if any(v is not None for _, v in s.points)]
    thresholds, zones = list(thresholds), list(zones)
    parts = []
    for s in series:
        known = [(d, v) for d, v in s.points if v is not None]
        parts.append(
            f"{s.label}: {_number_or_na(known[0][1], 2)} on {known[0][0]} to "
            f"{_number_or_na(known[-1][1], 2)} on {known[-1][0]}"
        )
    if counts is not None and any(v is not None for _, v in counts.points):
        last = [(d, v) for d, v in counts.points if v is not None][-1]
        parts.append(f"{counts.label}: {last[1]:g} on {last[0]}")
    limits = "; ".join(f"{label} at {value:g}" for value, label in thresholds)
    alt = (
        f"{title}. "
        + ("; ".join(parts) if parts else f"No value could be computed on any of the days: {empty_text}")
        + (f". Thresholds: {limits}." if limits else "")
        + (f" Deadline {deadline}." if deadline else "")
    )

    def draw(fig, ax):
        hover = []
        for index, s in enumerate(series):
            days = [d for d, v in s.points if v is not None]
            values = [v for _, v in s.points if v is not None]
            ax.plot(
                days,
                values,
                marker="os^D"[index % 4],
                markersize=4,
                linewidth=1.5,
                linestyle="-" if index == 0 else (0, (4, 1.5)),
                label=s.label,
                color=SPARE_COLOURS[index % len(SPARE_COLOURS)] if index else "#0072B2",
                zorder=4,
            )
            hover += [
                (mdates.date2num(d), v, f"{s.label}: {v:.2f} as of {d}")
                for d, v in zip(days, values, strict=True)
            ]
        _shade(ax, zones)
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
            ax.text(
                0.5, 0.5, _wrapped(empty_text), transform=ax.transAxes, ha="center", va="center", fontsize=9
            )
        margin = dt.timedelta(days=max(7, (span[1] - span[0]).days // 30))
        ax.set_xlim(span[0] - margin, span[1] + margin)
        _direct_labels(ax, series)
        if counts is not None:
            _counts_axis(ax, counts)
        ax.set_xlabel("evaluated as of")
        ax.set_ylabel(ylabel)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(
                loc="upper left", bbox_to_anchor=(1.08 if counts else 1.01, 1.0), fontsize=8, frameon=False
            )
        fig.subplots_adjust(right=0.62 if counts else 0.68)
        fig.autofmt_xdate()
        return hover

    return render(name, title, alt, draw, caption)


def _shade(ax, zones: Sequence[Zone]) -> None:
    """Shade each zone, clipped to what the axis shows (and to the zone's own ends)."""
    if not zones:
        return
    low, high = ax.get_ylim()
    edges = [z.low for z in zones if math.isfinite(z.low)] + [z.high for z in zones if math.isfinite(z.high)]
    low, high = min([low] + edges), max([high] + edges)
    pad = (high - low) * 0.1 or 1.0
    low, high = low - pad, high + pad
    for zone in zones:
        ax.axhspan(
            max(zone.low, low),
            min(zone.high, high),
            color=ZONE_COLOURS[zone.kind],
            alpha=0.1,
            linewidth=0,
            label=f"{zone.kind} zone",
            zorder=1,
        )
    ax.set_ylim(low, high)


def _direct_labels(ax, series: Sequence[Series]) -> None:
    """Each line's name at its last point, inside the axes: the lowest line's below it, the
    others' above theirs, so that two lines that end close together keep apart labels."""
    ends = []
    for s in series:
        known = [(d, v) for d, v in s.points if v is not None]
        if known:
            ends.append((known[-1][1], known[-1][0], s.label))
    for index, (value, day, label) in enumerate(sorted(ends)):
        below = index == 0 and len(ends) > 1
        ax.annotate(
            label,
            (day, value),
            xytext=(0, -7 if below else 7),
            textcoords="offset points",
            ha="right",
            va="top" if below else "bottom",
            fontsize=8,
        )


def _counts_axis(ax, counts: Series) -> None:
    """n on a right-hand axis, as grey steps (what a correlation's verdict also rests on)."""
    days = [d for d, v in counts.points if v is not None]
    values = [v for _, v in counts.points if v is not None]
    right = ax.twinx()
    right.step(days, values, where="post", color="#777777", linewidth=1.2, label=counts.label, zorder=2)
    right.set_ylim(0, max(values + [1.0]) * 1.3)
    right.set_ylabel(counts.label, color="#555555")
    right.grid(False)
    right.spines["right"].set_visible(True)


def _wrapped(text: str, width: int = 60) -> str:
    """`text` broken into lines of about `width` characters (matplotlib does not wrap)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line] if line else lines)
