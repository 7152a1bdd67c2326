"""ContainerHealthy: `pulumi up` waits until a role's container passes its liveness check, and when
it does not within the role's start timeout, fails naming the stack, the role, the check, what the
check last said and where the log is (`docker logs <name>`). What starts after the role depends on
this resource, so nothing starts after a role that is not alive.

Docker's own healthcheck (the container's HEALTHCHECK, which railstack writes from the role's
liveness) does the checking; this resource reads its verdict through the Docker SDK. A role without
a check (liveness none) counts as alive once it has kept running for a settle time.
"""

from __future__ import annotations

import time
from typing import Any

import pulumi

from railstack.providers.docker._engine import RunOnChange, engine, redact_environment, tail

#: How long a container without a check must keep running to count as started.
SETTLE_SECONDS = 3.0
POLL_SECONDS = 0.5


class HealthProvider(RunOnChange):
    INPUTS = ("container_id", "container_name", "timeout_seconds", "probe")
    ID_INPUT = "container_id"

    def run(self, props: dict[str, Any]) -> dict[str, Any]:
        client = engine()
        timeout = float(props["timeout_seconds"])
        started = time.monotonic()
        deadline = started + timeout
        running_since: float | None = None
        attrs: dict[str, Any] = {}
        while time.monotonic() < deadline:
            attrs = client.api.inspect_container(props["container_id"])
            state = attrs.get("State") or {}
            health = state.get("Health")
            if health is not None and health.get("Status") == "healthy":
                return {**props, "seconds": round(time.monotonic() - started, 3)}
            if health is None:
                if state.get("Running") and not state.get("Restarting"):
                    running_since = running_since or time.monotonic()
                    if time.monotonic() - running_since >= SETTLE_SECONDS:
                        return {**props, "seconds": round(time.monotonic() - started, 3)}
                else:
                    running_since = None
            time.sleep(POLL_SECONDS)
        raise Exception(self._failure(props, attrs, timeout))

    @staticmethod
    def _failure(props: dict[str, Any], attrs: dict[str, Any], timeout: float) -> str:
        state = attrs.get("State") or {}
        environment = (attrs.get("Config") or {}).get("Env") or []
        name = props["container_name"]
        said = ""
        checks = ((state.get("Health") or {}).get("Log")) or []
        if checks:
            last = checks[-1]
            said = f"; its last check exited {last.get('ExitCode')}"
            output = redact_environment(tail(str(last.get("Output") or ""), 5), environment).strip()
            if output and props.get("show_check_output", True):
                said += f" saying: {output}"
        restarts = attrs.get("RestartCount") or 0
        status = "restarting" if state.get("Restarting") else ("running" if state.get("Running") else "not running")
        crashed = (
            f"; it is {status}, restarted {restarts} times (last exit code {state.get('ExitCode')})"
            if restarts or not state.get("Running")
            else ""
        )
        return (
            f"{props['stack']}: {props['role']} is not alive after {timeout:.0f} s (liveness: {props['probe']})"
            f"{said}{crashed}. See `docker logs {name}`."
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # nothing of its own: the container is pulumi-docker's


class ContainerHealthy(pulumi.dynamic.Resource):
    """The moment a role's container passed its liveness check; what starts after the role waits on it."""

    seconds: pulumi.Output[float]
    """How long the container took to pass its check."""

    def __init__(
        self,
        resource_name: str,
        *,
        stack: str,
        role: str,
        container_id: pulumi.Input[str],
        container_name: pulumi.Input[str],
        probe: str,
        timeout_seconds: int,
        show_check_output: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            HealthProvider(),
            resource_name,
            {
                "stack": stack,
                "role": role,
                "container_id": container_id,
                "container_name": container_name,
                "probe": probe,
                "timeout_seconds": timeout_seconds,
                "show_check_output": show_check_output,
                "seconds": None,
            },
            opts,
        )
