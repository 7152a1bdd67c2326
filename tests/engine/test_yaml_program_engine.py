"""railstack's Railway provider plugin from a Pulumi YAML program (examples/yaml-railway), under the real engine.

The program has no Python of railstack's in it: the engine runs it with pulumi-language-yaml (built by
scripts/bootstrap from toolchain/yaml) and talks to the railway plugin over gRPC, as a program in any
language would. It is brought up against the Railway API emulator, previewed and destroyed; the
emulator's own records are the evidence.

Each test gets the stack it needs from a fixture, so the tests pass in any order: the module's stack is
brought up once and only read, and after the destroy test the next test that needs it brings it up again
(tests/engine/brought_up.py).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, TOOLS_BIN, PulumiWorkspace
from tests.engine.brought_up import ModuleStack, Up
from tests.hand_made import Dashboard
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]

EXAMPLE = ROOT / "examples" / "yaml-railway"
STACK = "yaml-test"
PROJECT_NAME = f"yaml-{STACK}"  # the program names its project yaml-${pulumi.stack}

#: The variables the program gives the service, as Railway must store them: `$${{` is Pulumi YAML's
#: escape for a literal `${{`, so the references reach Railway unresolved.
VARIABLES = {
    "SECRET_KEY": "${{shared.SECRET_KEY}}",
    "PUBLIC_URL": "https://${{RAILWAY_PUBLIC_DOMAIN}}",
    "SERVICE_TYPE": "web",
    "PORT": "8000",
}


def _workspace(root: Path, emulator: EmulatorServer) -> PulumiWorkspace:
    """A copy of the example in `root` with an empty stack on its own file backend, pointed at `emulator`."""
    if not (TOOLS_BIN / "pulumi-language-yaml").exists():
        pytest.fail("pulumi-language-yaml is missing from .tools/bin: run scripts/bootstrap (scripts/test does)")
    program = root / "program"
    shutil.copytree(EXAMPLE, program)
    state = root / "state"
    state.mkdir()
    ws = PulumiWorkspace(project_dir=program, state_dir=state)
    ws.run("stack", "init", STACK)
    ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    # The provider's own config (not RAILWAY_API_URL): the endpoint comes from the stack as it would for Railway.
    ws.run("config", "set", "railway:apiUrl", emulator.url)
    return ws


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer) -> Iterator[ModuleStack]:
    """The module's stack. Its tests only read it, but for the destroy test, after which the next test
    that needs it brings it up again."""
    stack = ModuleStack(_workspace(tmp_path_factory.mktemp("yaml-program"), emulator), emulator)
    yield stack
    stack.close()


@pytest.fixture
def up(stack: ModuleStack) -> Up:
    return stack.up()


@pytest.fixture
def workspace(up: Up) -> PulumiWorkspace:
    return up.workspace


def _graphql(emulator: EmulatorServer, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return Dashboard(emulator).gql(query, **variables)


def _resources(workspace: PulumiWorkspace) -> list[dict[str, Any]]:
    return json.loads(workspace.run("stack", "export").stdout)["deployment"].get("resources", [])


def test_the_example_is_a_yaml_program_with_no_python() -> None:
    assert yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())["runtime"] == "yaml"
    assert [p.name for p in EXAMPLE.rglob("*.py")] == [], "the example must have no Python in it"


def test_up_creates_one_project_with_one_service_and_one_deployment(up: Up, emulator: EmulatorServer) -> None:
    state = emulator.state_json()
    (project,) = state["projects"]
    assert project["name"] == PROJECT_NAME
    (service,) = state["services"]
    assert (service["projectId"], service["name"]) == (project["id"], "web")
    assert up.after["deployments"] - up.before["deployments"] == 1, "one deployment for the one service"
    (deployment,) = state["deployments"]
    assert deployment["serviceId"] == service["id"]
    assert deployment["meta"]["image"] == "ghcr.io/example/railstack-app:1"
    (instance,) = state["serviceInstances"]
    assert instance["startCommand"] == "/app/entrypoint web"

    outputs = up.workspace.json("stack", "output")
    assert outputs["projectId"] == project["id"]
    assert outputs["serviceId"] == service["id"]
    assert outputs["deploymentId"] == deployment["id"]
    assert outputs["deploymentStatus"] == "SUCCESS"


def test_variables_are_stored_verbatim(workspace: PulumiWorkspace, emulator: EmulatorServer) -> None:
    outputs = workspace.json("stack", "output")
    variables = _graphql(
        emulator,
        "query($p: String!, $e: String!, $s: String) "
        "{ variables(projectId: $p, environmentId: $e, serviceId: $s, unrendered: true) }",
        {"p": outputs["projectId"], "e": outputs["environmentId"], "s": outputs["serviceId"]},
    )["variables"]
    assert variables == VARIABLES


def test_the_state_holds_railway_resources_of_the_plugin_and_no_dynamic_resource(workspace: PulumiWorkspace) -> None:
    types = Counter(r["type"] for r in _resources(workspace))
    assert "pulumi-python:dynamic:Resource" not in types, "no Railway resource may be a dynamic resource"
    assert types["pulumi:providers:railway"] == 1, f"one railway provider: {dict(types)}"
    assert {t: n for t, n in types.items() if t.startswith("railway:")} == {
        f"railway:index:{name}": 1
        for name in ("Project", "Service", "VariableCollection", "ServiceInstance", "ServiceDeployment")
    }


def test_second_preview_after_up_shows_no_changes(workspace: PulumiWorkspace) -> None:
    workspace.run("preview", "--expect-no-changes")


def test_destroy_leaves_the_emulator_empty(stack: ModuleStack, emulator: EmulatorServer) -> None:
    stack.up()
    stack.destroy()
    left = {kind: objects for kind, objects in emulator.state_json().items() if objects}
    assert left == {}, f"objects left in the emulator after destroy: {left}"
    assert _resources(stack.workspace) == [], "destroy must leave nothing in the stack"
