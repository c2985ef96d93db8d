"""The registered predictions: TOML files, their lock, and dated amendments.

A prediction is registered once and never edited: `predictions/registry.lock` holds the
sha256 of every registered file, and `verify_registry` fails if one changed, vanished or
appeared without being registered. A change of interpretation is a new file under
`predictions/amendments/`, registered in the lock like the rest, and shown with its date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.paths import Paths
from tracker.records import ValidationError, parse_instant
from tracker.store import atomic_write_text

LOCK_NAME = "registry.lock"
REQUIRED = (
    "id",
    "title",
    "short",
    "text",
    "published_in",
    "paper_url",
    "registered_at",
    "deadline",
    "evaluator",
    "parameters",
    "decisions",
)


class RegistryError(ValidationError):
    """The registry does not verify: a registered file was edited, removed or added unregistered.

    Nothing may be decided or published from an unverified registry, since an edited threshold
    would silently become the rule (exit 1, the message names the file)."""

    def __init__(self, paths: Paths, problems: list[str]):
        self.problems = problems
        super().__init__(
            "registry",
            f"{'; '.join(problems)}; refusing to decide or publish (see `tracker predictions verify`)",
            source=str(paths.predictions),
        )


@dataclass(frozen=True)
class Amendment:
    """A dated change of interpretation of one prediction.

    `parameters` are the evaluator parameters it sets (e.g. `grace_days`); they apply on top of
    the registered ones, later amendments last, so the reading changes without an edit.
    """

    prediction: str
    date: str
    text: str
    reason: str
    file: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PredictionSpec:
    """One registered prediction, as its TOML file states it."""

    id: str
    title: str
    short: str
    text: str
    published_in: str
    paper_url: str
    registered_at: str
    deadline: str
    evaluator: str
    parameters: dict[str, Any]
    decisions: list[dict[str, str]]
    amendments: list[Amendment] = field(default_factory=list)

    def deadline_day(self) -> dt.date:
        """The UTC day of the deadline: from that day on, the verdict is due."""
        return parse_instant(self.deadline, "deadline").date()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError("toml", str(exc), source=str(path)) from None


def load_spec(path: Path, amendments: list[Amendment]) -> PredictionSpec:
    """One prediction file, checked for every required field."""
    data = _read_toml(path)
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ValidationError(",".join(missing), "missing", source=str(path))
    parse_instant(data["deadline"], "deadline")
    own = [a for a in amendments if a.prediction == data["id"]]
    fields = {key: data[key] for key in REQUIRED}
    fields["parameters"] = {**data["parameters"]}
    for amendment in own:
        fields["parameters"].update(amendment.parameters)
    return PredictionSpec(**fields, amendments=own)


def load_amendments(paths: Paths) -> list[Amendment]:
    """Every amendment file, oldest first."""
    folder = paths.predictions / "amendments"
    out = []
    for path in sorted(folder.glob("*.toml")) if folder.exists() else []:
        data = _read_toml(path)
        out.append(
            Amendment(
                prediction=data["prediction"],
                date=data["date"],
                text=data["text"],
                reason=data.get("reason", ""),
                file=path.name,
                parameters=dict(data.get("parameters", {})),
            )
        )
    return sorted(out, key=lambda a: (a.date, a.file))


def load_specs(paths: Paths) -> list[PredictionSpec]:
    """P1..P7 in order, with their amendments."""
    amendments = load_amendments(paths)
    return [load_spec(path, amendments) for path in sorted(paths.predictions.glob("P*.toml"))]


def load_registered_specs(paths: Paths) -> list[PredictionSpec]:
    """P1..P7 as `load_specs` gives them, after the registry verifies; RegistryError otherwise.

    Everything that decides or publishes reads the predictions through here."""
    require_registry(paths)
    return load_specs(paths)


def require_registry(paths: Paths) -> None:
    """Raise RegistryError unless every registered file matches its sha256 in the lock."""
    problems = verify_registry(paths)
    if problems:
        raise RegistryError(paths, problems)


def registered_files(paths: Paths) -> list[Path]:
    """The files the lock covers: the predictions and their amendments."""
    files = sorted(paths.predictions.glob("P*.toml"))
    folder = paths.predictions / "amendments"
    return files + (sorted(folder.glob("*.toml")) if folder.exists() else [])


def toml_value(value: Any) -> str:
    """A parameter as a TOML literal: booleans and numbers as such, anything else a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def parse_parameter(text: str) -> tuple[str, Any]:
    """`KEY=VALUE` from the command line: VALUE read as a TOML literal, else as a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip().isidentifier():
        raise ValidationError("param", f"expected KEY=VALUE, got {text!r}")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lock_text(paths: Paths) -> str:
    """The lock file's content for the files as they are now."""
    entries = {str(p.relative_to(paths.predictions)): digest(p) for p in registered_files(paths)}
    return json.dumps(entries, indent=2, sort_keys=True) + "\n"


def read_lock(paths: Paths) -> dict[str, str]:
    """The registered digests."""
    path = paths.predictions / LOCK_NAME
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def verify_registry(paths: Paths) -> list[str]:
    """Problems with the registry: edited, missing or unregistered files. Empty when intact."""
    locked = read_lock(paths)
    present = {str(p.relative_to(paths.predictions)): digest(p) for p in registered_files(paths)}
    problems = [
        f"{name}: edited after registration (sha256 {present[name][:12]} != {sha[:12]})"
        for name, sha in sorted(locked.items())
        if name in present and present[name] != sha
    ]
    problems += [f"{name}: registered but missing" for name in sorted(set(locked) - set(present))]
    problems += [
        f"{name}: not registered (run `tracker predictions amend`, never edit)"
        for name in sorted(set(present) - set(locked))
    ]
    if not locked:
        problems.append(f"{LOCK_NAME}: missing or empty")
    return problems


def add_amendment(
    paths: Paths,
    prediction: str,
    date: dt.date,
    text: str,
    reason: str,
    parameters: dict[str, Any] | None = None,
) -> Path:
    """Register a dated amendment: a new file plus its digest in the lock; nothing is edited.

    `parameters` (optional) are evaluator parameters the amendment sets, written as its
    `[parameters]` table."""
    for name, value in (("text", text), ("reason", reason)):
        if not value.strip():
            raise ValidationError(
                name, "empty: an amendment is registered for good, so it must say what and why"
            )
    require_registry(paths)
    if prediction not in {s.id for s in load_specs(paths)}:
        raise ValidationError("prediction", f"unknown prediction {prediction!r}")
    folder = paths.predictions / "amendments"
    number = len(list(folder.glob(f"{date.isoformat()}-{prediction}-*.toml"))) + 1 if folder.exists() else 1
    path = folder / f"{date.isoformat()}-{prediction}-{number}.toml"
    body = {"prediction": prediction, "date": date.isoformat(), "text": text, "reason": reason}
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in body.items()]
    if parameters:
        lines.append("\n[parameters]\n")
        lines += [f"{key} = {toml_value(value)}\n" for key, value in sorted(parameters.items())]
    atomic_write_text(path, "".join(lines))
    atomic_write_text(paths.predictions / LOCK_NAME, lock_text(paths))
    return path
