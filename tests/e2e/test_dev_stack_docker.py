"""`pulumi up -s dev` for real: the real engine, the real Docker engine, the reference app.

The project is copied to a temporary directory and run with its own state backend; the stack's
Docker names get a unique prefix and the API a free port, so a developer's own `dev` stack on the
same engine is left alone. The tests run in file order against one stack: up, then what a user
checks, then a no-op up, then destroy. Timings go to `.results/dev-stack-timings.json`.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from support.ports import free_port
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project

pytestmark = [pytest.mark.engine, pytest.mark.docker, pytest.mark.usefixtures("pulumi_cli")]

BASE_IMAGES = ("railstack/python:3.11", "railstack/postgres:15", "railstack/redis:7")
APP_ROLES = ("api", "worker-logs", "worker-content-generation", "beat")
RESULTS = ROOT / ".results" / "dev-stack-timings.json"


def docker(*args: str, check: bool = True) -> str:
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"`docker {' '.join(args)}` exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def labelled(kind: str, prefix: str) -> list[str]:
    """Names of the containers, networks or volumes labelled with the stack's prefix."""
    fmt = "{{.Names}}" if kind == "container" else "{{.Name}}"
    cmd = ["ps", "-a"] if kind == "container" else [kind, "ls"]
    out = docker(*cmd, "--filter", f"label=railstack.prefix={prefix}", "--format", fmt)
    return sorted(line for line in out.splitlines() if line)


def inspect(name: str) -> dict[str, Any]:
    return json.loads(docker("inspect", name))[0]


def wait_for(what: str, probe: Callable[[], Any], timeout: float, interval: float = 1.0) -> Any:
    """Polls `probe` until it returns something truthy; fails naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"{what}: not within {timeout:.0f} s (last seen: {last!r})")


@dataclass
class DevStack:
    ws: PulumiWorkspace
    prefix: str
    api_port: int
    images_before: set[str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def container(self, role: str) -> str:
        return f"{self.prefix}-{role}"

    def timed(self, label: str, *args: str) -> str:
        started = time.monotonic()
        out = self.ws.run(*args, timeout=1200).stdout
        self.timings[label] = round(time.monotonic() - started, 1)
        return out

    def psql(self, sql: str) -> str:
        return docker("exec", self.container("postgres"), "psql", "-U", "postgres", "-d", "railway", "-tAc", sql)

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            resp = httpx.get(f"{self.api}/health", timeout=10)
        except httpx.HTTPError as err:
            return 0, {"error": type(err).__name__}
        return resp.status_code, resp.json()

    def content_task(self, topic: str) -> dict[str, Any]:
        """Enqueues a content task through the API and waits until a worker finished it."""
        resp = httpx.post(f"{self.api}/tasks/content", json={"topic": topic}, timeout=10)
        assert resp.status_code == 202, resp.text
        task_id = resp.json()["id"]

        def done() -> dict[str, Any] | None:
            row = httpx.get(f"{self.api}/tasks/{task_id}", timeout=10).json()
            return row if row["status"] == "done" else None

        return wait_for(f"content task {task_id} done", done, timeout=60)


def all_images() -> set[str]:
    return set(docker("images", "-aq", "--no-trunc").split())


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        pytest.fail("no Docker engine answers: run scripts/docker-engine (scripts/test does)")
    missing = [
        i for i in BASE_IMAGES if subprocess.run(["docker", "image", "inspect", i], capture_output=True).returncode
    ]
    if missing:
        pytest.fail(f"base images missing: {', '.join(missing)}: run scripts/base-images (scripts/test does)")
    root = tmp_path_factory.mktemp("dev-stack")
    ws = PulumiWorkspace(project_dir=copy_project(root / "project", "dev"), state_dir=root / "state")
    ws.state_dir.mkdir()
    stack = DevStack(
        ws, prefix=f"railstack-e2e-{uuid.uuid4().hex[:6]}", api_port=free_port(), images_before=all_images()
    )
    ws.run("stack", "init", "dev")
    ws.run("config", "set", "--path", "railstack:stack.project_name", stack.prefix)
    ws.run("config", "set", "--path", "railstack:stack.docker.api_port", str(stack.api_port))
    # A faster heartbeat than the app's default 10 s keeps the test short; it is an ordinary extra variable.
    ws.run("config", "set", "--path", "railstack:stack.variables.HEARTBEAT_SECONDS", "3")
    stack.timed("first up", "up", "--yes", "--skip-preview")
    try:
        yield stack
    finally:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(stack.timings, indent=2) + "\n")
        # Whatever a failed test left behind.
        ws.run("config", "set", "--path", "railstack:stack.docker.keep_volumes", "false")
        ws.run("destroy", "--yes", "--continue-on-error", check=False, timeout=600)
        for volume in labelled("volume", stack.prefix):
            docker("volume", "rm", "-f", volume, check=False)


def test_every_role_runs_healthy_and_starts_after_what_it_needs(dev: DevStack) -> None:
    names = labelled("container", dev.prefix)
    assert names == sorted(dev.container(r) for r in ("postgres", "redis", *APP_ROLES))
    state = {name.removeprefix(dev.prefix + "-"): inspect(name)["State"] for name in names}
    unhealthy = {
        role: s.get("Health", {}).get("Status")
        for role, s in state.items()
        if s.get("Health", {}).get("Status") != "healthy"
    }
    assert not unhealthy, f"every container has a healthcheck and passes it: {unhealthy}"
    started = {role: s["StartedAt"] for role, s in state.items()}
    assert started["api"] > max(started["postgres"], started["redis"]), (
        f"the API starts after Postgres and Redis: {started}"
    )
    for role in ("worker-logs", "worker-content-generation", "beat"):
        assert started[role] > started["api"], f"{role} starts after the API (which migrates): {started}"


def test_only_the_api_publishes_a_port_and_only_on_loopback(dev: DevStack) -> None:
    for name in labelled("container", dev.prefix):
        info = inspect(name)
        bindings = info["HostConfig"]["PortBindings"] or {}
        if name == dev.container("api"):
            assert bindings == {"8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(dev.api_port)}]}
        else:
            assert bindings == {}, f"{name} publishes nothing: {bindings}"
        if name.endswith(("beat", "worker-logs", "worker-content-generation")):
            assert not info["Config"].get("ExposedPorts"), f"{name}: workers and beat expose no port"
        assert info["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert inspect(dev.container("beat"))["HostConfig"]["Memory"] > 0, "limits from the development profile apply"


def test_health_reports_database_and_redis(dev: DevStack) -> None:
    assert dev.health() == (200, {"status": "ok", "database": True, "redis": True})


def test_a_content_task_is_processed_by_the_worker_and_read_back_from_postgres(dev: DevStack) -> None:
    row = dev.content_task("railway stacks")
    assert row["result"]["text"] == "article about railway stacks"
    stored = dev.psql(f"select status, result->>'text' from tasks where id = {row['id']}")
    assert stored == "done|article about railway stacks"


def test_beat_records_the_heartbeat_at_least_twice(dev: DevStack) -> None:
    count = wait_for("two heartbeats in Postgres", lambda: int(dev.psql("select count(*) from heartbeats")) >= 2, 60)
    assert count


def test_stopping_redis_shows_in_health_within_30s_and_starting_it_recovers(dev: DevStack) -> None:
    docker("stop", dev.container("redis"))
    try:
        status, body = wait_for("/health reports Redis down", lambda: (s := dev.health())[0] == 503 and s, 30, 0.5)
        assert body == {"status": "unavailable", "database": True, "redis": False}
    finally:
        docker("start", dev.container("redis"))
    wait_for("/health healthy again", lambda: dev.health()[0] == 200, 60)
    assert dev.content_task("after the outage")["status"] == "done", "workers reconnect to the broker"
    wait_for(
        "Redis container healthy again",
        lambda: inspect(dev.container("redis"))["State"]["Health"]["Status"] == "healthy",
        60,
    )


def test_containers_get_the_role_contract_and_the_state_no_plaintext_secret(dev: DevStack) -> None:
    outputs = dev.ws.json("stack", "output")
    assert outputs["api_url"] == dev.api
    for role in APP_ROLES:
        info = inspect(dev.container(role))
        env = dict(e.split("=", 1) for e in info["Config"]["Env"])
        image_env = {e.split("=", 1)[0] for e in inspect(info["Image"])["Config"]["Env"] or []}
        assert sorted(set(env) - image_env) == outputs["variable_names"][role], f"{role} gets exactly its contract"
        assert env["DATABASE_URL"].endswith("@postgres:5432/railway") and env["REDIS_URL"].endswith("@redis:6379")
        assert env["CELERY_BROKER_URL"] == env["CELERY_RESULT_BACKEND"] == env["REDIS_URL"]
    secrets = {
        "postgres": dict(e.split("=", 1) for e in inspect(dev.container("postgres"))["Config"]["Env"])[
            "POSTGRES_PASSWORD"
        ],
        "secret_key": dict(e.split("=", 1) for e in inspect(dev.container("api"))["Config"]["Env"])["SECRET_KEY"],
    }
    exported = dev.ws.run("stack", "export").stdout + dev.ws.run("stack", "output", "--json").stdout
    for name, value in secrets.items():
        assert len(value) >= 24 and value not in exported, f"the {name} secret is stored encrypted only"


def test_a_second_up_changes_nothing(dev: DevStack) -> None:
    dev.ws.run("preview", "--expect-no-changes")
    out = dev.timed("no-op up", "up", "--yes", "--expect-no-changes")
    assert "unchanged" in out


def test_the_running_stack_passes_the_policy_pack_and_its_preview_json_shows_no_secret(dev: DevStack) -> None:
    from previews.events import parse_preview

    dev.ws.extra_env["PULUMI_ENABLE_STREAMING_JSON_PREVIEW"] = "1"
    try:
        proc = dev.ws.run(
            "preview", "--json", "--policy-pack", "policy", "--policy-pack-config", "policy/config/dev.json"
        )
    finally:
        del dev.ws.extra_env["PULUMI_ENABLE_STREAMING_JSON_PREVIEW"]
    preview = parse_preview(proc.stdout)
    assert preview.violations == [] and preview.policy_warnings == [], [
        (v.policy, v.message) for v in preview.violations
    ]
    assert not preview.changes, "known values, no changes: every policy judged the real containers"
    api_env = dict(e.split("=", 1) for e in inspect(dev.container("api"))["Config"]["Env"])
    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "ADMIN_PASSWORD", "DATABASE_URL", "REDIS_URL"):
        assert api_env[name] not in proc.stdout + proc.stderr, f"{name} leaked into the preview JSON"


def test_destroy_leaves_no_container_network_volume_or_image(dev: DevStack) -> None:
    dev.timed("destroy", "destroy", "--yes")
    assert labelled("container", dev.prefix) == []
    assert labelled("network", dev.prefix) == []
    assert labelled("volume", dev.prefix) == [], "keep_volumes is false: the volumes go with the stack"
    assert docker("images", "-q", f"{dev.prefix}-app") == ""
    left = all_images() - dev.images_before
    assert not left, f"images the stack built are all removed: {left}"
    for image in BASE_IMAGES:
        docker("image", "inspect", image)  # shared base images are kept


def test_kept_volumes_survive_destroy_and_the_next_up_reuses_the_data(dev: DevStack) -> None:
    dev.ws.run("config", "set", "--path", "railstack:stack.docker.keep_volumes", "true")
    dev.timed("up (image cached)", "up", "--yes", "--skip-preview")
    row = dev.content_task("kept")
    dev.ws.run("destroy", "--yes")
    assert labelled("container", dev.prefix) == []
    assert labelled("volume", dev.prefix) == [f"{dev.prefix}-postgres-data", f"{dev.prefix}-redis-data"]
    dev.ws.run("up", "--yes", "--skip-preview")
    assert httpx.get(f"{dev.api}/tasks/{row['id']}", timeout=10).json()["result"]["text"] == "article about kept"
    dev.ws.run("config", "set", "--path", "railstack:stack.docker.keep_volumes", "false")
    dev.ws.run("up", "--yes", "--skip-preview")
    dev.ws.run("destroy", "--yes")
    assert labelled("volume", dev.prefix) == []
    assert labelled("container", dev.prefix) == []
