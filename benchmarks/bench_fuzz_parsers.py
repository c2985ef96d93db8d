"""Long fuzz run of every source parser: at least 100,000 inputs each.

`python -m benchmarks.bench_fuzz_parsers [N] [NAME ...]` feeds each parser (or those whose name
starts with a NAME) N inputs (default 100,000):
half random byte strings (0-4 KiB), half real recorded responses (tests/fixtures) with 1-4
random edits (byte flips, insertions, deletions, truncation, duplicated slices); for the zips
(Epoch, HELM, LLMStats), half of the edited inputs carry the edits inside a member and are
re-zipped, so that the CSV or JSON path behind the zip is reached. Each input must give a list of records or a ParseError; anything else is a bug and is printed with its
seed. Deterministic (fixed seeds), split over the CPU's cores.
"""

from __future__ import annotations

import gzip
import io
import json
import multiprocessing
import os
import random
import sys
import time
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

from tracker.scrapers import (
    epoch,
    helm,
    hf_hub,
    hle,
    llmstats,
    models_dev,
    openrouter,
    scale_hle,
    swebench,
    vendor,
)
from tracker.scrapers.errors import ParseError

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
AT = "2026-01-01T00:00:00Z"


def _small_zip() -> bytes:
    """The real zip's three members that the parser reads, re-zipped (same bytes inside)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(FIXTURES / "epoch/2026-04-11/benchmark_data.zip") as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in ("gpqa_diamond.csv", "swe_bench_verified.csv", "hle_external.csv"):
            target.writestr(name, source.read(name))
    return buffer.getvalue()


def _small_swebench() -> bytes:
    document = json.loads((FIXTURES / "swe-bench/2025-12-02/leaderboards.json").read_bytes())
    for board in document["leaderboards"]:
        board["results"] = [
            {k: v for k, v in r.items() if k != "per_instance_details"} for r in board["results"][:8]
        ]
    return json.dumps(document).encode()


def _hub_objects() -> bytes:
    import yaml

    objects = []
    for path in sorted((FIXTURES / "hf-hub").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            if (
                "huggingface.co/api/models/" in item["request"]["uri"]
                and item["response"]["status"]["code"] == 200
            ):
                objects.append(json.loads(item["response"]["body"]["string"]))
    return json.dumps(objects).encode()


def _small_bundle(archive: str, folder: str) -> bytes:
    """The members of a recorded bundle (a zip of the recorded files) under one folder, re-zipped."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(FIXTURES / archive) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename.startswith(folder):
                target.writestr(info.filename, source.read(info))
    return buffer.getvalue()


def _member(archive: str, name: str) -> bytes:
    with zipfile.ZipFile(FIXTURES / archive) as source:
        return source.read(name)


def _openrouter_sample() -> bytes:
    """The first 12 entries of the recorded list, in the API's {"data": [...]} shape."""
    document = json.loads(
        gzip.decompress((FIXTURES / "openrouter/2026-02-27/openrouter-models.json.gz").read_bytes())
    )
    return json.dumps({"data": document["data"][:12]}).encode()


def _models_dev_sample() -> bytes:
    """Two first-party providers of the recorded catalogue, 8 models each."""
    document = json.loads(
        gzip.decompress((FIXTURES / "models-dev/2026-03-01/models-dev.json.gz").read_bytes())
    )
    out = {}
    for provider in ("anthropic", "alibaba"):
        entry = dict(document[provider])
        entry["models"] = dict(sorted(entry["models"].items())[:8])
        out[provider] = entry
    return json.dumps(out).encode()


def parsers() -> dict[str, tuple[Callable[[], bytes], Callable[[bytes], list]]]:
    """name -> (seed loader, parser)."""
    return {
        "epoch (zip)": (_small_zip, lambda d: epoch.parse(d, retrieved_at=AT)),
        "epoch run table (csv)": (
            lambda: (FIXTURES / "epoch/2026-03-12/swe_bench_verified.csv").read_bytes(),
            lambda d: epoch.parse_run_table(
                d, benchmark="swe_bench_verified", member="swe_bench_verified.csv", retrieved_at=AT
            ),
        ),
        "hle (csv)": (
            lambda: (FIXTURES / "epoch/2026-03-12/hle_external.csv").read_bytes(),
            lambda d: hle.parse(d, retrieved_at=AT),
        ),
        "swebench (json)": (_small_swebench, lambda d: swebench.parse(d, retrieved_at=AT)),
        "hf_hub (json)": (_hub_objects, lambda d: hf_hub.parse(d, retrieved_at=AT)),
        "helm (zip of json)": (
            lambda: _small_bundle("helm-capabilities/2026-01-05.zip", "openai/"),
            lambda d: helm.parse(d, retrieved_at=AT),
        ),
        "helm record (json)": (
            lambda: _member(
                "helm-capabilities/2026-01-05.zip",
                "openai/o3-2025-04-16/a1c5d581-be98-4e1e-ba14-ca922bfac035.json",
            ),
            lambda d: helm.parse(d, retrieved_at=AT),
        ),
        "llmstats (zip of json)": (
            lambda: _small_bundle("llmstats/2025-05-22.zip", "LLMStats-main/models/openai/"),
            lambda d: llmstats.parse(d, retrieved_at=AT),
        ),
        "openrouter (json)": (_openrouter_sample, openrouter.parse),
        "models_dev (json)": (_models_dev_sample, models_dev.parse),
        "scale_hle (yaml)": (
            lambda: (FIXTURES / "hle-scale/2025-06-29/humanitys-last-exam.yaml").read_bytes(),
            lambda d: scale_hle.parse(d, retrieved_at=AT),
        ),
        "vendor (csv)": (
            lambda: (FIXTURES / "scrapers/vendor_seed.csv").read_bytes(),
            lambda d: vendor.parse(d, retrieved_at=AT),
        ),
    }


def mutate_zip_member(seed: bytes, rng: random.Random) -> bytes:
    """A well-formed zip whose CSV members carry the edits (so the CSV path is fuzzed too)."""
    with zipfile.ZipFile(io.BytesIO(seed)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    target_name = rng.choice(sorted(members))
    members[target_name] = mutate(members[target_name], rng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    return buffer.getvalue()


def mutate(seed: bytes, rng: random.Random) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:
            data[at:at] = rng.randbytes(rng.randint(1, 16))
        elif kind == 2:
            del data[at : at + rng.randint(1, 64)]
        elif kind == 3:
            del data[at:]
        else:
            start = rng.randrange(len(data) + 1)
            data[at:at] = data[start : start + rng.randint(1, 128)]
    return bytes(data)


ZIPPED = ("epoch (zip)", "helm (zip of json)", "llmstats (zip of json)")


def input_for(index: int, seed: bytes, name: str) -> bytes:
    """Input `index`: random bytes (even), an edited real response (odd); for the zip, every
    other edited input has the edits inside a member, re-zipped."""
    rng = random.Random(index)
    if index % 2 == 0:
        return rng.randbytes(rng.randint(0, 4096))
    if name in ZIPPED and index % 4 == 1:
        return mutate_zip_member(seed, rng)
    return mutate(seed, rng)


def run_chunk(job: tuple[str, int, int]) -> dict:
    name, start, stop = job
    load, parse = parsers()[name]
    seed = load()
    counts = {"records": 0, "parse_error": 0, "other": 0, "failures": []}
    for index in range(start, stop):
        try:
            parse(input_for(index, seed, name))
            counts["records"] += 1
        except ParseError:
            counts["parse_error"] += 1
        except Exception:  # noqa: BLE001 - the point is to catch anything else
            counts["other"] += 1
            if len(counts["failures"]) < 3:
                counts["failures"].append(f"input {index}: {traceback.format_exc(limit=3)}")
    return counts


def main(argv: list[str]) -> int:
    total = int(argv[0]) if argv else 100_000
    chosen = [n for n in parsers() if not argv[1:] or any(n.startswith(a) for a in argv[1:])]
    workers = os.cpu_count() or 1
    chunk = 5_000
    print(f"{total} inputs per parser, {workers} processes")
    print("| parser | inputs | records | ParseError | other exceptions | seconds | µs per input |")
    print("|---|---|---|---|---|---|---|")
    bad = 0
    with multiprocessing.Pool(workers) as pool:
        for name in chosen:
            jobs = [(name, s, min(s + chunk, total)) for s in range(0, total, chunk)]
            began = time.perf_counter()
            results = pool.map(run_chunk, jobs)
            seconds = time.perf_counter() - began
            merged = {k: sum(r[k] for r in results) for k in ("records", "parse_error", "other")}
            bad += merged["other"]
            print(
                f"| {name} | {total} | {merged['records']} | {merged['parse_error']} | {merged['other']} | "
                f"{seconds:.1f} | {seconds * 1e6 * workers / total:.0f} |"
            )
            for result in results:
                for failure in result["failures"]:
                    print(failure, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
