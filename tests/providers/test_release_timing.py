"""The release under Railway's real timing: deployments that register late, that are replaced, that
wait for approval or fail in their build (issue 19, items 1-3), against the emulator's default
(unforgiving) mode: a committed patch deploys, and its deployment shows only after a delay.

The handlers are called directly, as the plugin calls them; tests/engine/test_railway_timing_engine.py
runs whole stacks under the engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from railstack.providers.railway.deployment import DeploymentFailed, ServiceDeploymentProvider
from railstack.providers.railway.project import ProjectProvider
from railstack.providers.railway.service import ServiceProvider
from railway_emulator import EmulatorServer
from tests.providers.test_resources_emulator import release_props
from tests.shared_emulator import EMULATOR_TOKEN


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAILWAY_API_TOKEN", EMULATOR_TOKEN)


def _service(emu: EmulatorServer, monkeypatch: pytest.MonkeyPatch, name: str = "api") -> dict[str, Any]:
    monkeypatch.setenv("RAILWAY_API_URL", emu.url)
    project = ProjectProvider().handle_create({"name": f"timing-{name}"})
    created = ServiceProvider().handle_create({"project_id": project.id, "name": name})
    return {"id": created.id, "environment_id": project.outs["default_environment_id"], "project_id": project.id}


def _deployments(emu: EmulatorServer, service_id: str) -> list[dict[str, Any]]:
    return [d for d in emu.state_json()["deployments"] if d["serviceId"] == service_id]


def _statuses(emu: EmulatorServer, service_id: str) -> list[str]:
    """Each deployment's status as Railway answers it now (the state dump does not compute it)."""
    ids = [d["id"] for d in _deployments(emu, service_id)]
    headers = {"Authorization": f"Bearer {EMULATOR_TOKEN}"}
    return [
        httpx.post(emu.url, json={"query": f'query {{ deployment(id: "{i}") {{ status }} }}'}, headers=headers).json()[
            "data"
        ]["deployment"]["status"]
        for i in ids
    ]


@pytest.fixture
def late(emulator_factory: Callable[..., EmulatorServer]) -> Iterator[EmulatorServer]:
    """The default mode, with a fixed, noticeable registration delay."""
    with emulator_factory(register_delay=1.5) as emu:
        yield emu


def test_the_commit_s_late_deployment_is_the_release_s_only_one(
    late: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(late, monkeypatch)
    provider = ServiceDeploymentProvider()
    created = provider.handle_create(release_props(service))
    [deployment] = _deployments(late, service["id"])
    assert deployment["meta"]["reason"] == "patch_commit", "the commit deployed it; the release did not deploy again"
    assert (created.id, created.outs["status"]) == (deployment["id"], "SUCCESS")
    provider.handle_update(created.id, created.outs, release_props(service, source_image="ghcr.io/example/app:2"))
    assert len(_deployments(late, service["id"])) == 2, "a new image: one more deployment, the commit's"
    assert "REMOVED" not in _statuses(late, service["id"])[1:], "no deployment of this release was replaced"


def test_a_commit_deployment_later_than_the_wait_replaces_the_explicit_one_and_is_followed(
    emulator_factory: Callable[..., EmulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    with emulator_factory(register_delay=2.0, deploy_seconds=4.0) as emu:
        service = _service(emu, monkeypatch)
        created = ServiceDeploymentProvider().handle_create(release_props(service, register_wait_seconds=0.5))
        by_reason = {d["meta"]["reason"]: d["id"] for d in _deployments(emu, service["id"])}
        assert set(by_reason) == {"deploy", "patch_commit"}, "the wait ran out, so the release deployed itself"
        assert created.outs["deployment_id"] == by_reason["patch_commit"], "the newer one, railstack's, is followed"
        assert created.outs["status"] == "SUCCESS"


def _outside_after_start(emu: EmulatorServer, service: dict[str, Any], kind: str) -> threading.Thread:
    def push() -> None:
        deadline = time.monotonic() + 20
        while not _deployments(emu, service["id"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        emu.deploy_from_outside(service["id"], service["environment_id"], kind)

    thread = threading.Thread(target=push)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("github_push", "a GitHub push of commit"),
        ("image_update", "an image auto-update"),
        ("dashboard_redeploy", "teammate@"),
    ],
)
def test_a_deployment_replaced_from_outside_fails_the_release_naming_it(
    kind: str, named: str, emulator_factory: Callable[..., EmulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    with emulator_factory(register_delay=0.0, deploy_seconds=3.0) as emu:
        service = _service(emu, monkeypatch)
        pusher = _outside_after_start(emu, service, kind)
        with pytest.raises(DeploymentFailed) as caught:
            ServiceDeploymentProvider().handle_create(release_props(service))
        pusher.join()
        message = str(caught.value)
        outside = [d["id"] for d in _deployments(emu, service["id"]) if d["meta"]["reason"] != "patch_commit"]
        assert f"replaced by deployment {outside[0]}, which railstack did not start" in message
        assert named in message and "then run `pulumi up` again" in message
        assert len(_deployments(emu, service["id"])) == 2, "railstack did not deploy a third time"


def test_a_lost_deploy_answer_waits_for_the_deployment_to_register_instead_of_deploying_again(
    late: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(late, monkeypatch)
    provider = ServiceDeploymentProvider()
    created = provider.handle_create(release_props(service))
    late.inject(field="serviceInstanceDeployV2", kind="500", after=True)
    updated = provider.handle_update(created.id, created.outs, release_props(service, triggers={"v": "2"}))
    deployments = _deployments(late, service["id"])
    assert len(deployments) == 2, "the lost answer's deployment was found, not made twice"
    assert updated.outs["deployment_id"] == max(deployments, key=lambda d: d["createdAt"])["id"]


def test_an_approval_pending_deployment_fails_within_one_poll_naming_the_remedy(
    emulator_factory: Callable[..., EmulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    with emulator_factory(register_delay=0.0) as emu:
        service = _service(emu, monkeypatch)
        emu.script_deployments(service="api", outcome="success", approval="NEEDS_APPROVAL")
        started = time.monotonic()
        with pytest.raises(DeploymentFailed) as caught:
            ServiceDeploymentProvider().handle_create(release_props(service, poll_seconds=None))
        assert time.monotonic() - started < 5, "failed at the first status read, not at the timeout"
        message = str(caught.value)
        assert "crud: service api: deployment" in message and "is NEEDS_APPROVAL" in message
        assert "Deployer role" in message and "railway:approveDeployments true" in message


@pytest.mark.parametrize("status", ["NEEDS_APPROVAL", "WAITING"])
def test_with_the_opt_in_railstack_approves_its_own_deployment(
    status: str, emulator_factory: Callable[..., EmulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    with emulator_factory(register_delay=0.5, deploy_seconds=0.5) as emu:
        service = _service(emu, monkeypatch)
        emu.script_deployments(service="api", outcome="success", approval=status)
        created = ServiceDeploymentProvider({"approve_deployments": True}).handle_create(release_props(service))
        assert created.outs["status"] == "SUCCESS"
        approvals = [r for r in emu.requests() if "deploymentApprove" in r["fields"]]
        assert len(approvals) == 1, approvals
        assert len(_deployments(emu, service["id"])) == 1


def test_a_build_failure_shows_the_build_log_lines(
    emulator_factory: Callable[..., EmulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    with emulator_factory(register_delay=0.2) as emu:
        service = _service(emu, monkeypatch)
        lines = ["#7 [3/5] RUN pip install -r requirements.txt", "ERROR: No matching distribution for djangoo==5.1"]
        emu.script_deployments(service="api", outcome="build_failed", logs=lines)
        with pytest.raises(DeploymentFailed) as caught:
            ServiceDeploymentProvider().handle_create(release_props(service))
        message = str(caught.value)
        assert "ended FAILED" in message and "Last 2 build log lines" in message
        assert all(line in message for line in lines), message
        assert "(no log lines)" not in message


def test_the_release_reports_each_status_as_it_changes(
    emulator_factory: Callable[..., EmulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    from railstack.providers.railway.progress import PROGRESS

    with emulator_factory(register_delay=0.3, deploy_seconds=2.0) as emu:
        service = _service(emu, monkeypatch)
        provider = ServiceDeploymentProvider()
        provider.urn = "urn:pulumi:test::railstack::railway:index:ServiceDeployment::progress"
        provider.handle_create(release_props(service, poll_seconds=0.2))
        mine = [message for urn, message in PROGRESS.sent if urn == provider.urn]
        statuses = [message.split(": ")[1].split(" ")[0] for message in mine]
        assert statuses == ["BUILDING", "DEPLOYING", "SUCCESS"], mine
