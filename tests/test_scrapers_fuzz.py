"""Every parser, fed arbitrary bytes or mutated real responses, returns records or raises
ParseError, never anything else. (The long run, 100,000+ inputs a parser, is in benchmarks/.)"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scraper_support import (
    epoch_zip,
    fixture,
    gz_fixture,
    helm_zip,
    hub_model_objects,
    llmstats_zip,
    swebench_json,
    zip_member,
)

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

AT = "2026-01-01T00:00:00Z"
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _small_swebench() -> bytes:
    """Real entries of the recorded leaderboard (a few per board), re-serialised small."""
    document = json.loads(swebench_json("2025-12-02"))
    for board in document["leaderboards"]:
        board["results"] = [
            {k: v for k, v in r.items() if k != "per_instance_details"} for r in board["results"][:6]
        ]
    return json.dumps(document).encode()


def _openrouter_sample() -> bytes:
    """The first 10 entries of the recorded list, in the API's {"data": [...]} shape."""
    document = json.loads(gz_fixture("openrouter", "2026-02-27", "openrouter-models.json"))
    return json.dumps({"data": document["data"][:10]}).encode()


def _models_dev_sample() -> bytes:
    """The recorded catalogue's first-party Anthropic provider alone."""
    document = json.loads(gz_fixture("models-dev", "2026-03-01", "models-dev.json"))
    return json.dumps({"anthropic": document["anthropic"]}).encode()


SEEDS = {
    "epoch_zip": (epoch_zip(), lambda d: epoch.parse(d, retrieved_at=AT)),
    "epoch_csv": (
        fixture("epoch", "2026-03-12", "swe_bench_verified.csv"),
        lambda d: epoch.parse_run_table(d, benchmark="swe_bench_verified", member="s.csv", retrieved_at=AT),
    ),
    "hle_csv": (fixture("epoch", "2026-03-12", "hle_external.csv"), lambda d: hle.parse(d, retrieved_at=AT)),
    "swebench": (_small_swebench(), lambda d: swebench.parse(d, retrieved_at=AT)),
    "hf_hub": (json.dumps(hub_model_objects()).encode(), lambda d: hf_hub.parse(d, retrieved_at=AT)),
    "vendor": (fixture("scrapers", "vendor_seed.csv"), lambda d: vendor.parse(d, retrieved_at=AT)),
    "helm": (
        zip_member(helm_zip(), "openai/o3-2025-04-16/a1c5d581-be98-4e1e-ba14-ca922bfac035.json"),
        lambda d: helm.parse(d, retrieved_at=AT),
    ),
    "llmstats": (
        zip_member(llmstats_zip(), "LLMStats-main/models/deepseek/deepseek-r1/model.json"),
        lambda d: llmstats.parse(d, retrieved_at=AT),
    ),
    "scale_hle": (
        fixture("hle-scale", "2025-06-29", "humanitys-last-exam.yaml"),
        lambda d: scale_hle.parse(d, retrieved_at=AT),
    ),
    "openrouter": (_openrouter_sample(), openrouter.parse),
    "models_dev": (_models_dev_sample(), models_dev.parse),
}


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, delete length, insertion) edits: flips, deletions, truncations."""
    for position, delete, insert in edits:
        cut = position % (len(data) + 1)
        data = data[:cut] + insert + data[cut + delete :]
    return data


EDITS = st.lists(
    st.tuples(st.integers(0, 10**7), st.integers(0, 64), st.binary(max_size=8)), min_size=1, max_size=4
)


def _only_records_or_parse_error(parser, data: bytes) -> None:
    try:
        result = parser(data)
    except ParseError:
        return
    assert isinstance(result, list)


@FUZZ
@given(name=st.sampled_from(sorted(SEEDS)), data=st.binary(max_size=2048))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    _only_records_or_parse_error(SEEDS[name][1], data)


@FUZZ
@given(name=st.sampled_from(sorted(SEEDS)), edits=EDITS)
def test_mutated_real_responses(name: str, edits: list[tuple[int, int, bytes]]) -> None:
    seed, parser = SEEDS[name]
    _only_records_or_parse_error(parser, mutate(seed, edits))
