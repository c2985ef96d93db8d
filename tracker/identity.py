"""Model identity: one canonical id per release, whatever name a source uses for it.

Sources name the same release in many ways ("Claude Opus 4.6", `claude-opus-4-6_32K`,
"Claude 4.6 Opus (20260205)"). Under PREDICTIONS.md G7/G8 what collapses into one release is
an effort or thinking setting, a harness (`-customtools`), a serving variant (fp8, turbo), a
date suffix that only names the same version (`claude-opus-4-5-20251101`) and preview -> GA of
one version; the suffix is kept as the observation's `variant`. A product name (codex, mini,
nano, flash, pro) is a different release, and so is a checkpoint the lab ships as an update
under a short date (`deepseek-r1-0528` is not the January DeepSeek-R1): those are never
stripped, so they can never replace a frozen release's score.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from tracker.records import Model, partial_date_floor

_NON_SLUG = re.compile(r"[^a-z0-9.]+")


def slugify(name: str) -> str:
    """The canonical id form of a display name: lower case, runs of other characters as '-'.

    "Claude 3.5 Sonnet" -> "claude-3.5-sonnet"; "GPT-5.4 std" -> "gpt-5.4-std".
    """
    slug = _NON_SLUG.sub("-", name.strip().lower()).strip("-.")
    if not slug:
        raise ValueError(f"cannot make an id from {name!r}")
    return slug


def models_from_panel(frame: pd.DataFrame) -> list[Model]:
    """Identity rows for every model of the frozen panel (frozen, post-cutoff and other rows).

    The panel's display name is kept as `name` and as the first alias, so that sources using
    the papers' spelling resolve without a hand-made alias.
    """
    models = []
    for row in frame.itertuples(index=False):
        models.append(
            Model(
                model_id=slugify(row.model),
                name=row.model,
                lab=row.lab,
                release_date=row.release_date or "",
                cohort=row.cohort,
                core=bool(row.core),
                frontier=True,
                aliases=(row.model,),
                note=f"frozen panel: {row.source_file}",
            )
        )
    return models


# --- resolving a source's model name to a release -------------------------------------------

_KEY_SEPARATORS = re.compile(r"[^a-z0-9]+")
_EFFORT = re.compile(r"_(?P<part>x?high|medium|low|max|none|unknown|minimal|\d+k)$", re.IGNORECASE)
_SINGLE_DIGIT_VERSION = re.compile(r"(?<![0-9.])(\d)-(\d)(?=$|-)")
_DATE_FORMS = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
# Trailing parts stripped from a name, one at a time, in any order. `variant` parts say how a
# score was obtained (kept in the observation's variant); the others name the same release.
_TRAILERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(r"[-_@](?P<part>\d{4}-\d{2}-\d{2}|20\d{2}[01]\d[0-3]\d)$")),
    ("checkpoint", re.compile(r"-(?P<part>00\d)$")),
    (
        "stage",
        re.compile(r"-(?P<part>preview|exp|experimental|beta|latest)(?:-\d{2}-\d{2})?$", re.IGNORECASE),
    ),
    ("variant", re.compile(r"-(?P<part>customtools)$", re.IGNORECASE)),
    (
        "variant",
        re.compile(r"-(?P<part>non-thinking|thinking|reasoner|non-reasoning|reasoning)$", re.IGNORECASE),
    ),
)
_PACKAGING = re.compile(r"-(?:instruct|it|fp8|hf)$", re.IGNORECASE)

# Irregular spellings (name key -> the spelling that resolves normally). Each one was seen in a
# recorded source response; the comment says where.
ALIASES: dict[str, str] = {
    "claude-4-opus": "claude-opus-4",  # SWE-bench tags: claude-4-opus-20250514
    "claude-4-sonnet": "claude-sonnet-4",  # SWE-bench tags: claude-4-sonnet-20250514
    "kimi-k2p5": "kimi-k2.5",  # Epoch GPQA: fireworks/kimi-k2p5
    "llama-4-maverick-17b-128e": "llama-4-maverick",  # Epoch: Llama-4-Maverick-17B-128E-Instruct(-FP8)
    "llama-4-scout-17b-16e": "llama-4-scout",  # Epoch: Llama-4-Scout-17B-16E-Instruct
    "grok-4-0709": "grok-4",  # Epoch GPQA: grok-4-0709 (the July 2025 Grok 4 release)
}
# API names that point at different releases over time: (name key, source's release date).
DATED_ALIASES: dict[tuple[str, str], str] = {
    ("deepseek-reasoner", "2025-12-01"): "deepseek-v3.2",  # Epoch GPQA, release date of V3.2
    ("deepseek-chat", "2025-12-01"): "deepseek-v3.2",
}
# The frozen panel keeps GPT-5.4 as two rows (std, xhigh); a source's effort picks the row.
EFFORT_SPLITS: dict[str, dict[str, str]] = {
    "gpt-5-4": {"xhigh": "gpt-5.4-xhigh", "": "gpt-5.4-std"},
}

LAB_NAMES: dict[str, str] = {
    "google deepmind": "Google",
    "google": "Google",
    "deepmind": "Google",
    "z.ai (zhipu ai)": "Zhipu",
    "z.ai": "Zhipu",
    "zhipu ai": "Zhipu",
    "zhipu": "Zhipu",
    "zai-org": "Zhipu",
    "meta ai": "Meta",
    "meta": "Meta",
    "facebook": "Meta",
    "mistral ai": "Mistral",
    "mistral": "Mistral",
    "moonshot ai": "Moonshot",
    "moonshot": "Moonshot",
    "moonshotai": "Moonshot",
    "minimax": "MiniMax",
    "deepseek": "DeepSeek",
    "deepseek-ai": "DeepSeek",
    "qwen": "Alibaba",
    "alibaba": "Alibaba",
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "xai": "xAI",
    "microsoft research": "Microsoft",
    "microsoft": "Microsoft",
    "amazon": "Amazon",
    "bytedance": "ByteDance",
    "x-ai": "xAI",
    "z-ai": "Zhipu",
    "zai": "Zhipu",
    "meta-llama": "Meta",
    "mistralai": "Mistral",
    "minimaxai": "MiniMax",
    "google-deepmind": "Google",
    "alibaba cloud": "Alibaba",
}
# A release's lab read from its own name, for sources that leave the organisation empty
# (Epoch's newest rows often do: gpt-5.4-mini). Only families whose maker is unambiguous.
LAB_BY_FAMILY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(gpt|o\d|chatgpt|codex)(-|$)"), "OpenAI"),
    (re.compile(r"^claude(-|$)"), "Anthropic"),
    (re.compile(r"^(gemini|gemma)(-|$)"), "Google"),
    (re.compile(r"^grok(-|$)"), "xAI"),
    (re.compile(r"^deepseek(-|$)"), "DeepSeek"),
    (re.compile(r"^(qwen|qwq)"), "Alibaba"),
    (re.compile(r"^kimi(-|$)"), "Moonshot"),
    (re.compile(r"^glm(-|$)"), "Zhipu"),
    (re.compile(r"^(llama|muse)(-|$)"), "Meta"),
    (re.compile(r"^(mistral|magistral|devstral|codestral|ministral|pixtral|mixtral)(-|$)"), "Mistral"),
    (re.compile(r"^minimax(-|$)"), "MiniMax"),
    (re.compile(r"^nova(-|$)"), "Amazon"),
    (re.compile(r"^phi(-|$)"), "Microsoft"),
)


def name_key(text: str) -> str:
    """The matching form of a name: lower case, any run of other characters as one '-'.

    "Claude Opus 4.6", "claude-opus-4-6" and "claude_opus_4.6" share the key "claude-opus-4-6".
    """
    return _KEY_SEPARATORS.sub("-", text.lower()).strip("-")


def normalise_lab(organization: str) -> str:
    """The panel's lab name for a source's organisation field (first of several, if listed)."""
    first = organization.split(",")[0].strip()
    return LAB_NAMES.get(first.lower(), first)


def infer_lab(name: str) -> str:
    """The lab a model name unambiguously belongs to ("gpt-5.4-mini" -> "OpenAI"), else ''."""
    key = name_key(name.rsplit("/", 1)[-1])
    return next((lab for pattern, lab in LAB_BY_FAMILY if pattern.search(key)), "")


def canonical_id(spelling: str) -> str:
    """The id of a new release: its slug, with dashed single-digit versions as dots.

    "claude-opus-4-1" -> "claude-opus-4.1", so that ids look like the panel's ("claude-opus-4.5").
    """
    return _SINGLE_DIGIT_VERSION.sub(r"\1.\2", slugify(spelling))


@dataclass(frozen=True)
class NameParts:
    """A source's model name taken apart.

    `spellings` run from the most specific (only the effort suffix removed) to the most
    general (dates, preview tags, harness and packaging removed); resolution tries them in
    that order so that "o1-preview" still finds o1-preview before it would become "o1".
    """

    spellings: tuple[str, ...]
    effort: str
    variant: str
    embedded_date: str


def _trailer(name: str) -> tuple[str, re.Match[str]] | None:
    """The first trailing part that can be stripped, if what remains still has a version digit.

    "gpt-5.3-codex" -> "gpt-5.3", but "deepseek-reasoner" is kept whole: a bare family name
    ("deepseek") does not name a release.
    """
    for kind, pattern in _TRAILERS:
        match = pattern.search(name)
        if match and any(c.isdigit() for c in name[: match.start()]):
            return kind, match
    return None


def split_name(raw: str) -> NameParts:
    """Take a source's model name apart (see NameParts); never raises."""
    name = raw.strip().rsplit("/", 1)[-1].strip() or raw.strip()
    effort_match = _EFFORT.search(name)
    effort = effort_match.group("part").lower() if effort_match else ""
    if effort_match and effort_match.start() > 0:
        name = name[: effort_match.start()]
    spellings, embedded = [name], ""
    parts: list[str] = []
    while found := _trailer(name):
        kind, match = found
        name = name[: match.start()]
        spellings.append(name)
        if kind == "variant":
            parts.insert(0, match.group("part").lower())
        elif kind == "date" and not embedded:
            embedded = "-".join(_DATE_FORMS.match(match.group("part")).groups())  # type: ignore[union-attr]
    while (packaging := _PACKAGING.search(name)) and any(c.isdigit() for c in name[: packaging.start()]):
        name = name[: packaging.start()]
        spellings.append(name)
    variant = "+".join([*parts, effort] if effort else parts)
    return NameParts(tuple(dict.fromkeys(spellings)), effort, variant, embedded)


@dataclass(frozen=True)
class Resolution:
    """Where a source's name lands: an existing release (model_id) or a new one (spelling)."""

    model_id: str
    variant: str
    spelling: str
    new_alias: str = ""


class Identity:
    """The identity table in memory: resolves names and grows with new releases and aliases."""

    def __init__(self, models: list[Model]):
        self._models: dict[str, Model] = {}
        self._index: dict[str, str] = {}
        for model in models:
            self.add(model)

    @property
    def models(self) -> list[Model]:
        """Every release, in id order."""
        return [self._models[k] for k in sorted(self._models)]

    def get(self, model_id: str) -> Model | None:
        return self._models.get(model_id)

    def add(self, model: Model) -> None:
        """Add or replace a release and index its id, name and aliases (first claim wins)."""
        self._models[model.model_id] = model
        for text in (model.model_id, model.name, *model.aliases):
            self._index.setdefault(name_key(text), model.model_id)

    def add_alias(self, model_id: str, alias: str) -> None:
        """Record another spelling of a release (kept in models.csv so the mapping is visible)."""
        model = self._models[model_id]
        if alias and "|" not in alias and alias not in model.aliases:
            self.add(dataclasses.replace(model, aliases=(*model.aliases, alias)))

    def resolve(self, raw: str, *, release_date: str = "") -> Resolution:
        """The release a source's name means; model_id '' when it is not in the table yet."""
        parts = split_name(raw)
        first_key = name_key(parts.spellings[0])
        for spelling in parts.spellings:
            spelled = self._respell(name_key(spelling), release_date) or spelling
            key = name_key(spelled)
            if key in EFFORT_SPLITS:
                table = EFFORT_SPLITS[key]
                return Resolution(table.get(parts.effort, table[""]), parts.variant, spelled)
            if key in self._index:
                model_id = self._index[key]
                alias = parts.spellings[0] if first_key not in self._index else ""
                return Resolution(model_id, parts.variant, spelled, alias)
        last = parts.spellings[-1]
        return Resolution("", parts.variant, self._respell(name_key(last), release_date) or last)

    @staticmethod
    def _respell(key: str, release_date: str) -> str:
        return DATED_ALIASES.get((key, release_date)) or ALIASES.get(key, "")


# --- which new releases are frontier releases (PREDICTIONS.md G14) ---------------------------

PANEL_CUTOFF = dt.date(2026, 3, 1)
_SMALL_TIER = re.compile(r"(^|-)(nano|lite|tiny|small|mini|scout|distill)(-|$)|^(gemma|phi)")
_O_SERIES_MINI = re.compile(r"^o\d+-mini")
_NOT_A_MODEL = re.compile(r"(^|-)(multi-agent|agents?|router)(-|$)")  # systems around models (G6)


@dataclass(frozen=True)
class FrontierPolicy:
    """G14 for new rows: flagship or frontier-tier models of the panel's labs, plus any lab
    whose model would place in the panel's top 10 by SWE-bench Verified or GPQA Diamond;
    small families excluded.

    Only releases from PANEL_CUTOFF on qualify: the frozen panel's newest release is dated
    2026-03 (GPT-5.4), and an older model the papers left out must not join the cumulative
    panel (G3) retroactively. A release without a date cannot be placed and does not qualify.
    """

    panel_labs: frozenset[str]
    top10: dict[str, float]
    cutoff: dt.date = PANEL_CUTOFF

    @classmethod
    def from_panel(cls, frame: pd.DataFrame) -> FrontierPolicy:
        """Labs and top-10 thresholds of the frozen cohort of the papers' panel."""
        frozen = frame[frame["cohort"] == "frozen"]
        top10 = {}
        for benchmark in ("swe_bench_verified", "gpqa_diamond"):
            values = sorted(frozen[benchmark].dropna(), reverse=True)
            top10[benchmark] = float(values[min(9, len(values) - 1)])
        return cls(frozenset(frozen["lab"]), top10)

    def is_frontier(self, name: str, lab: str, release_date: str, scores: dict[str, float]) -> bool:
        """Whether a new release is eligible for the cumulative frontier panel."""
        try:
            day = partial_date_floor(release_date)
        except ValueError:
            return False
        key = name_key(name)
        if day is None or day < self.cutoff or (_SMALL_TIER.search(key) and not _O_SERIES_MINI.match(key)):
            return False
        if _NOT_A_MODEL.search(key):
            return False
        if lab in self.panel_labs:
            return True
        return any(scores.get(b, float("-inf")) >= t for b, t in self.top10.items())
