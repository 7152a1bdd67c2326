"""The provider process's deployment watch and its request budget (issue 19, item 4): every awaited
deployment's status in one request per tick, whatever the number of services; pacing on Railway's
X-RateLimit headers."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from railstack.providers.railway.client import RailwayClient, RailwayError
from railstack.providers.railway.watch import DeploymentWatch, document
from railway_emulator import EmulatorServer
from tests.providers.schema_check import document_errors
from tests.shared_emulator import EMULATOR_TOKEN


def test_the_watch_document_is_valid_against_railway_s_schema() -> None:
    query, variables = document([("deployment", "d1"), ("instance", "s1", "e1"), ("deployment", "d2")])
    assert document_errors(query) == [], query
    assert variables == {"k0": "d1", "k1s": "s1", "k1e": "e1", "k2": "d2"}


def _deployments(emu: EmulatorServer, client: RailwayClient, count: int) -> list[str]:
    project = client.execute("ProjectCreate", {"input": {"name": f"watch-{count}"}})["projectCreate"]
    environment = project["environments"]["edges"][0]["node"]["id"]
    ids = []
    for index in range(count):
        service = client.execute("ServiceCreate", {"input": {"projectId": project["id"], "name": f"w{index}"}})
        ids.append(
            client.execute(
                "ServiceInstanceDeploy", {"serviceId": service["serviceCreate"]["id"], "environmentId": environment}
            )["serviceInstanceDeployV2"]
        )
    return ids


def _follow(watch: DeploymentWatch, ids: list[str]) -> list[str]:
    finals: list[str] = []

    def one(deployment_id: str) -> None:
        while (status := watch.status(deployment_id, pace=0.2)["status"]) not in ("SUCCESS", "FAILED"):
            pass
        finals.append(status)

    threads = [threading.Thread(target=one, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return finals


def _reads_to_follow(emulator_factory: Callable[..., EmulatorServer], count: int) -> int:
    with emulator_factory(register_delay=0.0, deploy_seconds=3.0, patch_deploys=False) as emu:
        client = RailwayClient(EMULATOR_TOKEN, api_url=emu.url)
        ids = _deployments(emu, client, count)
        watch = DeploymentWatch(client)
        before = emu.counters()["requests"]
        assert _follow(watch, ids) == ["SUCCESS"] * count
        reads = emu.counters()["requests"] - before
        assert reads == watch.ticks, "the watch's ticks are its only requests"
        return reads


def test_status_reads_do_not_grow_with_the_number_of_deployments(
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    one, eight = _reads_to_follow(emulator_factory, 1), _reads_to_follow(emulator_factory, 8)
    assert one >= 2, "a 3 s deployment is read more than once"
    assert abs(eight - one) <= 2, f"1 deployment: {one} status reads, 8 deployments: {eight}"


def test_one_bad_deployment_does_not_fail_the_others_in_its_tick(
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    with emulator_factory(register_delay=0.0, patch_deploys=False) as emu:
        client = RailwayClient(EMULATOR_TOKEN, api_url=emu.url)
        [good] = _deployments(emu, client, 1)
        watch = DeploymentWatch(client)
        results: dict[str, object] = {}

        def ask(deployment_id: str) -> None:
            try:
                results[deployment_id] = watch.status(deployment_id)["status"]
            except RailwayError as err:
                results[deployment_id] = err

        threads = [threading.Thread(target=ask, args=(i,)) for i in (good, "no-such-deployment")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert results[good] == "SUCCESS"
        assert isinstance(results["no-such-deployment"], RailwayError)


def test_the_client_keeps_railway_s_budget_and_the_watch_slows_down_when_it_runs_low(
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    with emulator_factory(plan="hobby", requests_per_hour=40) as emu:
        client = RailwayClient(EMULATOR_TOKEN, api_url=emu.url)
        client.execute_document("Me", "query Me { projects { edges { node { id } } } }")
        assert client.budget is not None and client.budget.limit == 40 and client.budget.remaining == 39
        watch = DeploymentWatch(client)
        assert watch.interval() > 30, "39 requests left in the hour: spread them, not one every 2 s"


def test_a_spent_budget_fails_with_the_figures_instead_of_sending_more(
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    with emulator_factory(plan="free", requests_per_hour=3) as emu:
        from railstack.providers.railway.client import RetryPolicy

        client = RailwayClient(EMULATOR_TOKEN, api_url=emu.url, retry=RetryPolicy(max_retry_wait=5))
        for _ in range(3):
            client.execute_document("Me", "query Me { projects { edges { node { id } } } }")
        sent = emu.counters()["requests"]
        with pytest.raises(RailwayError) as caught:
            client.execute_document("Me", "query Me { projects { edges { node { id } } } }")
        assert "hourly request budget (3 requests) is spent" in str(caught.value)
        assert "railway:maxRetryWaitSeconds" in str(caught.value)
        assert emu.counters()["requests"] == sent, "nothing sent that could only be refused"


def test_concurrent_handlers_stay_within_railway_s_per_second_limit(
    emulator_factory: Callable[..., EmulatorServer],
) -> None:
    """The engine runs up to ten handlers at once; with Hobby's 10 requests a second, 30 requests sent
    from 15 threads at once are spread over three seconds and none is refused."""
    import time

    with emulator_factory(plan="hobby") as emu:
        client = RailwayClient(EMULATOR_TOKEN, api_url=emu.url)

        def send() -> None:
            for _ in range(2):
                client.execute_document("Me", "query Me { projects { edges { node { id } } } }")

        started = time.monotonic()
        threads = [threading.Thread(target=send) for _ in range(15)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        statuses = [r["status"] for r in emu.requests()]
        assert len(statuses) == 30 and statuses.count(429) == 0, statuses
        assert elapsed >= 2.0, f"30 requests at 10 a second cannot take {elapsed:.2f} s"
