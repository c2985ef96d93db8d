"""Ingesting results into data/steering/ and the trigger queue (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from steering_support import make_result

from tracker.cli import main
from tracker.paths import Paths
from tracker.steering import queue
from tracker.steering.ingest import IngestError, ingest, result_filename
from tracker.store import read_events

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
SHA = "a" * 40


def test_ingest_stores_the_result_and_records_one_event(empty_project):
    done = ingest(empty_project, make_result(), now=NOW)
    assert done.path == empty_project.steering / "org__name__0123456789ab__p2.json"
    assert json.loads(done.path.read_text())["verdict"] == "PASS"
    events = read_events(empty_project.ledger)
    assert [e.type for e in events] == ["steering_result"]
    assert events[0].payload == {
        "model_id": "org/name",
        "revision": make_result()["model"]["revision"],
        "verdict": "PASS",
        "file": "data/steering/org__name__0123456789ab__p2.json",
        "protocol_revision": 2,
        "stands_as_verdict": True,
    }
    assert events[0].at == "2026-06-01T12:00:00Z"


def test_ingest_refuses_a_second_result_for_the_same_revision(empty_project):
    ingest(empty_project, make_result(), now=NOW)
    other = make_result(timing={"total_s": 999.0})
    with pytest.raises(IngestError, match="already in"):
        ingest(empty_project, other, now=NOW)
    assert len(read_events(empty_project.ledger)) == 1


def test_ingesting_the_same_result_again_is_idempotent(empty_project):
    ingest(empty_project, make_result(), now=NOW)
    again = ingest(empty_project, make_result(), now=NOW)
    assert again.event is None and len(read_events(empty_project.ledger)) == 1


def test_invalid_result_leaves_data_untouched(empty_project):
    bad = make_result(verdict="FAIL")
    with pytest.raises(IngestError) as caught:
        ingest(empty_project, bad, now=NOW)
    assert any("verdict" in p for p in caught.value.problems)
    assert not empty_project.steering.exists() and not empty_project.ledger.exists()


def test_result_filename_is_safe():
    assert result_filename("Org/Na me:1", "b" * 40) == "Org__Na-me-1__bbbbbbbbbbbb.json"


def test_cli_ingest_reports_success_and_refusal(empty_project, tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(make_result()))
    assert main(["--root", str(empty_project.root), "steer", "ingest", str(good)]) == 0
    assert "stored" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["--root", str(empty_project.root), "steer", "ingest", str(broken)]) == 1
    assert "not JSON" in capsys.readouterr().err


# ---- the trigger ------------------------------------------------------------------------


def catalogue_row(repo_id: str, **changes: str) -> dict[str, str]:
    row = {
        "repo_id": repo_id,
        "author": repo_id.split("/")[0],
        "sha": SHA,
        "created_at": "2026-05-30T00:00:00Z",
        "last_modified": "2026-05-30T00:00:00Z",
        "first_seen": "2026-05-31T00:00:00Z",
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
        "gated": "false",
        "kind": "base",
        "architecture": "LlamaForCausalLM",
        "n_params": "7000000000",
        "license": "apache-2.0",
        "steerable": "true",
        "skip_reason": "",
    }
    row.update(changes)
    return row


def write_catalogue(paths: Paths, rows: list[dict[str, str]]) -> None:
    with (paths.data / "hf_models.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=queue.CATALOGUE_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


CONFIG = queue.QueueConfig(architectures=frozenset({"LlamaForCausalLM", "Qwen2ForCausalLM"}))


def test_missing_catalogue_plans_nothing(empty_project):
    assert queue.plan(empty_project, CONFIG) == []


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"kind": "adapter"}, "kind adapter"),
        ({"kind": "quantized"}, "kind quantized"),
        ({"gated": "manual"}, "gated"),
        ({"architecture": "BertModel"}, "not a causal LM"),
        ({"architecture": "MyCustomForCausalLM"}, "needs remote code"),
        ({"n_params": "70000000000"}, "it would take 2 such GPUs"),
        ({"n_params": ""}, "parameter count unknown"),
        ({"license": ""}, "licence not recorded"),
        ({"sha": "main"}, "no pinned commit"),
        ({"steerable": "false", "skip_reason": "no safetensors"}, "no safetensors"),
    ],
)
def test_models_that_do_not_qualify_say_why(empty_project, changes, reason):
    write_catalogue(empty_project, [catalogue_row("org/model", **changes)])
    [item] = queue.review(empty_project, CONFIG)
    assert item.status == "skipped" and reason in item.reason
    assert queue.plan(empty_project, CONFIG) == []


def test_runner_memory_sets_the_size_limit():
    assert queue.QueueConfig(runner_memory_gb=80).max_params == pytest.approx(36.5e9, rel=0.01)
    assert queue.QueueConfig(runner_memory_gb=24).max_params < 11e9


class DispatchServer(BaseHTTPRequestHandler):
    """GitHub's workflow_dispatch endpoint, as far as the trigger uses it."""

    calls: list = []
    status = 204

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append((self.path, self.headers["Authorization"], body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def dispatch_api():
    """GitHub's workflow_dispatch endpoint on 127.0.0.1, behind an httpx client."""
    DispatchServer.calls, DispatchServer.status = [], 204
    server = ThreadingHTTPServer(("127.0.0.1", 0), DispatchServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}", timeout=5) as client:
        yield client
    server.shutdown()
    server.server_close()


def test_dispatch_posts_workflow_dispatch_and_never_twice(empty_project, dispatch_api):
    write_catalogue(
        empty_project,
        [
            catalogue_row("org/a"),
            catalogue_row("org/b", kind="instruct"),
            catalogue_row("org/c", kind="adapter"),
        ],
    )
    items = queue.plan(empty_project, CONFIG)
    assert [i.key for i in items] == [f"org/a@{SHA}", f"org/b@{SHA}"]
    done = queue.dispatch(empty_project, items, dispatch_api, "owner/cape-tracker", "tok123", NOW, CONFIG)
    assert [d.status for d in done] == ["dispatched", "dispatched"]
    path, auth, body = DispatchServer.calls[0]
    assert path == "/repos/owner/cape-tracker/actions/workflows/steer.yml/dispatches"
    assert auth == "Bearer tok123"
    assert body == {"ref": "main", "inputs": {"model": "org/a", "revision": SHA}}
    stored = queue.read_queue(empty_project)
    assert stored[f"org/a@{SHA}"]["status"] == "dispatched" and "tok123" not in json.dumps(stored)
    assert queue.plan(empty_project, CONFIG) == []
    assert len(DispatchServer.calls) == 2


def test_failed_dispatch_is_recorded_and_retried(empty_project, dispatch_api):
    write_catalogue(empty_project, [catalogue_row("org/a")])
    DispatchServer.status = 404
    [failed] = queue.dispatch(
        empty_project, queue.plan(empty_project, CONFIG), dispatch_api, "owner/repo", "t", NOW, CONFIG
    )
    assert failed.status == "dispatch_failed"
    assert queue.read_queue(empty_project)[failed.key]["http_status"] == 404
    assert [i.key for i in queue.plan(empty_project, CONFIG)] == [failed.key]


def test_a_stored_result_marks_the_queue_done(empty_project, dispatch_api):
    result = make_result()
    model = result["model"]
    write_catalogue(empty_project, [catalogue_row(model["id"], sha=model["revision"])])
    queue.dispatch(
        empty_project, queue.plan(empty_project, CONFIG), dispatch_api, "owner/repo", "t", NOW, CONFIG
    )
    ingest(empty_project, result, now=NOW)
    key = f"{model['id']}@{model['revision']}"
    assert queue.read_queue(empty_project)[key]["status"] == "done"
    assert [i.status for i in queue.review(empty_project, CONFIG)] == ["done"]


def stale(result: dict) -> dict:
    """The same result as older protocol code wrote it (no protocol_revision field)."""
    out = {k: v for k, v in result.items() if k != "protocol_revision"}
    return {**out, "effect": {**out["effect"]}, "timing": {**out["timing"], "tokens_per_s": 25.0}}


def test_a_stale_result_is_queued_again_and_a_current_one_joins_it(empty_project, dispatch_api):
    current = make_result()
    model = current["model"]
    key = f"{model['id']}@{model['revision']}"
    write_catalogue(empty_project, [catalogue_row(model["id"], sha=model["revision"])])
    old = ingest(empty_project, stale(current), now=NOW)
    [item] = queue.review(empty_project, CONFIG)
    assert item.status == "qualifies" and "stale result by protocol revision 1 code" in item.reason
    queue.dispatch(
        empty_project, queue.plan(empty_project, CONFIG), dispatch_api, "owner/repo", "t", NOW, CONFIG
    )
    assert queue.read_queue(empty_project)[key]["protocol_revision"] == 2
    assert [i.status for i in queue.review(empty_project, CONFIG)] == ["dispatched"]  # not dispatched twice
    new = ingest(empty_project, current, now=NOW)
    assert old.path.exists() and new.path != old.path  # the stale result is kept beside the new one
    assert [i.status for i in queue.review(empty_project, CONFIG)] == ["done"]
    assert len(read_events(empty_project.ledger)) == 2
    rival = make_result(effect={**current["effect"], "mcnemar": {"b": 181, "c": 22, "p": 1e-30}})
    with pytest.raises(IngestError, match="protocol revision >= 2"):
        ingest(empty_project, rival, now=NOW)


def test_cli_queue_lists_states(empty_project, capsys):
    write_catalogue(empty_project, [catalogue_row("org/a"), catalogue_row("org/c", kind="adapter")])
    assert main(["--root", str(empty_project.root), "steer", "queue", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["key"].split("@")[0], i["status"]) for i in listed] == [
        ("org/a", "qualifies"),
        ("org/c", "skipped"),
    ]


def test_runner_config_file_is_read(empty_project):
    empty_project.steering.mkdir(parents=True)
    (empty_project.steering / "runner.toml").write_text("runner_memory_gb = 24\nmax_dispatch = 1\n")
    config = queue.load_config(empty_project)
    assert config.runner_memory_gb == 24 and config.max_dispatch == 1
    (empty_project.steering / "runner.toml").write_text('gpu = "big"\n')
    with pytest.raises(ValueError, match="unknown keys gpu"):
        queue.load_config(empty_project)
