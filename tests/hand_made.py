"""Railway objects made by hand: written straight to Railway's API (here the emulator), the way the
dashboard or the CLI makes them, with no Pulumi state behind them. What `pulumi import` and
`scripts/adopt` start from."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from railway_emulator import EmulatorServer
from tests.shared_emulator import EMULATOR_TOKEN


@dataclass
class Dashboard:
    """Railway's GraphQL API as a person clicking through the dashboard uses it."""

    emulator: EmulatorServer
    token: str = EMULATOR_TOKEN

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            self.emulator.url,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]

    def project(self, name: str) -> tuple[str, str]:
        """A new project and its first environment ("production")."""
        created = self.gql(
            "mutation($i: ProjectCreateInput!) { projectCreate(input: $i) { id environments { edges { node { id name } } } } }",
            i={"name": name},
        )["projectCreate"]
        return created["id"], created["environments"]["edges"][0]["node"]["id"]

    def environment(self, project_id: str, name: str) -> str:
        return self.gql(
            "mutation($i: EnvironmentCreateInput!) { environmentCreate(input: $i) { id } }",
            i={"projectId": project_id, "name": name},
        )["environmentCreate"]["id"]

    def service(self, project_id: str, name: str) -> str:
        return self.gql(
            "mutation($i: ServiceCreateInput!) { serviceCreate(input: $i) { id } }",
            i={"projectId": project_id, "name": name},
        )["serviceCreate"]["id"]

    def settings(self, service_id: str, environment_id: str, **settings: Any) -> None:
        self.gql(
            "mutation($s: String!, $e: String!, $i: ServiceInstanceUpdateInput!) "
            "{ serviceInstanceUpdate(serviceId: $s, environmentId: $e, input: $i) }",
            s=service_id,
            e=environment_id,
            i=settings,
        )

    def variables(self, project_id: str, environment_id: str, service_id: str | None, **values: str) -> None:
        self.gql(
            "mutation($i: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $i) }",
            i={
                "projectId": project_id,
                "environmentId": environment_id,
                "serviceId": service_id,
                "variables": values,
                "skipDeploys": True,
            },
        )

    def latest_deployment(self, environment_id: str, service_id: str) -> dict[str, Any] | None:
        """The instance's latest deployment as the dashboard lists it (id and status), None: none yet."""
        return self.gql(
            "query($e: String!, $s: String!) { serviceInstance(environmentId: $e, serviceId: $s) "
            "{ latestDeployment { id status } } }",
            e=environment_id,
            s=service_id,
        )["serviceInstance"].get("latestDeployment")

    def deploy_image(self, environment_id: str, service_id: str, image: str, register_wait: float = 15) -> str:
        """Sets the service's image, as the dashboard does; the id of the deployment that made.

        Committing a source change deploys the service (docs deployments/staged-changes.md), and
        Railway lists that deployment only after a while (railwayapp/cli PR #743): this waits for it,
        as a person watches it appear. Only when none appears (an emulator told not to deploy on a
        patch) does it deploy by hand, so a service is never deployed twice."""
        before = (self.latest_deployment(environment_id, service_id) or {}).get("id")
        self.gql(
            "mutation($e: String!, $p: EnvironmentConfig!) { environmentPatchCommit(environmentId: $e, patch: $p) }",
            e=environment_id,
            p={"services": {service_id: {"source": {"image": image}}}},
        )
        deadline = time.monotonic() + register_wait
        while time.monotonic() < deadline:
            latest = self.latest_deployment(environment_id, service_id)
            if latest is not None and latest["id"] != before:
                return latest["id"]
            time.sleep(0.2)
        return self.gql(
            "mutation($s: String!, $e: String!) { serviceInstanceDeployV2(serviceId: $s, environmentId: $e) }",
            s=service_id,
            e=environment_id,
        )["serviceInstanceDeployV2"]

    def volume(self, project_id: str, environment_id: str, service_id: str, mount_path: str) -> tuple[str, str]:
        """A volume and its instance in the environment."""
        created = self.gql(
            "mutation($i: VolumeCreateInput!) { volumeCreate(input: $i) "
            "{ id volumeInstances(first: 5) { edges { node { id } } } } }",
            i={
                "projectId": project_id,
                "environmentId": environment_id,
                "serviceId": service_id,
                "mountPath": mount_path,
            },
        )["volumeCreate"]
        return created["id"], created["volumeInstances"]["edges"][0]["node"]["id"]

    def backups(self, volume_instance_id: str, *kinds: str) -> None:
        self.gql(
            "mutation($v: String!, $k: [VolumeInstanceBackupScheduleKind!]!) "
            "{ volumeInstanceBackupScheduleUpdate(volumeInstanceId: $v, kinds: $k) }",
            v=volume_instance_id,
            k=list(kinds),
        )

    def service_domain(self, environment_id: str, service_id: str, port: int) -> tuple[str, str]:
        created = self.gql(
            "mutation($i: ServiceDomainCreateInput!) { serviceDomainCreate(input: $i) { id domain } }",
            i={"environmentId": environment_id, "serviceId": service_id, "targetPort": port},
        )["serviceDomainCreate"]
        return created["id"], created["domain"]

    def custom_domain(self, project_id: str, environment_id: str, service_id: str, domain: str, port: int) -> str:
        return self.gql(
            "mutation($i: CustomDomainCreateInput!) { customDomainCreate(input: $i) { id } }",
            i={
                "domain": domain,
                "projectId": project_id,
                "environmentId": environment_id,
                "serviceId": service_id,
                "targetPort": port,
            },
        )["customDomainCreate"]["id"]

    def tcp_proxy(self, environment_id: str, service_id: str, port: int) -> str:
        return self.gql(
            "mutation($i: TCPProxyCreateInput!) { tcpProxyCreate(input: $i) { id } }",
            i={"environmentId": environment_id, "serviceId": service_id, "applicationPort": port},
        )["tcpProxyCreate"]["id"]


def project_objects(emulator: EmulatorServer, project_id: str) -> dict[str, list[str]]:
    """The ids of every object of a project in the emulator, by kind (deployments left out: they are history)."""
    state = emulator.state_json()
    services = {s["id"] for s in state["services"] if s["projectId"] == project_id}
    environments = {e["id"] for e in state["environments"] if e["projectId"] == project_id}
    found = {
        "projects": [project_id] if any(p["id"] == project_id for p in state["projects"]) else [],
        "services": sorted(services),
        "environments": sorted(environments),
        "volumes": sorted(v["id"] for v in state["volumes"] if v["projectId"] == project_id),
        "volumeInstances": sorted(v["id"] for v in state["volumeInstances"] if v.get("serviceId") in services),
        "serviceInstances": sorted(i["id"] for i in state["serviceInstances"] if i.get("serviceId") in services),
    }
    for kind in ("serviceDomains", "customDomains", "tcpProxies"):
        found[kind] = sorted(o["id"] for o in state[kind] if o.get("serviceId") in services)
    return found
