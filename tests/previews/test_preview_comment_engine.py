"""The pull-request comment for a real change, under the real engine against the emulator: staging
is brought up with the policy pack, then one worker's concurrency is raised and SECRET_KEY rotated.
The comment must match the golden file and contain no secret value.

Regenerate the golden file after an intended change with RAILSTACK_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from previews.comment import render
from previews.events import parse_preview
from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project, edit_stack_config
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.usefixtures("pulumi_cli")]

GOLDEN = Path(__file__).parent / "golden" / "staging-concurrency-and-rotation.md"
POLICY = ("--policy-pack", "policy", "--policy-pack-config", "policy/config/staging.json")


def secret_values(state: dict) -> set[str]:
    """Every plaintext secret of the stack: the generated passwords and the Railway token."""
    values = set()
    for resource in state["deployment"]["resources"]:
        if resource["type"] == "random:index/randomPassword:RandomPassword":
            result = resource.get("outputs", {}).get("result")
            values.add(result["plaintext"].strip('"') if isinstance(result, dict) else result)
    return {v for v in values if v}


def test_the_comment_for_a_concurrency_change_and_a_secret_rotation_matches_the_golden_file(
    tmp_path: Path, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    with emulator_factory() as emulator:
        project = copy_project(tmp_path / "project", "staging")
        (tmp_path / "state").mkdir()
        ws = PulumiWorkspace(
            project, tmp_path / "state", {"RAILWAY_API_URL": emulator.url, "PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "1"}
        )
        ws.run("stack", "init", "staging")
        ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
        # The pack also runs during `up`, on every value known: the real stack passes it.
        ws.run("up", "--yes", "--skip-preview", *POLICY)

        edit_stack_config(
            project,
            "staging",
            {
                "workers": {"logs": {"concurrency": 4}, "content_generation": {}},
                "secrets": {"rotation": {"secret_key": 1}},
            },
        )
        preview_json = tmp_path / "staging.json"
        proc = ws.run("preview", "--json", *POLICY)
        preview_json.write_text(proc.stdout)
        state = json.loads(ws.run("stack", "export", "--show-secrets").stdout)

    comment = subprocess.run(
        [str(ROOT / "scripts" / "preview-comment"), str(preview_json)], capture_output=True, text=True, check=True
    ).stdout
    assert comment == render([parse_preview(proc.stdout)]), "the script prints what the module renders"

    secrets = secret_values(state) | {EMULATOR_TOKEN}
    assert len(secrets) >= 7, "the generated secrets were found in the state"
    leaked = [s for s in secrets if s in comment or s in proc.stdout]
    assert leaked == [], "a secret value reached the comment or the preview JSON"

    if os.environ.get("RAILSTACK_UPDATE_GOLDEN"):
        GOLDEN.write_text(comment)
    assert comment == GOLDEN.read_text(), f"the comment differs from {GOLDEN.name}:\n{comment}"
    # What the golden file must say, so an accidental regeneration cannot hide a regression.
    assert "~`CELERY_CONCURRENCY`" in comment and "~`SECRET_KEY`" in comment
    assert (
        "| `worker-logs` | ~ deployment, ~ variables | ~`CELERY_CONCURRENCY` | yes (secret_key rotated, variables) |"
        in comment
    )
    assert "| `staging` | 0 | 7 | 1 | 0 | 5 | passed |" in comment
