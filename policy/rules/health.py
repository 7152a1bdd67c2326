"""The API has a healthcheck: Railway only switches traffic to a deployment that answers it, and on
Docker the workers start only after the API (which runs the migrations) reports healthy."""

from __future__ import annotations

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy

from policy.inventory import Inventory
from policy.values import UNKNOWN


def _api_healthcheck(args: StackValidationArgs, report: ReportViolation) -> None:
    inventory = Inventory.of(args.resources)
    for api in inventory.services_with_role("api"):
        instance = api.instance
        path = instance.props.get("healthcheckPath") if instance else None
        if path is UNKNOWN:
            continue
        if not (isinstance(path, str) and path.startswith("/")):
            report(
                f"service {api.name} (api) has no healthcheck path, so Railway sends traffic to a deployment "
                "before it can serve and never rolls back a broken one. Fix: api.healthcheck_path: /health.",
                instance.urn if instance else api.urn,
            )
    for api in inventory.containers_with_role("api"):
        check = api.props.get("healthcheck")
        tests = check.get("tests") if isinstance(check, dict) else None
        if tests is UNKNOWN:
            continue
        if not isinstance(tests, list) or not tests or tests[0] == "NONE":
            report(
                f"container {api.role_name} (api) has no healthcheck, so nothing waits for the migrations "
                "before starting the workers. Fix: give the API container a healthcheck on /health.",
                api.urn,
            )


api_healthcheck = StackValidationPolicy(
    name="api-healthcheck",
    description="The API service (Railway) or container (Docker) has a healthcheck.",
    validate=_api_healthcheck,
)
