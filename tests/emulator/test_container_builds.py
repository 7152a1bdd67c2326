"""Container mode builds repository sources (railway_emulator/runtime/build.py; docs/railway-api.md,
"Repository builds", "Auto-deploys and watch paths"): a small local git repository whose Dockerfile
starts from a base image built locally (no pulls)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from railway_emulator import EmulatorServer
from tests.emulator.git_repos import commit
from tests.emulator.test_container_mode import TOKEN, bare_service, gql

pytestmark = [pytest.mark.emulator, pytest.mark.docker]

BASE = "railstack/python:3.11"
REPO = "acme/shop"

DOCKERFILE = f"""FROM {BASE}
ARG GREETING
COPY marker.txt /marker.txt
RUN echo "greeting at build: ${{GREETING:-unset}}" && echo "undeclared at build: ${{UNDECLARED:-unset}}" \\
    && cat /marker.txt
CMD ["python3", "-c", "import time; print('serving', flush=True); time.sleep(60)"]
"""


@pytest.fixture(scope="module")
def engine() -> docker.DockerClient:
    client = docker.from_env()
    client.images.get(BASE)  # scripts/base-images builds it
    return client


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    commit(
        folder,
        {
            "app/Dockerfile": DOCKERFILE,
            "app/marker.txt": "marker from the root directory\n",
            "backend/Dockerfile.railway": f"FROM {BASE}\n",
            "docs/readme.md": "hello\n",
        },
        "first",
    )
    return folder


@pytest.fixture
def emu(engine: docker.DockerClient, shop: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, run_containers=True, repo_map={REPO: str(shop)}, register_delay=0.0) as server:
        yield server


def repo_service(
    emu: EmulatorServer,
    name: str,
    *,
    repo: str = REPO,
    variables: dict[str, str] | None = None,
    **settings: object,
) -> dict[str, str]:
    """A service whose repo source is connected by a committed patch (which deploys it), after its
    variables and settings are in place; the ids and the deployment the patch started."""
    ids = bare_service(emu, name, variables)
    env, svc = ids["environmentId"], ids["serviceId"]
    if settings:
        gql(
            emu,
            "mutation($s: String!, $e: String!, $i: ServiceInstanceUpdateInput!) "
            "{ serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $i) }",
            s=svc,
            e=env,
            i=settings,
        )
    gql(
        emu,
        "mutation($e: String!, $p: EnvironmentConfig!) { environmentPatchCommit(environmentId: $e, patch: $p) }",
        e=env,
        p={"services": {svc: {"source": {"repo": repo, "branch": "main"}}}},
    )
    return {**ids, "deployment": latest(emu, ids)}


def latest(emu: EmulatorServer, ids: dict[str, str]) -> str:
    found = gql(
        emu,
        "query($s: String!, $e: String!) { serviceInstance(serviceId: $s, environmentId: $e) "
        "{ latestDeployment { id } } }",
        s=ids["serviceId"],
        e=ids["environmentId"],
    )
    deployment: str = found["serviceInstance"]["latestDeployment"]["id"]
    return deployment


def deployment(emu: EmulatorServer, deployment_id: str) -> dict[str, Any]:
    found: dict[str, Any] = gql(emu, "query($id: String!) { deployment(id: $id) { status meta } }", id=deployment_id)[
        "deployment"
    ]
    return found


def until_terminal(emu: EmulatorServer, deployment_id: str, seconds: float = 120) -> str:
    deadline = time.monotonic() + seconds
    while (current := deployment(emu, deployment_id)["status"]) not in ("SUCCESS", "FAILED", "CRASHED", "REMOVED"):
        assert time.monotonic() < deadline, f"deployment still {current}"
        time.sleep(0.3)
    return current


def lines(emu: EmulatorServer, deployment_id: str, field: str = "buildLogs") -> list[str]:
    found = gql(
        emu, f"query($id: String!) {{ {field}(deploymentId: $id, limit: 500) {{ message }} }}", id=deployment_id
    )
    return [line["message"] for line in found[field]]


def test_a_repo_source_builds_its_root_directory_with_only_the_declared_args_at_the_branch_head(
    emu: EmulatorServer, shop: Path, engine: docker.DockerClient
) -> None:
    head = commit(shop, {"app/marker.txt": "marker at the head\n"}, "second")
    ids = repo_service(
        emu,
        "shop",
        variables={"GREETING": "hello", "UNDECLARED": "not-for-the-build"},
        rootDirectory="/app",
        buildCommand="make build",
    )

    assert until_terminal(emu, ids["deployment"]) == "SUCCESS"
    build = lines(emu, ids["deployment"])
    assert "greeting at build: hello" in build, "a declared ARG gets the service variable"
    assert "undeclared at build: unset" in build, "a variable the Dockerfile does not declare is not passed"
    assert "marker at the head" in build, "the context is the root directory at the branch head"
    assert any("make build" in line and "not run by a Dockerfile build" in line for line in build)
    assert "serving" not in build and "serving" in lines(emu, ids["deployment"], "deploymentLogs")
    assert deployment(emu, ids["deployment"])["meta"]["commitHash"] == head
    [run] = emu.emulator.runtime_view()["deployments"]
    assert run["built"] is True and run["build_seconds"] > 0
    assert emu.counters()["builds"] == 1
    assert emu.emulator.runtime_view()["owned"]["images"], "the built image is the runtime's, so cleanup removes it"


def test_a_pinned_commit_sha_builds_that_commit(emu: EmulatorServer, shop: Path) -> None:
    first = commit(shop, {"app/marker.txt": "marker of the pinned commit\n"}, "pinned")
    commit(shop, {"app/marker.txt": "marker of a later commit\n"}, "later")
    ids = repo_service(emu, "pinned", rootDirectory="app")
    until_terminal(emu, ids["deployment"])
    pinned = gql(
        emu,
        "mutation($s: String!, $e: String!, $c: String) "
        "{ serviceInstanceDeployV2(serviceId: $s, environmentId: $e, commitSha: $c) }",
        s=ids["serviceId"],
        e=ids["environmentId"],
        c=first[:8],
    )["serviceInstanceDeployV2"]

    assert until_terminal(emu, pinned) == "SUCCESS"
    assert deployment(emu, pinned)["meta"]["commitHash"] == first
    assert "marker of the pinned commit" in lines(emu, pinned)


def test_a_broken_dockerfile_fails_with_its_error_in_build_logs_and_the_live_deployment_stays(
    emu: EmulatorServer, shop: Path
) -> None:
    ids = repo_service(emu, "broken", rootDirectory="/app")
    assert until_terminal(emu, ids["deployment"]) == "SUCCESS"
    commit(shop, {"app/Dockerfile": f"FROM {BASE}\nRUN echo before the failure && exit 3\n"}, "break it")

    [row] = emu.push(REPO, "main")["services"]
    broken = row["deployed"]

    assert until_terminal(emu, broken) == "FAILED"
    build = lines(emu, broken)
    assert "before the failure" in build
    assert "non-zero code: 3" in build[-2] and build[-1] == "Build Failed", build[-3:]
    assert deployment(emu, ids["deployment"])["status"] == "SUCCESS", "the previous deployment stays live"
    assert lines(emu, broken, "deploymentLogs") == [], "nothing ran"


def test_the_guides_dockerfile_path_form_fails_naming_both_readings(emu: EmulatorServer) -> None:
    ids = repo_service(emu, "ambiguous", rootDirectory="/backend", dockerfilePath="backend/Dockerfile.railway")

    assert until_terminal(emu, ids["deployment"]) == "FAILED"
    [message] = [line for line in lines(emu, ids["deployment"]) if "ambiguous" in line]
    assert "/backend/backend/Dockerfile.railway" in message and "/backend/Dockerfile.railway, which exists" in message


def test_an_unmapped_repo_or_a_missing_dockerfile_fails_saying_why(emu: EmulatorServer) -> None:
    unmapped = repo_service(emu, "elsewhere", repo="acme/elsewhere")
    assert until_terminal(emu, unmapped["deployment"]) == "FAILED"
    assert any("--repo-map acme/elsewhere=PATH" in line for line in lines(emu, unmapped["deployment"]))

    bare = repo_service(emu, "bare", rootDirectory="/docs", builder="NIXPACKS")
    assert until_terminal(emu, bare["deployment"]) == "FAILED"
    assert any("NIXPACKS" in line and "cannot run" in line for line in lines(emu, bare["deployment"]))


def test_a_push_touching_only_files_outside_the_watch_patterns_skips_without_building(
    emu: EmulatorServer, shop: Path
) -> None:
    ids = repo_service(emu, "watched", rootDirectory="/app", watchPatterns=["/app/**"])
    assert until_terminal(emu, ids["deployment"]) == "SUCCESS"
    builds = emu.counters()["builds"]
    commit(shop, {"docs/readme.md": "only docs\n"}, "docs")

    [row] = emu.push(REPO, "main")["services"]

    assert deployment(emu, row["skipped"])["status"] == "SKIPPED"
    assert emu.counters()["builds"] == builds, "a skipped push builds nothing"
    assert deployment(emu, ids["deployment"])["status"] == "SUCCESS"


def test_railway_dockerfile_path_takes_the_place_of_the_setting_and_a_leading_slash_reads_from_the_repo_root(
    emu: EmulatorServer,
) -> None:
    ids = repo_service(
        emu,
        "variable-path",
        variables={"RAILWAY_DOCKERFILE_PATH": "/backend/Dockerfile.railway"},
        rootDirectory="/app",
        dockerfilePath="Dockerfile.missing",
        startCommand="sleep 30",
    )

    assert until_terminal(emu, ids["deployment"]) == "SUCCESS", lines(emu, ids["deployment"])
    assert not any("marker" in line for line in lines(emu, ids["deployment"])), "backend's Dockerfile, not app's"
