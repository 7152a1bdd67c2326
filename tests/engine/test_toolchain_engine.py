"""The bootstrap's toolchain drives the real Pulumi engine end to end, air-gapped.

A tiny program in a temporary directory uses the random provider plugin (a generated password)
and a Python dynamic provider; the tests run preview, up, a no-change preview and destroy on a
local file backend, and read the engine's own JSON.

Each test gets the stack it needs from a fixture, so the tests pass in any order: a stack never
brought up (what a first preview plans), one brought up once and only read, and for the destroy
test a stack of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.pulumi_cli import VENV, PulumiWorkspace, write_program

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]

PROGRAM = '''
import pulumi
import pulumi_random as random
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class LabelProvider(ResourceProvider):
    """Makes a label from a prefix; proves the engine can run Python dynamic providers."""

    def create(self, props):
        return CreateResult(id_=f"label-{props['prefix']}", outs={**props, "label": props["prefix"] + "-ok"})


class Label(Resource):
    label: pulumi.Output[str]

    def __init__(self, name, prefix, opts=None):
        super().__init__(LabelProvider(), name, {"prefix": prefix, "label": None}, opts)


password = random.RandomPassword("db-password", length=24, special=False)
label = Label("label", prefix="railstack")

pulumi.export("password", password.result)
pulumi.export("label", label.label)
'''


def _workspace(root: Path, stack: str) -> PulumiWorkspace:
    """The tiny program in `root` with an empty `stack` on its own file backend."""
    project = write_program(root / "program", PROGRAM)
    state = root / "state"
    state.mkdir(exist_ok=True)
    ws = PulumiWorkspace(project_dir=project, state_dir=state)
    ws.run("stack", "init", stack)
    return ws


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> PulumiWorkspace:
    """A stack that is never brought up: what a first preview plans. No test changes it."""
    return _workspace(tmp_path_factory.mktemp("tiny-fresh"), "fresh")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulumiWorkspace]:
    """A stack brought up once for the module; its tests only read it (a preview writes nothing)."""
    ws = _workspace(tmp_path_factory.mktemp("tiny-deployed"), "test")
    ws.run("up", "--yes", "--skip-preview")
    yield ws
    ws.run("destroy", "--yes", "--skip-preview", check=False)


def test_pulumi_cli_and_plugins_are_at_the_python_sdks_versions(fresh: PulumiWorkspace) -> None:
    from importlib.metadata import version

    cli = fresh.run("version").stdout.strip()
    assert cli == f"v{version('pulumi')}", f"the CLI ({cli}) must match the pulumi SDK ({version('pulumi')})"

    plugins = fresh.json("plugin", "ls")
    installed = {(p["name"], p["kind"], p["version"]) for p in plugins}
    for sdk in ("random", "docker"):
        wanted = (sdk, "resource", version(f"pulumi-{sdk}"))
        assert wanted in installed, f"the {sdk} plugin must be at the pulumi-{sdk} SDK's version: {installed}"


def test_preview_plans_the_password_and_the_dynamic_resource(fresh: PulumiWorkspace) -> None:
    preview = fresh.json("preview")
    creates = {step["urn"].split("::")[-2] for step in preview["steps"] if step["op"] == "create"}
    assert {
        "pulumi:pulumi:Stack",
        "random:index/randomPassword:RandomPassword",
        "pulumi-python:dynamic:Resource",
    } <= creates, f"types planned for creation: {sorted(creates)}"
    assert preview["changeSummary"] == {"create": 3}


def test_up_keeps_the_password_secret_in_outputs_and_state(deployed: PulumiWorkspace) -> None:
    masked = deployed.json("stack", "output")
    assert masked["password"] == "[secret]", "the password output must be a secret"
    assert masked["label"] == "railstack-ok", "the dynamic provider's output must reach the stack"

    plain = json.loads(deployed.run("stack", "output", "--json", "--show-secrets").stdout)
    password = plain["password"]
    assert re.fullmatch(r"[A-Za-z0-9]{24}", password), "random must have generated a 24-character password"

    state = deployed.run("stack", "export").stdout
    assert password not in state, "the generated password is stored in plaintext in the state"
    resources = json.loads(state)["deployment"]["resources"]
    by_type = {r["type"]: r for r in resources}
    result = by_type["random:index/randomPassword:RandomPassword"]["outputs"]["result"]
    assert "ciphertext" in result, f"the password's state value must be an encrypted secret, got {type(result)}"


POLICY_PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy


def password_length(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type == "random:index/randomPassword:RandomPassword" and args.props.get("length", 0) < 32:
        report_violation(f"{args.name}: passwords must have at least 32 characters, this one has {args.props.get('length')}")


PolicyPack(
    name="tiny-policy",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[ResourceValidationPolicy(name="password-length", description="Passwords are long.", validate=password_length)],
)
"""


def test_python_policy_pack_runs_and_blocks_a_violating_preview(deployed: PulumiWorkspace, tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(POLICY_PACK)
    (tmp_path / "PulumiPolicy.yaml").write_text(
        f"runtime:\n  name: python\n  options:\n    virtualenv: {VENV}\ndescription: tiny policy pack\n"
    )
    proc = deployed.run("preview", "--policy-pack", str(tmp_path), check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"a mandatory violation must fail the preview:\n{output[-3000:]}"
    assert "password-length" in output and "this one has 24" in output, output[-3000:]


def test_second_preview_after_up_shows_no_changes(deployed: PulumiWorkspace) -> None:
    deployed.run("preview", "--expect-no-changes")


def test_destroy_removes_everything(tmp_path: Path) -> None:
    # Its own stack: destroying the module's would take the state the other tests read.
    ws = _workspace(tmp_path, "doomed")
    ws.run("up", "--yes", "--skip-preview")
    ws.run("destroy", "--yes", "--skip-preview")
    resources = json.loads(ws.run("stack", "export").stdout)["deployment"].get("resources") or []
    assert resources == [], f"resources left after destroy: {[r['urn'] for r in resources]}"


def test_the_committed_dev_salt_is_the_public_dev_passphrase_s(tmp_path: Path) -> None:
    """Pulumi.dev.yaml carries the salt of `railstack-dev-insecure` (issue 26 item 7): creating the dev
    stack with that passphrase keeps the file as committed, its secrets round-trip, and another
    passphrase is refused as Pulumi refuses a wrong one."""
    import shutil

    from support.pulumi_cli import ROOT

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    shutil.copy(ROOT / "Pulumi.dev.yaml", project / "Pulumi.dev.yaml")
    committed = (project / "Pulumi.dev.yaml").read_text()
    (tmp_path / "state").mkdir()
    dev = PulumiWorkspace(project, tmp_path / "state", {"PULUMI_CONFIG_PASSPHRASE": "railstack-dev-insecure"})
    dev.run("stack", "init", "dev")
    assert (project / "Pulumi.dev.yaml").read_text() == committed, "the stack's creation leaves the file as it is"
    dev.run("config", "set", "--secret", "-s", "dev", "probe", "round-trip")
    assert dev.run("config", "get", "-s", "dev", "probe").stdout.strip() == "round-trip"
    other = PulumiWorkspace(project, tmp_path / "state", {"PULUMI_CONFIG_PASSPHRASE": "a-staging-passphrase"})
    refused = other.run("config", "get", "-s", "dev", "probe", check=False)
    assert refused.returncode != 0 and "incorrect passphrase" in refused.stderr + refused.stdout
