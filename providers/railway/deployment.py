"""Railway deployment step: exactly one `serviceInstanceDeployV2` per changed service instance.

Settings and variables are written without deploying; this resource deploys once when it is
created and once whenever one of its `triggers` (revisions of what the deployment is made of)
changes. One `pulumi up` therefore makes at most one deployment per service instance.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from providers.railway._base import RailwayResourceProvider


class ServiceDeploymentProvider(RailwayResourceProvider):
    KIND = "railway:ServiceDeployment"
    REPLACE_ON = frozenset({"service_id", "environment_id"})
    UPDATE_ON = frozenset({"triggers"})

    def normalize(self, key: str, value: Any) -> Any:
        if key == "triggers":
            return {k: str(v) for k, v in (value or {}).items()}
        return value

    def _deploy(self, props: dict[str, Any]) -> str:
        # Not retried on a lost answer: a second deployment is worse than a failed `up`, which
        # the next `up` repairs (the triggers still differ from the state).
        return self.client.execute(
            "ServiceInstanceDeploy", {"serviceId": props["service_id"], "environmentId": props["environment_id"]}
        )["serviceInstanceDeployV2"]

    def create(self, props: dict[str, Any]) -> CreateResult:
        deployment_id = self._deploy(props)
        return CreateResult(id_=deployment_id, outs=self.outputs(props, deployment_id=deployment_id))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=self.outputs(news, deployment_id=self._deploy(news)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        data = self.read_or_gone("Deployment", {"id": props.get("deployment_id") or id_})
        deployment = (data or {}).get("deployment")
        if deployment is None:
            return ReadResult(None, {})
        return ReadResult(id_, self.outputs(props, status=deployment["status"]))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Deployments are history; they go with their service.
        return None


class ServiceDeployment(Resource):
    """Deploys a service instance once, and again only when a trigger value changes."""

    kind: pulumi.Output[str]
    deployment_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        service_id: pulumi.Input[str],
        environment_id: pulumi.Input[str],
        triggers: pulumi.Input[dict[str, pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            ServiceDeploymentProvider(),
            resource_name,
            {
                "service_id": service_id,
                "environment_id": environment_id,
                "triggers": triggers,
                "kind": ServiceDeploymentProvider.KIND,
                "deployment_id": None,
            },
            opts,
        )
