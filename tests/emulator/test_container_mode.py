"""Container mode's semantics one by one, with small Debian containers (railway_emulator/runtime/).

Each test drives the emulator through Railway's GraphQL API, as a client would, and reads the
result from the Docker engine.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import docker
import docker.errors
import httpx
import pytest

from railway_emulator import EmulatorServer
from railway_emulator.runtime.resources import LABEL, PID_LABEL

pytestmark = [pytest.mark.emulator, pytest.mark.docker]

TOKEN = "container-mode-unit"
IMAGE = "railstack/debian:bookworm"


@pytest.fixture(scope="module")
def engine() -> docker.DockerClient:
    client = docker.from_env()
    client.images.get(IMAGE)  # scripts/base-images builds it
    return client


@pytest.fixture
def emu(engine: docker.DockerClient) -> Iterator[EmulatorServer]:
    with EmulatorServer(token=TOKEN, run_containers=True, image_map={"debian:12": IMAGE}) as server:
        yield server


def gql(emu: EmulatorServer, query: str, **variables: object) -> dict:
    body = httpx.post(
        emu.url, json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    ).json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def bare_service(emu: EmulatorServer, name: str, variables: dict | None = None) -> dict[str, str]:
    """A project with one service named `name` and its variables (written with skipDeploys): the ids."""
    project = gql(
        emu,
        "mutation($i: ProjectCreateInput!) { projectCreate(input: $i) { id environments { edges { node { id } } } } }",
        i={"name": f"p-{name}"},
    )["projectCreate"]
    env = project["environments"]["edges"][0]["node"]["id"]
    svc = gql(
        emu,
        "mutation($i: ServiceCreateInput!) { serviceCreate(input: $i) { id } }",
        i={"projectId": project["id"], "name": name},
    )["serviceCreate"]["id"]
    ids = {"projectId": project["id"], "environmentId": env, "serviceId": svc}
    if variables:
        gql(
            emu,
            "mutation($i: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $i) }",
            i={**ids, "variables": variables, "skipDeploys": True},
        )
    return ids


def service(emu: EmulatorServer, name: str = "svc", variables: dict | None = None, **settings: object) -> dict:
    ids = bare_service(emu, name, variables)
    env, svc = ids["environmentId"], ids["serviceId"]
    source = settings.pop("source", {"image": "debian:12"})
    gql(
        emu,
        "mutation($s: String!, $e: String!, $i: ServiceInstanceUpdateInput!) "
        "{ serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $i) }",
        s=svc,
        e=env,
        i={"source": source, **settings},
    )
    return ids


def deploy(emu: EmulatorServer, ids: dict, wait: bool = True) -> str:
    deployment = gql(
        emu,
        "mutation($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }",
        s=ids["serviceId"],
        e=ids["environmentId"],
    )["serviceInstanceDeployV2"]
    if wait:
        until_terminal(emu, deployment)
    return deployment


def status(emu: EmulatorServer, deployment: str) -> str:
    return gql(emu, "query($id: String!) { deployment(id: $id) { status } }", id=deployment)["deployment"]["status"]


def until_terminal(emu: EmulatorServer, deployment: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while (current := status(emu, deployment)) not in ("SUCCESS", "FAILED", "CRASHED", "REMOVED"):
        assert time.monotonic() < deadline, f"deployment still {current}"
        time.sleep(0.3)
    return current


def logs(emu: EmulatorServer, deployment: str) -> list[str]:
    return [
        line["message"]
        for line in gql(
            emu, "query($id: String!) { deploymentLogs(deploymentId: $id, limit: 500) { message } }", id=deployment
        )["deploymentLogs"]
    ]


def containers(engine: docker.DockerClient, deployment: str) -> list:
    return engine.containers.list(all=True, filters={"label": f"railway-emulator.deployment={deployment}"})


def test_the_start_command_runs_in_exec_form_without_variable_expansion(emu: EmulatorServer) -> None:
    ids = service(emu, variables={"GREETING": "hello"}, startCommand="/bin/echo $GREETING from exec form")
    deployment = deploy(emu, ids)
    assert "$GREETING from exec form" in logs(emu, deployment), "exec form: the variable is not expanded"


def test_a_shell_wrapped_start_command_expands_rendered_variables_and_railways_own(emu: EmulatorServer) -> None:
    ids = service(
        emu,
        "wrapped",
        variables={"GREETING": "hello ${{RAILWAY_SERVICE_NAME}}"},
        startCommand='/bin/sh -c "echo $GREETING at $RAILWAY_PRIVATE_DOMAIN; exec sleep 60"',
    )
    deployment = deploy(emu, ids)
    assert status(emu, deployment) == "SUCCESS"
    assert "hello wrapped at wrapped.railway.internal" in logs(emu, deployment)


def test_replicas_from_multi_region_config_are_that_many_containers(
    emu: EmulatorServer, engine: docker.DockerClient
) -> None:
    ids = service(emu, "replicated", startCommand="sleep 60", multiRegionConfig={"us-west2": {"numReplicas": 3}})
    deployment = deploy(emu, ids)
    assert status(emu, deployment) == "SUCCESS"
    assert len(containers(engine, deployment)) == 3


def test_a_failing_pre_deploy_command_fails_the_deployment_and_starts_nothing(
    emu: EmulatorServer, engine: docker.DockerClient
) -> None:
    ids = service(
        emu,
        "migrating",
        startCommand="sleep 60",
        preDeployCommand=['/bin/sh -c "echo migrating; echo boom >&2; exit 4"'],
    )
    deployment = deploy(emu, ids)
    assert status(emu, deployment) == "FAILED"
    lines = logs(emu, deployment)
    assert "migrating" in lines and "boom" in lines and "Pre-deploy command failed with exit code 4" in lines
    assert containers(engine, deployment) == [], "nothing starts after a failed pre-deploy"


def test_a_container_that_exits_after_start_crashes_the_deployment(emu: EmulatorServer) -> None:
    ids = service(emu, "crashing", startCommand='/bin/sh -c "sleep 8; exit 1"', restartPolicyType="NEVER")
    deployment = deploy(emu, ids)
    assert status(emu, deployment) == "SUCCESS", "it ran past the settle time"
    assert until_terminal_after_success(emu, deployment) == "CRASHED"


def until_terminal_after_success(emu: EmulatorServer, deployment: str) -> str:
    deadline = time.monotonic() + 20
    while status(emu, deployment) == "SUCCESS" and time.monotonic() < deadline:
        time.sleep(0.5)
    return status(emu, deployment)


def test_a_healthcheck_that_never_answers_fails_within_its_timeout(emu: EmulatorServer) -> None:
    ids = service(
        emu,
        "unhealthy",
        variables={"PORT": "8080"},
        startCommand="sleep 60",
        healthcheckPath="/health",
        healthcheckTimeout=2,
    )
    deployment = deploy(emu, ids)
    assert status(emu, deployment) == "FAILED" and "Healthcheck failed!" in logs(emu, deployment)


def test_a_redeploy_overlaps_then_stops_the_old_deployment_which_reads_removed(
    emu: EmulatorServer, engine: docker.DockerClient
) -> None:
    ids = service(emu, "rolling", startCommand="sleep 120", overlapSeconds=6, drainingSeconds=1)
    first = deploy(emu, ids)
    [old] = containers(engine, first)
    second = deploy(emu, ids)
    assert status(emu, second) == "SUCCESS"
    assert status(emu, first) == "SUCCESS", "the old deployment overlaps the new one"
    assert engine.containers.get(old.id).status == "running"
    deadline = time.monotonic() + 25
    while status(emu, first) != "REMOVED":
        assert time.monotonic() < deadline, "the old deployment must be removed after its overlap"
        time.sleep(0.3)
    assert containers(engine, first) == []


def test_the_volume_survives_a_redeploy_and_goes_with_volume_delete(
    emu: EmulatorServer, engine: docker.DockerClient
) -> None:
    ids = service(emu, "stateful", startCommand='/bin/sh -c "date >> /data/boots; cat /data/boots; exec sleep 60"')
    volume = gql(
        emu,
        "mutation($i: VolumeCreateInput!) { volumeCreate(input: $i) { id } }",
        i={
            "projectId": ids["projectId"],
            "environmentId": ids["environmentId"],
            "serviceId": ids["serviceId"],
            "mountPath": "/data",
        },
    )["volumeCreate"]["id"]
    deploy(emu, ids)
    second = deploy(emu, ids)
    assert len([line for line in logs(emu, second) if "UTC" in line]) == 2, "the second boot sees the first one's line"
    gql(emu, "mutation($id: String!) { volumeDelete(volumeId: $id) }", id=volume)
    assert emu.emulator.runtime_view()["owned"]["volumes"] == []


def test_an_image_not_on_the_engine_and_a_repo_source_are_refused_clearly(emu: EmulatorServer) -> None:
    missing = deploy(emu, service(emu, "missing", source={"image": "ghcr.io/acme/nowhere:1"}))
    assert status(emu, missing) == "FAILED"
    assert any("not on the local engine" in line and "--image-map" in line for line in logs(emu, missing))
    repo = service(emu, "built", source={"repo": "acme/app"})
    gql(
        emu,
        "mutation($s: String!, $e: String!, $i: ServiceInstanceUpdateInput!) "
        "{ serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $i) }",
        s=repo["serviceId"],
        e=repo["environmentId"],
        i={"source": {"repo": "acme/app"}},
    )
    deployment = deploy(emu, repo)
    assert status(emu, deployment) == "FAILED"
    build = gql(emu, "query($id: String!) { buildLogs(deploymentId: $id) { message } }", id=deployment)["buildLogs"]
    assert any("No branch is connected to repo acme/app" in line["message"] for line in build), build


def test_deleting_a_service_removes_its_containers_and_stopping_removes_everything(engine: docker.DockerClient) -> None:
    with EmulatorServer(token=TOKEN, run_containers=True, image_map={"debian:12": IMAGE}) as emu:
        ids = service(emu, "doomed", startCommand="sleep 60")
        deployment = deploy(emu, ids)
        assert len(containers(engine, deployment)) == 1
        gql(emu, "mutation($id: String!) { serviceDelete(id: $id) }", id=ids["serviceId"])
        assert containers(engine, deployment) == []
        deploy(emu, service(emu, "kept", startCommand="sleep 60"))
        runtime = emu.emulator.runtime
        assert runtime is not None, "an emulator in container mode has a container runtime"
        instance = runtime.instance_id
    left = engine.containers.list(all=True, filters={"label": f"{LABEL}={instance}"})
    assert left == [] and engine.networks.list(filters={"label": f"{LABEL}={instance}"}) == []


def test_a_crashed_runs_leftovers_are_swept_at_the_next_start(engine: docker.DockerClient) -> None:
    orphan = engine.containers.create(
        IMAGE, command=["sleep", "60"], labels={LABEL: "crashed-run", PID_LABEL: "999999999"}
    )
    assert orphan.id is not None
    with EmulatorServer(token=TOKEN, run_containers=True), pytest.raises(docker.errors.NotFound):
        engine.containers.get(orphan.id)


def test_railways_configuration_variables_take_the_place_of_the_settings_and_replicas_get_their_ids(
    emu: EmulatorServer, engine: docker.DockerClient
) -> None:
    # docs variables/reference.md: RAILWAY_HEALTHCHECK_TIMEOUT_SEC set by the service replaces the setting.
    ids = service(
        emu,
        "configured",
        variables={"PORT": "8080", "RAILWAY_HEALTHCHECK_TIMEOUT_SEC": "1"},
        startCommand="sleep 60",
        healthcheckPath="/health",
        healthcheckTimeout=120,
    )
    started = time.monotonic()
    deployment = deploy(emu, ids)
    assert status(emu, deployment) == "FAILED" and time.monotonic() - started < 30, "the 1 s timeout applied"
    ids = service(
        emu, "replica-ids", startCommand="sleep 60", multiRegionConfig={"europe-west4-drams3a": {"numReplicas": 2}}
    )
    deployment = deploy(emu, ids)
    envs = [dict(e.split("=", 1) for e in c.attrs["Config"]["Env"]) for c in containers(engine, deployment)]
    assert {e["RAILWAY_REPLICA_REGION"] for e in envs} == {"europe-west4-drams3a"}
    assert len({e["RAILWAY_REPLICA_ID"] for e in envs}) == 2 and {e["RAILWAY_DEPLOYMENT_ID"] for e in envs} == {
        deployment
    }


#: Answers 200 only to Host healthcheck.railway.app and to its own domain (its ALLOWED env var), as
#: a Django app allowing only its own hosts would; 400 and the Host it got to any other.
HOST_CHECKING_SERVER = """
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = self.headers["Host"]
        self.send_response(200 if host in ("healthcheck.railway.app", os.environ.get("ALLOWED")) else 400)
        self.end_headers()
        self.wfile.write(host.encode())
http.server.HTTPServer(("", 8080), H).serve_forever()
"""


def test_the_healthcheck_arrives_with_railways_healthcheck_host(engine: docker.DockerClient) -> None:
    engine.images.get("railstack/python:3.11")  # scripts/base-images builds it
    with EmulatorServer(token=TOKEN, run_containers=True, image_map={"python:3.11": "railstack/python:3.11"}) as emu:
        ids = service(
            emu,
            "host-checking",
            variables={"PORT": "8080"},
            source={"image": "python:3.11"},
            startCommand=f"python3 -c '{HOST_CHECKING_SERVER}'",
            healthcheckPath="/healthz",
            healthcheckTimeout=20,
        )
        deployment = deploy(emu, ids)
        assert status(emu, deployment) == "SUCCESS", logs(emu, deployment)


def test_the_edge_passes_the_request_on_with_its_host(engine: docker.DockerClient) -> None:
    with EmulatorServer(token=TOKEN, run_containers=True, image_map={"python:3.11": "railstack/python:3.11"}) as emu:
        ids = service(
            emu,
            "host-checking",
            variables={"PORT": "8080", "ALLOWED": "${{RAILWAY_PUBLIC_DOMAIN}}"},
            source={"image": "python:3.11"},
            startCommand=f"python3 -c '{HOST_CHECKING_SERVER}'",
        )
        domain = gql(
            emu,
            "mutation($i: ServiceDomainCreateInput!) { serviceDomainCreate(input: $i) { domain } }",
            i={"serviceId": ids["serviceId"], "environmentId": ids["environmentId"], "targetPort": 8080},
        )["serviceDomainCreate"]["domain"]
        assert status(emu, deploy(emu, ids)) == "SUCCESS"
        assert emu.edge is not None
        answer = httpx.get(f"http://127.0.0.1:{emu.edge.port}/", headers={"Host": domain}, timeout=10)
        assert (answer.status_code, answer.text) == (200, domain), "the app sees the domain it was asked for"
