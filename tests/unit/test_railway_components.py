"""Wiring and invariants of the Railway components, per environment, with Pulumi mocks.

A recording Mocks registers every resource the program would create; the assertions read their
inputs. Engine behaviour (diffs, deployments) is tested against the emulator in tests/engine.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from tests.unit.mocks import RecordingMocks


def render(stack: str, overrides: dict[str, Any]) -> RecordingMocks:
    """Registers the Railway AppStack of `stack` under mocks and returns what was registered."""
    from railstack.components.railway.app_stack import AppStack, AppStackArgs

    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="railstack", stack=stack, preview=False)
    config = load_stack_config(stack, {"app": {"image": "ghcr.io/acme/app:1"}, **overrides})

    @pulumi.runtime.test
    def program() -> None:
        AppStack(
            "railstack",
            AppStackArgs(plan=build_plan(stack, config), project_name=f"railstack-{stack}", extra_secrets={}),
        )

    program()  # returns once every registration has reached the mocks
    return mocks


@pytest.fixture(params=["demo", "staging", "prod"])
def rendered(request: pytest.FixtureRequest) -> tuple[str, dict[str, dict[str, Any]]]:
    mocks = render(request.param, {"flower": {"enabled": True}})
    return request.param, mocks.resources


def inputs(resources: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    assert name in resources, f"{name} was not registered; registered: {sorted(resources)}"
    return resources[name]["inputs"]


def test_beat_runs_one_replica_without_overlap_and_has_no_domain(rendered) -> None:
    stack, resources = rendered
    beat = inputs(resources, "railstack-beat-settings")
    assert (beat["num_replicas"], beat["overlap_seconds"]) == (1, 0), f"{stack}: beat must be a single scheduler"
    for role in ("beat", "worker-logs", "worker-content-generation", "flower"):
        assert f"railstack-{role}-domain" not in resources, f"{stack}: {role} must not get a public domain"
    assert "railstack-api-domain" in resources, f"{stack}: the api has a public domain"


def test_api_has_healthcheck_and_runs_migrations_before_deploying(rendered) -> None:
    stack, resources = rendered
    api = inputs(resources, "railstack-api-settings")
    assert api["healthcheck_path"] == "/health", stack
    assert api["pre_deploy_command"], f"{stack}: migrations run in the pre-deploy command"


def test_every_app_role_gets_connections_and_secrets_by_reference(rendered) -> None:
    stack, resources = rendered
    service_types = set()
    for role in ("api", "worker-logs", "worker-content-generation", "beat", "flower"):
        variables = inputs(resources, f"railstack-{role}-variables")["variables"]
        assert variables["DATABASE_URL"] == "${{Postgres.DATABASE_URL}}", f"{stack}/{role}"
        assert variables["REDIS_URL"] == variables["CELERY_BROKER_URL"] == "${{Redis.REDIS_URL}}", f"{stack}/{role}"
        assert variables["SECRET_KEY"] == "${{shared.SECRET_KEY}}", f"{stack}/{role}"
        assert variables["JWT_SECRET_KEY"] == "${{shared.JWT_SECRET_KEY}}", f"{stack}/{role}"
        service_types.add(variables["SERVICE_TYPE"])
    assert len(service_types) == 5, f"{stack}: each role has its own SERVICE_TYPE: {service_types}"


def test_sizing_comes_from_the_environment_profile(rendered) -> None:
    stack, resources = rendered
    replicas = inputs(resources, "railstack-api-settings")["num_replicas"]
    assert replicas == {"demo": 1, "staging": 1, "prod": 2}[stack]
    volume = inputs(resources, "railstack-postgres-volume")
    assert volume["mount_path"] == "/var/lib/postgresql/data"
    assert volume["backup_schedules"] == {"demo": [], "staging": ["DAILY"], "prod": ["DAILY", "WEEKLY"]}[stack]


def test_secrets_are_generated_by_random_and_shared_as_sensitive_variables(rendered) -> None:
    stack, resources = rendered
    passwords = {n for n, r in resources.items() if r["type"] == "random:index/randomPassword:RandomPassword"}
    assert len(passwords) == 7, f"{stack}: {sorted(passwords)}: 6 shared secrets and the fingerprint key"
    assert "railstack-secrets-fingerprint-key" in passwords
    shared = inputs(resources, "railstack-shared-variables")["variables"]
    assert set(shared) == {
        "SECRET_KEY",
        "JWT_SECRET_KEY",
        "ADMIN_PASSWORD",
        "POSTGRES_PASSWORD",
        "REDIS_PASSWORD",
        "FLOWER_PASSWORD",
    }, "the fingerprint key is never a variable"


def test_variable_fingerprints_name_every_variable_in_plain_text_without_revealing_values() -> None:
    mocks = render("staging", {})
    for name, resource in mocks.resources.items():
        if not name.endswith("variables"):
            continue
        variables, fingerprints = resource["inputs"]["variables"], resource["inputs"]["fingerprints"]
        assert set(fingerprints) == set(variables), f"{name}: one fingerprint per variable"
        assert "fingerprints" not in mocks.secret_inputs[name] and "variables" in mocks.secret_inputs[name]
        for variable, value in variables.items():
            assert len(fingerprints[variable]) == 16 and fingerprints[variable] != value, f"{name}.{variable}"
        if name == "railstack-shared-variables":
            assert not any(v in f for v in variables.values() for f in fingerprints.values()), "no secret value shows"


def test_the_redis_start_command_is_shell_wrapped_so_its_password_is_expanded(rendered) -> None:
    import shlex

    from railstack.components.commands import is_shell_wrapped, needs_shell

    stack, resources = rendered
    command = inputs(resources, "railstack-redis-settings")["start_command"]
    argv = shlex.split(command)
    assert is_shell_wrapped(argv) and not needs_shell(command), f"{stack}: Redis runs in exec form: {command}"
    assert argv[2].startswith("exec redis-server") and '"$REDIS_PASSWORD"' in argv[2], argv


def test_replicas_go_to_the_stacks_region_and_a_role_can_name_its_own(rendered) -> None:
    stack, resources = rendered
    api = inputs(resources, "railstack-api-settings")
    assert api["region"] == "us-west2", f"{stack}: Railway's default region unless the stack names one"
    mocks = render(
        "staging", {"region": "europe-west4-drams3a", "workers": {"logs": {"sizing": {"region": "us-east4-eqdc4a"}}}}
    )
    assert inputs(mocks.resources, "railstack-api-settings")["region"] == "europe-west4-drams3a"
    assert inputs(mocks.resources, "railstack-worker-logs-settings")["region"] == "us-east4-eqdc4a"


def test_workers_beat_and_the_api_get_a_sigterm_grace_from_the_profile(rendered) -> None:
    stack, resources = rendered
    draining = {
        role: inputs(resources, f"railstack-{role}-settings").get("draining_seconds")
        for role in ("api", "worker-logs", "beat")
    }
    expected = {"demo": (5, 30, 5), "staging": (15, 60, 10), "prod": (30, 120, 10)}[stack]
    assert tuple(draining.values()) == expected, f"{stack}: {draining}"


def test_the_release_carries_the_source_and_limits_and_waits_within_the_roles_timeout(rendered) -> None:
    stack, resources = rendered
    api = inputs(resources, "railstack-api-deployment")
    assert api["source_image"] == "ghcr.io/acme/app:1" and api["vcpus"] and api["memory_gb"], stack
    assert api["timeout_seconds"] == 600 + 120, "build allowance plus the API's healthcheck timeout"
    assert inputs(resources, "railstack-beat-deployment")["timeout_seconds"] == 600 + 120, "plus start_seconds"
    assert "source_image" not in inputs(resources, "railstack-api-settings"), "settings never carry the source"


def test_the_names_railstack_import_may_use_are_exactly_the_railway_resources_registered(rendered) -> None:
    from railstack.components.railway.app_stack import railway_resource_names

    stack, resources = rendered
    config = load_stack_config(stack, {"app": {"image": "ghcr.io/acme/app:1"}, "flower": {"enabled": True}})
    registered = {name for name, r in resources.items() if r["type"].startswith("railway:index:")}
    assert railway_resource_names("railstack", build_plan(stack, config)) == registered, stack


def test_an_import_naming_no_resource_fails_before_any_resource_is_registered() -> None:
    from railstack.components.railway.app_stack import AppStack, AppStackArgs

    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="railstack", stack="staging", preview=False)
    config = load_stack_config("staging", {"app": {"image": "ghcr.io/acme/app:1"}})
    imports = {"railstack-project": "p-1", "railstack-api-servic": "s-1"}

    @pulumi.runtime.test
    def program() -> None:
        AppStack(
            "railstack",
            AppStackArgs(
                plan=build_plan("staging", config),
                project_name="railstack-staging",
                extra_secrets={},
                stack="staging",
                imports=imports,
            ),
        )

    with pytest.raises(pulumi.RunError, match=r"staging: railstack:import names .*railstack-api-servic"):
        program()
    assert [n for n, r in mocks.resources.items() if r["type"] != "railstack:railway:AppStack"] == [], (
        "nothing but the component itself may be registered before the imports are checked"
    )


def test_a_repo_source_builds_every_role_from_one_commit_with_its_own_watch_paths() -> None:
    sha = "4f2c8e1b9a7d6c5e3f1a0b9c8d7e6f5a4b3c2d1e"
    app = {
        "repo": "acme/shop",
        "branch": "release",
        "root_directory": "/backend",
        "dockerfile_path": "Dockerfile.railway",
        "watch_patterns": ["/backend/shop/**"],
        "role_watch_patterns": {"worker-logs": ["/backend/worker/**"]},
        "wait_for_ci": True,
        "commit": sha,
    }
    resources = render("staging", {"app": app}).resources
    roles = ("api", "worker-logs", "worker-content-generation", "beat")
    for role in roles:
        release = inputs(resources, f"railstack-{role}-deployment")
        assert (release["source_repo"], release["branch"], release["commit_sha"]) == ("acme/shop", "release", sha)
        assert (release["auto_deploy"], release["check_suites"]) == (True, True), role
        assert "source_image" not in release or release["source_image"] is None
        settings = inputs(resources, f"railstack-{role}-settings")
        assert (settings["root_directory"], settings["dockerfile_path"]) == ("/backend", "Dockerfile.railway")
        assert "builder" not in settings, (
            "a Dockerfile build is chosen by its path (the schema's Builder has no DOCKERFILE)"
        )
        expected = ["/backend/worker/**"] if role == "worker-logs" else ["/backend/shop/**"]
        assert settings["watch_patterns"] == expected, role
    postgres = inputs(resources, "railstack-postgres-deployment")
    assert postgres.get("source_repo") is None and postgres.get("commit_sha") is None, "stores keep their images"


def test_a_railpack_build_names_its_builder_and_build_command() -> None:
    app = {"repo": "acme/shop", "builder": "railpack", "build_command": "npm run build", "auto_deploy": False}
    resources = render("staging", {"app": app}).resources
    settings = inputs(resources, "railstack-api-settings")
    assert (settings["builder"], settings["build_command"]) == ("RAILPACK", "npm run build")
    assert "dockerfile_path" not in settings
    assert inputs(resources, "railstack-api-deployment")["auto_deploy"] is False
