"""The Railway package's schema, built from the declarations of the resources themselves.

Each resource module declares its inputs and its state once, as `Prop`s on its handler class
(`INPUTS`, `OUTPUTS`); from them come the handler's diff sets (which input replaces, which updates),
the properties the plugin converts, and this schema, which `pulumi package get-schema` prints and
`pulumi package gen-sdk` turns into the Python SDK (`sdk/python`, distribution `railstack-railway`).

Property names are the schema's camelCase (`projectId`); the handlers use snake_case (`project_id`),
as the generated SDK does, and the plugin converts between the two at the top level only (the keys
of a variables map are never touched).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from railstack.providers.railway._base import RailwayResourceProvider

#: One version for the plugin, the SDK generated from this schema and the railstack library.
VERSION = "0.14.0"
PACKAGE = "railway"
#: The Python SDK's distribution and import names: never to be confused with a published package.
SDK_DISTRIBUTION = "railstack-railway"
SDK_MODULE = "railstack_railway"

Change = Literal["replace", "update"]


@dataclass(frozen=True)
class Prop:
    """One property of a resource: its schema type, what a change to it does, and its words."""

    type: str | dict[str, Any]
    """"string", "integer", "number", "boolean", or a schema type object (map, array)."""
    description: str
    required: bool = False
    """An input that must be given; an output that is always set."""
    change: Change | None = None
    """What a change does: "replace" makes a new object, "update" changes it in place; None: never compared."""
    secret: bool = False
    """The whole value is secret (the SDK marks it so in the program too)."""
    secret_values: bool = False
    """Each value of a map is secret on its own (the plugin marks them); the names stay visible."""
    derived: bool = False
    """An output that changes with any update (a digest, the release's deployment), unknown in a preview."""

    def schema(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": self.type} if isinstance(self.type, str) else dict(self.type)
        spec["description"] = self.description
        if self.secret:
            spec["secret"] = True
        if self.change == "replace":
            spec["replaceOnChanges"] = True
        return spec


def map_of(item: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": {"type": item}}


def list_of(item: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": item}}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def token(handler: type[RailwayResourceProvider]) -> str:
    return f"{PACKAGE}:index:{handler.TYPE}"


#: Provider configuration: `railway:<key>` in the stack's config.
CONFIG: dict[str, Prop] = {
    "token": Prop(
        "string",
        "Railway API token (account or workspace token; a project token with tokenKind=project). "
        "Defaults to RAILWAY_API_TOKEN, then RAILWAY_TOKEN (a project token).",
        secret=True,
    ),
    "token_kind": Prop("string", "`account` (the default: account or workspace token) or `project`."),
    "workspace_id": Prop(
        "string",
        "Workspace new projects go to when the token sees several (also RAILWAY_WORKSPACE_ID).",
    ),
    "api_url": Prop("string", "Railway's GraphQL endpoint (default https://backboard.railway.com/graphql/v2)."),
    "max_retry_wait_seconds": Prop("number", "The longest Retry-After the provider waits out before failing."),
    "approve_deployments": Prop(
        "boolean",
        "Approve railstack's own deployments that Railway holds for approval (NEEDS_APPROVAL, WAITING) with "
        "deploymentApprove; off by default, when such a deployment fails the release naming the remedy.",
    ),
}


def _properties(props: dict[str, Prop]) -> dict[str, Any]:
    return {camel(k): p.schema() for k, p in props.items()}


def resource_schema(handler: type[RailwayResourceProvider]) -> dict[str, Any]:
    """A resource's schema: its inputs, and its state (the inputs as given plus what Railway assigned)."""
    spec: dict[str, Any] = {
        "description": f"{handler.DESCRIPTION}\n\nImport ID: `{handler.IMPORT_ID}`.",
        "inputProperties": _properties(handler.INPUTS),
        "properties": _properties({**handler.INPUTS, **handler.OUTPUTS}),
        "requiredInputs": sorted(camel(k) for k, p in handler.INPUTS.items() if p.required),
        # In the state, what is required as an input is there, and so is every output Railway always assigns.
        "required": sorted(camel(k) for k, p in {**handler.INPUTS, **handler.OUTPUTS}.items() if p.required),
    }
    return spec


def package_schema() -> dict[str, Any]:
    from railstack.providers.railway.handlers import HANDLERS

    return {
        "name": PACKAGE,
        "displayName": "Railway (railstack)",
        "version": VERSION,
        "description": "Railway projects, services, variables and deployments over Railway's public GraphQL API.",
        "license": "Apache-2.0",
        "publisher": "railstack",
        "repository": "https://github.com/railstack/railstack",
        "keywords": ["pulumi", "railway", "category/cloud", "kind/native"],
        "config": {
            "variables": {camel(k): p.schema() for k, p in CONFIG.items()},
        },
        "provider": {
            "description": "The Railway provider: where and as whom railstack talks to Railway.",
            "inputProperties": {camel(k): p.schema() for k, p in CONFIG.items()},
        },
        "resources": {token(h): resource_schema(h) for h in HANDLERS},
        "language": {
            "python": {
                "packageName": SDK_MODULE,
                "pyproject": {"enabled": True},
                "respectSchemaVersion": True,
                "readme": "The Python SDK of railstack's Railway provider (plugin `pulumi-resource-railway`).",
            }
        },
    }


def schema_json() -> str:
    return json.dumps(package_schema(), indent=2, sort_keys=True) + "\n"
