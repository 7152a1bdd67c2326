"""Each Railway provider's create, read, update and delete against the Railway API emulator.

The handlers are called directly, through the entry points the provider plugin calls (`handle_create`
and so on, railstack/providers/railway/plugin.py), so every operation's effect can be checked in the emulator right after it. Whole-program behaviour under the
real engine is in tests/engine/test_railway_provider_engine.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from railstack.providers.railway._base import CreateResult, ReadResult, UpdateResult
from railstack.providers.railway.deployment import ServiceDeploymentProvider
from railstack.providers.railway.domain import CustomDomainProvider, ServiceDomainProvider
from railstack.providers.railway.environment import EnvironmentProvider
from railstack.providers.railway.project import ProjectProvider
from railstack.providers.railway.service import ServiceProvider
from railstack.providers.railway.service_instance import ServiceInstanceProvider
from railstack.providers.railway.tcp_proxy import TcpProxyProvider
from railstack.providers.railway.variables import VariableCollectionProvider
from railstack.providers.railway.volume import VolumeProvider
from railway_emulator import EmulatorServer
from tests.shared_emulator import EMULATOR_TOKEN


def outs(result: CreateResult | ReadResult | UpdateResult) -> dict[str, Any]:
    """What a provider call returned as outputs: railstack's providers always return them."""
    assert result.outs is not None, f"no outputs from the provider for {getattr(result, 'id', None)}"
    return result.outs


@pytest.fixture(autouse=True)
def railway_env(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAY_API_URL", emulator.url)
    monkeypatch.setenv("RAILWAY_API_TOKEN", EMULATOR_TOKEN)


@pytest.fixture
def project() -> Iterator[dict[str, Any]]:
    provider = ProjectProvider()
    created = provider.handle_create({"name": "crud-project", "description": "d"})
    yield {"id": created.id, **outs(created)}
    provider.handle_delete(created.id, outs(created))


@pytest.fixture
def service(project: dict[str, Any]) -> dict[str, Any]:
    created = ServiceProvider().handle_create({"project_id": project["id"], "name": "api"})
    return {"id": created.id, "environment_id": project["default_environment_id"], "project_id": project["id"]}


def state(emulator: EmulatorServer, kind: str) -> list[dict[str, Any]]:
    return emulator.state_json()[kind]


def test_project_create_read_update_delete(emulator: EmulatorServer) -> None:
    provider = ProjectProvider()
    created = provider.handle_create({"name": "p1", "description": "first", "pr_deploys": False})
    assert outs(created)["default_environment_id"], "a new project comes with its environment"
    assert outs(provider.handle_read(created.id, outs(created))) == outs(created), "read must return what create did"

    provider.handle_update(created.id, outs(created), {**outs(created), "name": "p1-renamed", "description": "second"})
    read = outs(provider.handle_read(created.id, outs(created)))
    assert (read["name"], read["description"]) == ("p1-renamed", "second")

    provider.handle_delete(created.id, outs(created))
    assert provider.handle_read(created.id, outs(created)).id is None
    provider.handle_delete(created.id, outs(created))  # already gone counts as deleted


def test_project_create_adopts_a_project_whose_answer_was_lost(emulator: EmulatorServer) -> None:
    emulator.inject(field="projectCreate", kind="500", after=True)
    created = ProjectProvider().handle_create({"name": "lost-answer"})
    assert [p["id"] for p in state(emulator, "projects") if p["name"] == "lost-answer"] == [created.id]
    ProjectProvider().handle_delete(created.id, outs(created))


def test_environment_create_read_rename_delete(project: dict[str, Any], emulator: EmulatorServer) -> None:
    provider = EnvironmentProvider()
    props = {"project_id": project["id"], "name": "staging"}
    created = provider.handle_create(props)
    assert outs(provider.handle_read(created.id, outs(created))) == outs(created)
    provider.handle_update(created.id, outs(created), {**props, "name": "qa"})
    assert outs(provider.handle_read(created.id, outs(created)))["name"] == "qa"
    provider.handle_delete(created.id, outs(created))
    assert provider.handle_read(created.id, outs(created)).id is None
    provider.handle_delete(created.id, outs(created))


def test_service_create_read_rename_delete_and_no_deployment(project: dict[str, Any], emulator: EmulatorServer) -> None:
    provider = ServiceProvider()
    deployments = emulator.counters()["deployments"]
    created = provider.handle_create({"project_id": project["id"], "name": "worker", "icon": None})
    assert emulator.counters()["deployments"] == deployments, "creating a service must not deploy"
    assert outs(provider.handle_read(created.id, outs(created))) == outs(created)
    provider.handle_update(created.id, outs(created), {**outs(created), "name": "worker-logs"})
    assert outs(provider.handle_read(created.id, outs(created)))["name"] == "worker-logs"
    provider.handle_delete(created.id, outs(created))
    assert provider.handle_read(created.id, outs(created)).id is None
    provider.handle_delete(created.id, outs(created))


def test_service_instance_settings_round_trip_without_deploying(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    provider = ServiceInstanceProvider()
    props = {
        "service_id": service["id"],
        "environment_id": service["environment_id"],
        "project_id": service["project_id"],
        "start_command": "run api",
        "pre_deploy_command": "migrate",
        "healthcheck_path": "/health",
        "healthcheck_timeout": 60,
        "num_replicas": 2,
        "region": "europe-west4-drams3a",
        "restart_policy_type": "ALWAYS",
        "cron_schedule": None,
        "overlap_seconds": 20,
        "draining_seconds": 10,
    }
    deployments = emulator.counters()["deployments"]
    created = provider.handle_create(props)
    assert emulator.counters()["deployments"] == deployments, "settings alone must not deploy"
    [instance] = [i for i in state(emulator, "serviceInstances") if i["serviceId"] == service["id"]]
    assert instance["multiRegionConfig"] == {"europe-west4-drams3a": {"numReplicas": 2}}, (
        "replicas are placed by region"
    )
    read = provider.handle_read(created.id, outs(created))
    assert provider.handle_diff(created.id, outs(read), props).changes is False, "read must match what was written"

    changed = {**props, "num_replicas": 3, "start_command": "run api --fast"}
    assert provider.handle_diff(created.id, outs(created), changed).replaces == []
    updated = provider.handle_update(created.id, outs(created), changed)
    assert outs(updated)["revision"] != outs(created)["revision"]
    assert outs(provider.handle_read(created.id, outs(updated)))["num_replicas"] == 3
    assert provider.handle_diff(created.id, outs(created), {**props, "environment_id": "other"}).replaces == [
        "environment_id"
    ]


def test_variable_collection_writes_once_without_deploying_and_replaces_removed_names(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    provider = VariableCollectionProvider()
    props = {
        "project_id": service["project_id"],
        "environment_id": service["environment_id"],
        "service_id": service["id"],
        "variables": {"DATABASE_URL": "${{Postgres.DATABASE_URL}}", "OLD": "1"},
    }
    before = emulator.counters()
    created = provider.handle_create(props)
    after = emulator.counters()
    assert (
        after["by_field"].get("variableCollectionUpsert", 0) - before["by_field"].get("variableCollectionUpsert", 0)
        == 1
    )
    assert after["deployments"] == before["deployments"], "variables are written with skipDeploys"
    assert outs(provider.handle_read(created.id, outs(created)))["variables"] == props["variables"], "kept verbatim"

    provider.handle_update(
        created.id, outs(created), {**props, "variables": {"DATABASE_URL": "${{Postgres.DATABASE_URL}}"}}
    )
    assert outs(provider.handle_read(created.id, outs(created)))["variables"] == {
        "DATABASE_URL": "${{Postgres.DATABASE_URL}}"
    }
    provider.handle_delete(created.id, outs(created))
    assert outs(provider.handle_read(created.id, outs(created))).get("variables") in ({}, None)


def release_props(service: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "service_id": service["id"],
        "environment_id": service["environment_id"],
        "project_id": service["project_id"],
        "source_image": "ghcr.io/example/app:1",
        "vcpus": 2,
        "memory_gb": 4,
        "triggers": {"v": "1"},
        "service_name": "api",
        "stack": "crud",
        "timeout_seconds": 30,
        "poll_seconds": 0.05,
        **extra,
    }


def test_a_release_sets_source_and_limits_then_deploys_once_per_create_and_per_change(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    provider = ServiceDeploymentProvider()
    props = release_props(service)
    before = emulator.counters()["deployments"]
    created = provider.handle_create(props)
    assert emulator.counters()["deployments"] == before + 1
    assert outs(created)["status"] == "SUCCESS", "a release returns once its deployment is live"
    [instance] = [i for i in state(emulator, "serviceInstances") if i["serviceId"] == service["id"]]
    assert instance["source"]["image"] == "ghcr.io/example/app:1"
    assert instance["limitOverride"] == {"vCPUs": 2.0, "memoryGB": 4.0}, "limits through the environment config"
    read = provider.handle_read(created.id, outs(created))
    assert provider.handle_diff(created.id, outs(read), props).changes is False, "read must match what was written"
    assert provider.handle_diff(created.id, outs(created), {**props, "triggers": {"v": "2"}}).changes is True
    provider.handle_update(created.id, outs(created), {**props, "triggers": {"v": "2"}})
    assert emulator.counters()["deployments"] == before + 2
    provider.handle_update(created.id, outs(created), {**props, "source_image": "ghcr.io/example/app:2"})
    assert emulator.counters()["deployments"] == before + 3, "a new image: one deployment"


def test_a_release_whose_source_deploys_by_itself_still_makes_one_deployment(
    monkeypatch: pytest.MonkeyPatch, emulator_factory: Callable[..., EmulatorServer]
) -> None:
    with emulator_factory(source_deploys=True) as emu:
        monkeypatch.setenv("RAILWAY_API_URL", emu.url)
        project = ProjectProvider().handle_create({"name": "source-deploys"})
        created = ServiceProvider().handle_create({"project_id": project.id, "name": "api"})
        service = {
            "id": created.id,
            "environment_id": outs(project)["default_environment_id"],
            "project_id": project.id,
        }
        provider = ServiceDeploymentProvider()
        release = provider.handle_create(release_props(service))
        assert emu.counters()["deployments"] == 1, "the deployment the source started is the release's"
        provider.handle_update(release.id, outs(release), release_props(service, source_image="ghcr.io/example/app:2"))
        assert emu.counters()["deployments"] == 2
        provider.handle_update(release.id, outs(release), release_props(service, triggers={"v": "2"}))
        assert emu.counters()["deployments"] == 3, "a variables change: serviceInstanceDeployV2, once"
        reasons = [d["meta"]["reason"] for d in emu.state_json()["deployments"]]
        assert sorted(reasons) == ["deploy", "patch_commit", "patch_commit"], reasons


def test_a_failed_deployment_fails_the_release_naming_stack_service_status_and_redacted_log(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    VariableCollectionProvider().handle_create(
        {
            "project_id": service["project_id"],
            "environment_id": service["environment_id"],
            "service_id": None,
            "variables": {"DB_PASSWORD": "s3cret-value-123"},
        }
    )
    VariableCollectionProvider().handle_create(
        {
            "project_id": service["project_id"],
            "environment_id": service["environment_id"],
            "service_id": service["id"],
            "variables": {"DATABASE_URL": "postgresql://postgres:${{shared.DB_PASSWORD}}@pg:5432/railway"},
        }
    )
    emulator.emulator.script_deployments(
        service="api",
        outcome="pre_deploy_failed",
        logs=["connecting to {{DATABASE_URL}}", "migration failed: relation missing"],
    )
    from railstack.providers.railway.deployment import DeploymentFailed

    with pytest.raises(DeploymentFailed) as caught:
        ServiceDeploymentProvider().handle_create(release_props(service))
    message = str(caught.value)
    assert "crud: service api: deployment" in message and "ended FAILED" in message
    assert "migration failed: relation missing" in message, "the log's last lines are quoted"
    assert "s3cret-value-123" not in message and "postgresql://postgres:***@pg:5432/railway" in message


def test_service_domain_and_custom_domain_lifecycle(service: dict[str, Any], emulator: EmulatorServer) -> None:
    base = {
        "project_id": service["project_id"],
        "environment_id": service["environment_id"],
        "service_id": service["id"],
    }
    domains = ServiceDomainProvider()
    domain = domains.handle_create({**base, "target_port": 8000})
    assert outs(domains.handle_read(domain.id, outs(domain))) == outs(domain)
    domains.handle_update(domain.id, outs(domain), {**base, "target_port": 8080})
    assert outs(domains.handle_read(domain.id, outs(domain)))["target_port"] == 8080
    domains.handle_delete(domain.id, outs(domain))
    assert domains.handle_read(domain.id, outs(domain)).id is None

    customs = CustomDomainProvider()
    custom = customs.handle_create({**base, "domain": "api.example.org", "target_port": 8000})
    assert outs(custom)["cname_record"]["type"] == "CNAME" and outs(custom)["cname_record"]["value"].endswith(
        ".up.railway.app"
    )
    txt = outs(custom)["txt_record"]
    assert txt["type"] == "TXT" and txt["name"] and txt["value"], "the TXT record comes from status.verification*"
    assert customs.handle_diff(
        custom.id, outs(custom), {**base, "domain": "www.example.org", "target_port": 8000}
    ).replaces == ["domain"]
    customs.handle_delete(custom.id, outs(custom))
    customs.handle_delete(custom.id, outs(custom))
    assert state(emulator, "customDomains") == [] or all(d["id"] != custom.id for d in state(emulator, "customDomains"))


def test_volume_lifecycle_with_backup_schedules(service: dict[str, Any], emulator: EmulatorServer) -> None:
    provider = VolumeProvider()
    props = {
        "project_id": service["project_id"],
        "environment_id": service["environment_id"],
        "service_id": service["id"],
        "mount_path": "/data",
        "name": None,
        "backup_schedules": ["DAILY"],
    }
    created = provider.handle_create(props)
    read = provider.handle_read(created.id, outs(created))
    assert provider.handle_diff(created.id, outs(read), props).changes is False
    changed = {**props, "mount_path": "/var/data", "backup_schedules": ["DAILY", "WEEKLY"]}
    provider.handle_update(created.id, outs(created), changed)
    read = outs(provider.handle_read(created.id, outs(created)))
    assert (read["mount_path"], read["backup_schedules"]) == ("/var/data", ["DAILY", "WEEKLY"])
    provider.handle_delete(created.id, outs(created))
    assert provider.handle_read(created.id, outs(created)).id is None


def test_tcp_proxy_lifecycle_strips_the_trailing_dot(service: dict[str, Any], emulator: EmulatorServer) -> None:
    provider = TcpProxyProvider()
    props = {
        "environment_id": service["environment_id"],
        "service_id": service["id"],
        "application_port": 5432,
        "project_id": service["project_id"],
    }
    created = provider.handle_create(props)
    assert not outs(created)["domain"].endswith(".")
    assert outs(provider.handle_read(created.id, outs(created))) == outs(created)
    assert provider.handle_diff(created.id, outs(created), {**props, "application_port": 6379}).replaces == [
        "application_port"
    ]
    provider.handle_delete(created.id, outs(created))
    assert provider.handle_read(created.id, outs(created)).id is None
    provider.handle_delete(created.id, outs(created))


def test_a_deployment_that_crashes_after_start_fails_the_release_with_its_status(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    from railstack.providers.railway.deployment import DeploymentFailed

    emulator.emulator.script_deployments(service="api", outcome="crashed")
    with pytest.raises(DeploymentFailed) as caught:
        ServiceDeploymentProvider().handle_create(release_props(service))
    assert "ended CRASHED" in str(caught.value) and "Container exited with code 1" in str(caught.value)


def test_a_deployment_still_running_at_its_timeout_fails_the_release_saying_so(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    from railstack.providers.railway.deployment import DeploymentFailed

    emulator.emulator.script_deployments(service="api", outcome="success", seconds=30)
    with pytest.raises(DeploymentFailed) as caught:
        ServiceDeploymentProvider().handle_create(release_props(service, timeout_seconds=0.5))
    message = str(caught.value)
    assert (
        "ended still BUILDING after the timeout" in message or "ended still DEPLOYING after the timeout" in message
    ), message


def test_a_repo_release_connects_the_branch(service: dict[str, Any], emulator: EmulatorServer) -> None:
    props = release_props(service, source_image=None, source_repo="acme/app", branch="release")
    created = ServiceDeploymentProvider().handle_create(props)
    assert outs(created)["status"] == "SUCCESS", "a repo with a branch deploys"
    [instance] = [i for i in state(emulator, "serviceInstances") if i["serviceId"] == service["id"]]
    assert (instance["source"]["repo"], instance["branch"]) == ("acme/app", "release")
    read = ServiceDeploymentProvider().handle_read(created.id, outs(created))
    assert ServiceDeploymentProvider().handle_diff(created.id, outs(read), props).changes is False


def triggers_of(emulator: EmulatorServer, service: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in state(emulator, "deploymentTriggers") if t["serviceId"] == service["id"]]


def test_a_repo_release_keeps_one_trigger_for_its_branch_and_auto_deploy_off_removes_it_without_deploying(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    provider = ServiceDeploymentProvider()
    props = release_props(service, source_image=None, source_repo="acme/app", branch="main")
    created = provider.handle_create(props)
    [trigger] = triggers_of(emulator, service)
    assert (trigger["repository"], trigger["branch"], trigger["checkSuites"]) == ("acme/app", "main", False)
    before = emulator.counters()["deployments"]

    waiting = {**props, "check_suites": True}
    assert provider.handle_diff(created.id, outs(created), waiting).changes is True
    provider.handle_update(created.id, outs(created), waiting)
    assert [t["checkSuites"] for t in triggers_of(emulator, service)] == [True], "Wait for CI is the trigger's"
    off = {**waiting, "auto_deploy": False, "check_suites": None}
    updated = provider.handle_update(created.id, {**outs(created), **waiting}, off)
    assert triggers_of(emulator, service) == [], "auto-deploy off: no trigger, so pushes deploy nothing"
    assert emulator.counters()["deployments"] == before, "writing the trigger deploys nothing"
    read = provider.handle_read(created.id, outs(updated))
    assert outs(read)["auto_deploy"] is False
    assert provider.handle_diff(created.id, outs(read), off).changes is False, "read must match what was written"
    assert provider.handle_diff(created.id, outs(read), props).changes is True, "turning it on again is a change"


def test_a_pinned_release_deploys_its_commit_and_a_read_reports_another_commit_deployed(
    service: dict[str, Any], emulator: EmulatorServer
) -> None:
    provider = ServiceDeploymentProvider()
    pin, other = "1" * 40, "2" * 40
    props = release_props(service, source_image=None, source_repo="acme/app", branch="main", commit_sha=pin)
    created = provider.handle_create(props)
    [instance] = [i for i in state(emulator, "serviceInstances") if i["serviceId"] == service["id"]]
    assert instance["source"]["repo"] == "acme/app"
    latest = [d for d in state(emulator, "deployments") if d["serviceId"] == service["id"]]
    assert [d["meta"].get("commitHash") for d in latest] == [pin], "the release deploys the pinned commit"
    assert (
        provider.handle_diff(created.id, outs(provider.handle_read(created.id, outs(created))), props).changes is False
    )

    # Someone deploys another commit (as a push with auto-deploy on would): the pin shows it as a change.
    answer = httpx.post(
        emulator.url,
        json={
            "query": "mutation($s: String!, $e: String!, $c: String) "
            "{ serviceInstanceDeployV2(serviceId: $s, environmentId: $e, commitSha: $c) }",
            "variables": {"s": service["id"], "e": service["environment_id"], "c": other},
        },
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
        timeout=30,
    ).json()
    assert not answer.get("errors"), answer
    deadline = time.monotonic() + 10  # Railway lists a new deployment a moment later (registers late)
    while (read := outs(provider.handle_read(created.id, outs(created))))[
        "commit_sha"
    ] == pin and time.monotonic() < deadline:
        time.sleep(0.2)
    assert read["commit_sha"] == other and provider.handle_diff(created.id, read, props).changed == ["commit_sha"]
    provider.handle_update(created.id, read, props)
    deployed = [d["meta"].get("commitHash") for d in state(emulator, "deployments") if d["serviceId"] == service["id"]]
    assert sorted(deployed) == sorted([pin, other, pin]), deployed
