"""A recording `pulumi.runtime.Mocks` for component unit tests: every registered resource's inputs,
with outputs a real provider would add filled in with recognisable fake values."""

from __future__ import annotations

from typing import Any

import pulumi

from railstack.providers.railway.schema import snake

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_KIND = "1b47061264138c4ac30d75fd1eb44270"


def unwrap(value: Any) -> Any:
    """Inputs as the program wrote them: secret envelopes opened (these are mock values)."""
    if isinstance(value, dict):
        if is_secret(value):
            return unwrap(value.get("value"))
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_KIND


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.secret_inputs: dict[str, list[str]] = {}
        """Names of each resource's inputs that arrived as secrets."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = unwrap(dict(args.inputs))
        railway = args.typ.startswith("railway:index:")
        if railway:
            # Recorded by the SDK's argument names (service_id), not the schema's (serviceId).
            inputs = {snake(k): v for k, v in inputs.items()}
        self.resources[args.name] = {"type": args.typ, "inputs": inputs}
        outputs = dict(args.inputs)
        if railway:
            outputs.update(
                projectId="p-1",
                defaultEnvironmentId="e-1",
                serviceId=f"s-{args.name}",
                revision="r",
                domain="api.up.railway.app",
            )
        if args.typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = "generated-" + args.name
        if args.typ == "docker:index/remoteImage:RemoteImage":
            outputs["image_id"] = "sha256:" + args.name
        if args.typ == "docker:index/image:Image":
            outputs["repo_digest"] = "sha256:built-" + args.name
        self.secret_inputs[args.name] = sorted(
            snake(k) if railway else k for k, v in args.inputs.items() if is_secret(v)
        )
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # No outputs and no check failures (an empty list: the mock server iterates over it).
        return {}, []
