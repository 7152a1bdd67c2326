"""The policy pack under the real engine: `pulumi preview --policy-pack policy` on every stack of
the real program passes; broken configurations and hand-broken programs fail with exactly the
expected violations, and no message carries a secret value."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest

from previews.events import Preview, parse_preview
from railway_emulator import EmulatorServer
from support.pulumi_cli import PulumiWorkspace, copy_project, edit_stack_config
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]

PROGRAMS = Path(__file__).parent / "programs"
COPIED_PASSWORD = "hunter2-not-a-real-one"


def workspace(
    root: Path,
    stack: str,
    emulator: EmulatorServer | None,
    program: str | None = None,
    overrides: dict | None = None,
    secrets: dict[str, str] | None = None,
) -> PulumiWorkspace:
    project = copy_project(root / "project", stack if program is None else "none")
    if program is not None:
        (project / "__main__.py").write_text((PROGRAMS / program).read_text())
    if overrides:
        edit_stack_config(project, stack, overrides)
    (root / "state").mkdir()
    env = {"PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "1"}
    if emulator is not None:
        env["RAILWAY_API_URL"] = emulator.url
    ws = PulumiWorkspace(project_dir=project, state_dir=root / "state", extra_env=env)
    ws.run("stack", "init", stack)
    if emulator is not None:
        ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    for key, value in (secrets or {}).items():
        ws.run("config", "set", "--secret", key, value)
    return ws


def policy_preview(ws: PulumiWorkspace, policy_config: str) -> tuple[subprocess.CompletedProcess[str], Preview]:
    proc = ws.run(
        "preview",
        "--json",
        "--policy-pack",
        "policy",
        "--policy-pack-config",
        f"policy/config/{policy_config}.json",
        check=False,
    )
    preview = parse_preview(proc.stdout)
    unexpected = [e for e in preview.errors if "preview failed" not in e]
    assert not unexpected, f"the program itself failed, not a policy:\n{unexpected}\n{proc.stderr[-3000:]}"
    assert not preview.policy_warnings, f"policies could not run on unknown values: {preview.policy_warnings}"
    return proc, preview


def counts(preview: Preview) -> Counter:
    return Counter(v.policy for v in preview.violations)


@pytest.mark.parametrize("stack", ["demo", "staging", "prod"])
def test_every_railway_stack_passes_the_pack(stack: str, tmp_path: Path, emulator: EmulatorServer) -> None:
    proc, preview = policy_preview(workspace(tmp_path, stack, emulator), stack)
    assert preview.violations == [], f"{stack}: {[(v.policy, v.message) for v in preview.violations]}"
    assert proc.returncode == 0 and not preview.failed
    assert len(preview.steps) > 40, "the pack must have seen the whole stack"


@pytest.mark.docker
def test_the_dev_stack_on_docker_passes_the_pack(tmp_path: Path) -> None:
    ws = workspace(tmp_path, "dev", None, overrides={"project_name": "railstack-policy-dev"})
    proc, preview = policy_preview(ws, "dev")
    assert preview.violations == [], [(v.policy, v.message) for v in preview.violations]
    assert proc.returncode == 0 and any(s.type == "docker:index/container:Container" for s in preview.steps)


RAILWAY_CASES = {
    "clean": {},
    "two-beat-replicas": {"single-beat-scheduler": 1},
    "worker-embeds-beat": {"no-embedded-beat": 1},
    "exposed-background-roles": {"background-roles-not-exposed": 2},
    "copied-database-url": {"connections-by-reference": 1},
    "plain-secret": {"no-plaintext-secrets": 1},
    "unwrapped-variable": {"exec-form-commands": 1},
    "redis-without-password": {"redis-authenticated": 1},
    "api-without-healthcheck": {"api-healthcheck": 1},
    "unprotected-production-database": {"production-database-protected": 3},
}


@pytest.mark.parametrize("case", list(RAILWAY_CASES))
def test_a_broken_railway_program_fails_with_exactly_the_expected_violations(
    case: str, tmp_path: Path, emulator: EmulatorServer
) -> None:
    ws = workspace(tmp_path, "cases", emulator, program="railway_cases.py")
    ws.run("config", "set", "policy-cases:case", case)
    proc, preview = policy_preview(ws, "staging")
    assert counts(preview) == Counter(RAILWAY_CASES[case]), [(v.policy, v.message) for v in preview.violations]
    assert (proc.returncode != 0) == bool(RAILWAY_CASES[case]), "mandatory violations must fail the preview"
    for violation in preview.violations:
        assert COPIED_PASSWORD not in violation.message and "plain-text-secret-key" not in violation.message
        assert "Fix:" in violation.message, f"{violation.policy} gives no remediation"
    assert COPIED_PASSWORD not in proc.stderr


def test_a_worker_over_the_staging_budget_fails_the_preview(tmp_path: Path, emulator: EmulatorServer) -> None:
    ws = workspace(tmp_path, "staging", emulator, overrides={"workers": {"logs": {"sizing": {"memory_gb": 8}}}})
    proc, preview = policy_preview(ws, "staging")
    assert [(v.policy, v.level) for v in preview.violations] == [("role-budget", "mandatory")]
    assert "worker-logs" in preview.violations[0].message and "memory_gb 8" in preview.violations[0].message
    assert proc.returncode != 0


def test_the_same_budget_overrun_on_demo_is_only_advisory(tmp_path: Path, emulator: EmulatorServer) -> None:
    ws = workspace(tmp_path, "demo", emulator, overrides={"api": {"sizing": {"memory_gb": 4}}})
    proc, preview = policy_preview(ws, "demo")
    assert [(v.policy, v.level) for v in preview.violations] == [("role-budget", "advisory")]
    assert proc.returncode == 0, "policy/config/demo.json makes the budget advisory"


def test_an_external_redis_without_tls_fails_the_preview(tmp_path: Path, emulator: EmulatorServer) -> None:
    url = "redis://default:not-the-real-password@redis.example.com:6379"
    ws = workspace(
        tmp_path,
        "staging",
        emulator,
        overrides={"redis": {"mode": "external", "external_url_key": "redisUrl"}},
        secrets={"railstack:redisUrl": url},
    )
    proc, preview = policy_preview(ws, "staging")
    assert [v.policy for v in preview.violations] == ["redis-authenticated"]
    assert "TLS" in preview.violations[0].message and "not-the-real-password" not in proc.stdout + proc.stderr
    assert proc.returncode != 0


DOCKER_CASES = {
    "clean": {},
    "public-port": {"docker-ports-on-loopback": 1},
    "worker-port": {"background-roles-not-exposed": 1},
    "api-without-healthcheck": {"api-healthcheck": 1},
    "plain-secret": {"no-plaintext-secrets": 1},
}


@pytest.mark.docker
@pytest.mark.parametrize("case", list(DOCKER_CASES))
def test_a_broken_docker_program_fails_with_exactly_the_expected_violations(case: str, tmp_path: Path) -> None:
    ws = workspace(tmp_path, "cases", None, program="docker_cases.py")
    ws.run("config", "set", "policy-cases:case", case)
    proc, preview = policy_preview(ws, "dev")
    assert counts(preview) == Counter(DOCKER_CASES[case]), [(v.policy, v.message) for v in preview.violations]
    assert (proc.returncode != 0) == bool(DOCKER_CASES[case])
