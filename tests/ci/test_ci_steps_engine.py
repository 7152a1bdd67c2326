"""What the GitHub workflows run (scripts/ci), run here for real against the emulator: the
pull-request preview of two environments with the policy pack and its comment, a deploy, and the
drift check, clean and then after a change made behind Pulumi's back."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, TEST_PASSPHRASE, PulumiWorkspace, copy_project
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.usefixtures("pulumi_cli")]


def ci(project: Path, ws: PulumiWorkspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(project / "scripts" / "ci"), *args], cwd=project, env=ws.env, capture_output=True, text=True, timeout=600
    )


def test_preview_deploy_and_drift_steps(tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]) -> None:
    with emulator_factory() as emulator:
        project = copy_project(tmp_path / "project", "staging")
        # scripts/ci works in its own checkout: the copy gets the scripts, the comment renderer and
        # the bootstrap's tools.
        for name in ("scripts", "previews", ".tools"):
            (project / name).symlink_to(ROOT / name)
        (project / "Pulumi.demo.yaml").write_text((ROOT / "Pulumi.demo.yaml").read_text())
        (tmp_path / "state").mkdir()
        ws = PulumiWorkspace(
            project, tmp_path / "state", {"RAILWAY_API_URL": emulator.url, "RAILWAY_API_TOKEN": EMULATOR_TOKEN}
        )
        assert ws.env["PULUMI_CONFIG_PASSPHRASE"] == TEST_PASSPHRASE
        for stack in ("demo", "staging"):
            ws.run("stack", "init", stack)

        out = tmp_path / "previews"
        preview = ci(project, ws, "preview", str(out), "demo", "staging")
        assert preview.returncode == 0, preview.stderr[-3000:]
        comment = (out / "comment.md").read_text()
        assert "| `demo` |" in comment and "| `staging` |" in comment and comment.count("| passed |") == 2
        assert emulator.counters()["writes"] == 0, "a preview writes nothing to Railway"

        deploy = ci(project, ws, "deploy", "staging")
        assert deploy.returncode == 0, deploy.stdout[-3000:] + deploy.stderr[-3000:]
        clean = ci(project, ws, "drift", "staging")
        assert clean.returncode == 0, f"no drift right after a deploy:\n{clean.stdout[-3000:]}"

        # Someone changes the worker's variables in Railway's dashboard.
        outputs = ws.json("stack", "output", "--stack", "staging")
        project_id, service_id = outputs["project_id"], outputs["service_ids"]["worker-logs"]
        api = httpx.Client(headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"})
        envs = api.post(
            emulator.url,
            json={
                "query": "query P($id: String!) { project(id: $id) { environments { edges { node { id } } } } }",
                "variables": {"id": project_id},
            },
        ).json()["data"]["project"]["environments"]["edges"]
        change = api.post(
            emulator.url,
            json={
                "query": "mutation U($input: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $input) }",
                "variables": {
                    "input": {
                        "projectId": project_id,
                        "environmentId": envs[0]["node"]["id"],
                        "serviceId": service_id,
                        "variables": {"CELERY_CONCURRENCY": "16"},
                        "skipDeploys": True,
                    }
                },
            },
        )
        assert change.json().get("data"), change.text
        writes = emulator.counters()["writes"]
        drift = ci(project, ws, "drift", "staging")
        assert drift.returncode != 0, "the drift check must fail when Railway differs from the state"
        assert "railstack-worker-logs-variables" in drift.stdout + drift.stderr
        assert emulator.counters()["writes"] == writes, "the drift check changes nothing"


def test_the_ci_steps_refuse_to_run_without_a_passphrase(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    proc = subprocess.run([str(ROOT / "scripts" / "ci"), "drift", "staging"], env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "PULUMI_CONFIG_PASSPHRASE" in proc.stderr


def test_a_stack_without_a_policy_config_is_refused_rather_than_deployed_unchecked() -> None:
    env = {**os.environ, "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE}
    proc = subprocess.run([str(ROOT / "scripts" / "ci"), "deploy", "qa"], env=env, capture_output=True, text=True)
    assert proc.returncode == 2 and "policy/config/qa.json is missing" in proc.stderr
