"""The GitHub workflows: valid for actionlint (with shellcheck on their shell steps), and shaped as
railstack promises: a policy-checked preview of every Railway environment on pull requests with
one comment, staging then approved production on merge, and a scheduled drift check."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from previews.comment import MARKER
from support.pulumi_cli import ROOT, TOOLS_BIN

WORKFLOWS = ROOT / ".github" / "workflows"
RAILWAY_STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml") if p.name != "Pulumi.dev.yaml")


def actionlint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    binary = TOOLS_BIN / "actionlint"
    if not binary.exists():
        pytest.fail("actionlint is missing from .tools/bin: run scripts/bootstrap (scripts/test does)")
    return subprocess.run([str(binary), "-no-color", *args], cwd=cwd, capture_output=True, text=True)


def workflow(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps_text(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job["steps"])


def test_actionlint_and_shellcheck_find_nothing_in_the_workflows() -> None:
    proc = actionlint()
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr


def test_actionlint_does_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    (broken / "bad.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: missing\n"
        "    steps:\n      - run: echo $UNQUOTED_${{ github.event.pull_request.title }}\n"
    )
    (tmp_path / ".git").mkdir()
    proc = actionlint(cwd=tmp_path)
    assert proc.returncode == 1
    assert "missing" in proc.stdout and "SC2086" in proc.stdout and "potentially untrusted" in proc.stdout


def test_pull_requests_preview_every_railway_environment_with_the_policy_pack_into_one_comment() -> None:
    flow = workflow("preview.yml")
    assert "pull_request" in flow["on"]
    job = flow["jobs"]["preview"]
    text = steps_text(job)
    assert f'scripts/ci preview "$RUNNER_TEMP/previews" {" ".join(["demo", "staging", "prod"])}' in text
    assert set(RAILWAY_STACKS) == {"demo", "staging", "prod"}
    assert MARKER in text and "PATCH" in text, "the comment is found by its marker and updated, not duplicated"
    assert flow["permissions"]["pull-requests"] == "write"
    assert "scripts/test" in steps_text(flow["jobs"]["tests"]), "CI runs the policy and the other tests"


def test_merges_deploy_staging_then_production_behind_an_approval() -> None:
    flow = workflow("deploy.yml")
    assert flow["on"]["push"]["branches"] == ["main"]
    staging, production = flow["jobs"]["staging"], flow["jobs"]["production"]
    assert "scripts/ci deploy staging" in steps_text(staging)
    assert production["needs"] == "staging" and production["environment"] == "production"
    assert "scripts/ci deploy prod" in steps_text(production)
    assert flow["concurrency"]["cancel-in-progress"] is False, "a deploy is never cancelled halfway"


def test_a_scheduled_drift_check_covers_every_railway_environment() -> None:
    flow = workflow("drift.yml")
    assert flow["on"]["schedule"][0]["cron"]
    job = flow["jobs"]["drift"]
    assert sorted(job["strategy"]["matrix"]["stack"]) == RAILWAY_STACKS
    assert 'scripts/ci drift "${{ matrix.stack }}"' in steps_text(job)
