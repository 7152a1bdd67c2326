"""`pulumi up -s staging` from a repository Railway builds, as the deployment guides set it up: Root
Directory `backend`, a `Dockerfile.railway`, Watch Paths, Auto Deploy from `main`.

The emulator in container mode stands for Railway and GitHub: `--repo-map acme/shop=<local git
repository>` and `POST /_emulator/push` for GitHub's push webhook. Every role is built from the
repository's committed tree (the reference app under `backend/`), with the stack's variables reaching
the build only as the Dockerfile's `ARG`s (BASE_IMAGE: the locally built Debian Python image).

The tests run in order on one stack: up from the branch's head, a push that only the workers'
watch paths match, a pinned commit whose Dockerfile is broken, then a pinned fix.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import httpx
import pytest

from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project, edit_stack_config
from tests.e2e.test_staging_on_emulated_railway import (
    IMAGE_MAP,
    TOKEN,
    edge_get,
    edge_post,
    graphql,
    outputs,
    wait_for,
)
from tests.emulator.git_repos import commit as commit_files
from tests.emulator.git_repos import git

pytestmark = [pytest.mark.engine, pytest.mark.emulator, pytest.mark.docker, pytest.mark.usefixtures("pulumi_cli")]

# The shared helpers (graphql) speak with the staging test's token.
REPO = "acme/shop"
APP_ROLES = ("api", "worker-logs", "worker-content-generation", "beat", "flower")
WORKERS = ("worker-logs", "worker-content-generation")
#: What the API, beat and Flower rebuild for; the workers watch all of backend/ (the guides' layout).
APP_WATCH = ["/backend/railstack_app/**", "/backend/Dockerfile.railway", "/backend/requirements.txt"]


def commit(repo: Path, message: str) -> str:
    """Commit the working tree of `repo` as it is now: the new head's full SHA."""
    return commit_files(repo, {}, message)


@pytest.fixture(scope="module")
def shop_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository laid out as the guides': the app under backend/ with its Railway Dockerfile."""
    repo = tmp_path_factory.mktemp("shop-repo")
    backend = repo / "backend"
    shutil.copytree(ROOT / "app", backend, ignore=shutil.ignore_patterns("__pycache__", "Dockerfile"))
    shutil.copy(ROOT / "app" / "Dockerfile", backend / "Dockerfile.railway")
    (backend / "worker").mkdir()
    (backend / "worker" / "NOTES.md").write_text("Queues: logs, content.\n")
    commit_files(repo, {"README.md": "The shop.\n"}, "The shop")
    return repo


@pytest.fixture(scope="module")
def emulator(app_engine: docker.DockerClient, shop_repo: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, run_containers=True, image_map=IMAGE_MAP, repo_map={REPO: str(shop_repo)}) as emu:
        yield emu


def app_config(**extra: object) -> dict:
    return {
        "repo": REPO,
        "branch": "main",
        "root_directory": "/backend",
        "dockerfile_path": "Dockerfile.railway",
        "watch_patterns": APP_WATCH,
        "role_watch_patterns": {worker: ["/backend/**"] for worker in WORKERS},
        **extra,
    }


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory, emulator: EmulatorServer) -> Iterator[PulumiWorkspace]:
    root = tmp_path_factory.mktemp("repo-staging")
    project = copy_project(root / "project", "staging")
    edit_stack_config(
        project,
        "staging",
        {
            "app": app_config(),
            # BASE_IMAGE reaches the build as the Dockerfile's ARG; the others are the app's.
            "variables": {"HEARTBEAT_SECONDS": "2", "BASE_IMAGE": "railstack/python:3.11"},
            "deployments": {"poll_seconds": 0.5},
        },
    )
    (root / "state").mkdir()
    ws = PulumiWorkspace(project_dir=project, state_dir=root / "state", extra_env={"RAILWAY_API_URL": emulator.url})
    ws.run("stack", "init", "staging")
    ws.run("config", "set", "--secret", "railway:token", TOKEN)
    started = time.monotonic()
    ws.run("up", "--yes", "--skip-preview", timeout=1500)
    print(f"\nstaging up from the repository in container mode: {time.monotonic() - started:.1f} s")
    yield ws
    ws.run("destroy", "--yes", "--skip-preview", check=False, timeout=600)


def deployments(emulator: EmulatorServer, ws: PulumiWorkspace) -> dict[str, list[dict]]:
    """Every deployment of each app role, newest first: id, status, meta."""
    out = outputs(ws)
    found: dict[str, list[dict]] = {}
    for role in APP_ROLES:
        data = graphql(
            emulator,
            "query($s: String!) { deployments(first: 50, input: { serviceId: $s }) "
            "{ edges { node { id status meta } } } }",
            {"s": out["service_ids"][role]},
        )
        found[role] = [edge["node"] for edge in data["deployments"]["edges"]]
    return found


def live_commits(emulator: EmulatorServer, ws: PulumiWorkspace) -> dict[str, str]:
    return {
        role: next(d["meta"].get("commitHash") for d in ds if d["status"] == "SUCCESS")
        for role, ds in deployments(emulator, ws).items()
    }


def push(emulator: EmulatorServer, branch: str = "main") -> dict:
    answer = httpx.post(f"{emulator.base_url}/_emulator/push", params={"repo": REPO, "branch": branch}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def settled(emulator: EmulatorServer, answer: dict) -> bool:
    """Whether every deployment a push started is live."""
    ids = [s["deployed"] for s in answer["services"] if "deployed" in s]

    def status(deployment_id: str) -> str:
        return graphql(emulator, "query($id: String!) { deployment(id: $id) { status } }", {"id": deployment_id})[
            "deployment"
        ]["status"]

    return bool(wait_for(lambda: all(status(i) == "SUCCESS" for i in ids), 300, 1))


def test_every_role_is_built_from_the_repository_and_runs(
    staging: PulumiWorkspace, emulator: EmulatorServer, shop_repo: Path
) -> None:
    head = git(shop_repo, "rev-parse", "HEAD")
    view = emulator.emulator.runtime_view()
    builds = {row["serviceName"]: row.get("build_seconds") for row in view["deployments"] if row.get("build_seconds")}
    print(f"\nbuilds: {len(builds)}; build seconds per service: { {k: round(v, 1) for k, v in builds.items()} }")
    assert set(builds) == set(APP_ROLES), f"each app role builds the repository once: {builds}"
    statuses = {row["serviceName"]: row["status"] for row in view["deployments"]}
    assert statuses == {name: "SUCCESS" for name in ("Postgres", "Redis", *APP_ROLES)}, statuses
    assert live_commits(emulator, staging) == {role: head for role in APP_ROLES}
    health = edge_get(emulator, staging, "/health")
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": True, "redis": True}, health.text
    task = edge_post(emulator, staging, "/tasks/content", {"topic": "railways"})
    assert task.status_code == 202, task.text
    done = wait_for(lambda: edge_get(emulator, staging, f"/tasks/{task.json()['id']}").json().get("status") == "done")
    assert done, "the content worker built from the repository must run the task"


def test_a_push_deploys_only_the_roles_whose_watch_paths_match_and_the_preview_stays_clean(
    staging: PulumiWorkspace, emulator: EmulatorServer, shop_repo: Path
) -> None:
    before = deployments(emulator, staging)
    (shop_repo / "backend" / "worker" / "NOTES.md").write_text("Queues: logs, content, and a new one soon.\n")
    pushed = commit(shop_repo, "Worker notes")
    answer = push(emulator)
    print(f"\npush answer: {answer}")
    assert sorted(s["serviceName"] for s in answer["services"] if "deployed" in s) == sorted(WORKERS), answer
    assert settled(emulator, answer), deployments(emulator, staging)
    after = deployments(emulator, staging)
    new = {role: [d for d in after[role] if d["id"] not in {b["id"] for b in before[role]}] for role in APP_ROLES}
    for worker in WORKERS:
        assert [d["status"] for d in new[worker]] == ["SUCCESS"], (worker, new[worker])
        assert new[worker][0]["meta"]["commitHash"] == pushed
    for role in ("api", "beat", "flower"):
        assert [d["status"] for d in new[role]] == ["SKIPPED"], (role, new[role])
    # Railway's own deployment of a push is not drift: nothing to do, with or without a refresh.
    staging.run("preview", "--expect-no-changes")
    staging.run("preview", "--refresh", "--expect-no-changes")


def test_a_pinned_commit_with_a_broken_dockerfile_fails_the_up_naming_the_api_and_deploys_nothing_after_it(
    staging: PulumiWorkspace, emulator: EmulatorServer, shop_repo: Path
) -> None:
    dockerfile = shop_repo / "backend" / "Dockerfile.railway"
    good = dockerfile.read_text()
    dockerfile.write_text(good.replace("RUN groupadd", "RUN echo the shop image cannot build && exit 7\nRUN groupadd"))
    broken = commit(shop_repo, "Break the image")
    before = deployments(emulator, staging)
    edit_stack_config(staging.project_dir, "staging", {"app": app_config(commit=broken)})
    started = time.monotonic()
    proc = staging.run("up", "--yes", "--skip-preview", check=False, timeout=900)
    output = proc.stdout + proc.stderr
    print(f"\nbroken up failed after {time.monotonic() - started:.1f} s")
    assert proc.returncode != 0, output[-3000:]
    assert "staging: service api: deployment" in output and "ended FAILED" in output, output[-3000:]
    assert "the shop image cannot build" in output, "the build log's last lines are in the failure"
    after = deployments(emulator, staging)
    for role in ("worker-logs", "worker-content-generation", "beat", "flower"):
        assert [d["id"] for d in after[role]] == [d["id"] for d in before[role]], f"{role} must not deploy"
    assert edge_get(emulator, staging, "/health").status_code == 200, "the live API keeps running"

    dockerfile.write_text(good)
    fixed = commit(shop_repo, "Mend the image")
    edit_stack_config(staging.project_dir, "staging", {"app": app_config(commit=fixed)})
    preview = staging.run("preview", "--diff").stdout
    for role in APP_ROLES:
        assert f"railstack-{role}-deployment" in preview or role in preview, preview[-3000:]
    assert preview.count("commitSha") >= len(APP_ROLES), f"a change of pin previews as a change: {preview[-3000:]}"
    before = deployments(emulator, staging)
    staging.run("up", "--yes", "--skip-preview", timeout=900)
    after = deployments(emulator, staging)
    added = {role: len(after[role]) - len(before[role]) for role in APP_ROLES}
    assert added == {role: 1 for role in APP_ROLES}, f"the pin deploys each role exactly once: {added}"
    assert live_commits(emulator, staging) == {role: fixed for role in APP_ROLES}
    staging.run("preview", "--refresh", "--expect-no-changes")


def test_a_push_after_a_pin_is_drift_the_pin_wins(
    staging: PulumiWorkspace, emulator: EmulatorServer, shop_repo: Path
) -> None:
    (shop_repo / "backend" / "worker" / "NOTES.md").write_text("Queues: logs, content, orders.\n")
    pinned = live_commits(emulator, staging)["api"]
    commit(shop_repo, "More worker notes")
    assert settled(emulator, push(emulator)), deployments(emulator, staging)
    preview = staging.run("preview", "--refresh", "--diff").stdout
    assert "commitSha" in preview, f"with a pin, Railway deploying another commit shows as a change: {preview[-3000:]}"
    before = deployments(emulator, staging)
    staging.run("up", "--refresh", "--yes", "--skip-preview", timeout=900)
    after = deployments(emulator, staging)
    added = {role: len(after[role]) - len(before[role]) for role in APP_ROLES}
    assert added == {role: int(role in WORKERS) for role in APP_ROLES}, f"only what moved off the pin deploys: {added}"
    assert set(live_commits(emulator, staging).values()) == {pinned}
    staging.run("preview", "--refresh", "--expect-no-changes")
