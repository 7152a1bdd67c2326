"""OneOffContainer: a command run to completion in a container before the role it belongs to starts
(the pre-deploy command: migrations), on the role's image, network, variables and volumes, as
Railway runs a pre-deploy command (Railway docs, deployments/pre-deploy-command.md). A non-zero exit
fails the `up` with the command's last lines (variable values redacted), and what depends on it
never starts. It runs again whenever any of its inputs changes (a new image, new variables).

The container of a failed run is kept under its name, so `docker logs <name>` shows all of it; the
next run removes it first.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pulumi

from railstack.providers.docker._engine import RunOnChange, engine, redact_environment, tail


class OneOffProvider(RunOnChange):
    INPUTS = ("stack", "role", "name", "image", "argv", "env", "network", "mounts", "labels", "user", "timeout_seconds")
    ID_INPUT = "name"

    def run(self, props: dict[str, Any]) -> dict[str, Any]:
        import docker.errors

        client = engine()
        name = props["name"]
        with contextlib.suppress(docker.errors.NotFound):
            client.containers.get(name).remove(force=True)
        started = time.monotonic()
        container = client.containers.create(
            props["image"],
            entrypoint=props["argv"],
            command=[],
            environment=list(props.get("env") or []),
            name=name,
            network=props["network"],
            user=props.get("user") or None,
            volumes={volume: {"bind": path, "mode": "rw"} for path, volume in (props.get("mounts") or {}).items()},
            labels=dict(props.get("labels") or {}),
            detach=True,
        )
        container.start()
        timeout = float(props.get("timeout_seconds") or 600)
        try:
            code = container.wait(timeout=timeout)["StatusCode"]
        except Exception:  # the engine's wait timed out: the command is still running
            container.kill()
            raise Exception(
                f"{props['stack']}: {props['role']}'s pre-deploy command did not finish within {timeout:.0f} s; "
                f"see `docker logs {name}`"
            ) from None
        output = container.logs().decode(errors="replace")
        if code != 0:
            lines = redact_environment(tail(output), props.get("env") or [])
            raise Exception(
                f"{props['stack']}: {props['role']}'s pre-deploy command exited {code}, so {props['role']} was not "
                f"started; see `docker logs {name}`. Its last lines:\n{lines}"
            )
        container.remove(force=True)
        return {**props, "exit_code": code, "seconds": round(time.monotonic() - started, 3)}

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        import docker.errors

        with contextlib.suppress(docker.errors.NotFound):
            engine().containers.get(props["name"]).remove(force=True)


class OneOffContainer(pulumi.dynamic.Resource):
    """A command run once to completion before its role starts; a non-zero exit fails the `up`."""

    exit_code: pulumi.Output[int]
    seconds: pulumi.Output[float]

    def __init__(
        self,
        resource_name: str,
        *,
        stack: str,
        role: str,
        name: str,
        image: pulumi.Input[str],
        argv: list[str],
        env: pulumi.Input[list[str]],
        network: pulumi.Input[str],
        mounts: dict[str, pulumi.Input[str]] | None = None,
        labels: dict[str, str] | None = None,
        user: str | None = None,
        timeout_seconds: int = 600,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            OneOffProvider(),
            resource_name,
            {
                "stack": stack,
                "role": role,
                "name": name,
                "image": image,
                "argv": argv,
                "env": env,
                "network": network,
                "mounts": mounts or {},
                "labels": labels or {},
                "user": user,
                "timeout_seconds": timeout_seconds,
                "exit_code": None,
                "seconds": None,
            },
            # The variables hold the stack's secrets: encrypted in the state like the containers' own.
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["env"])),
        )
