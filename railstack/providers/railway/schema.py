"""The Railway package's schema, built from the declarations of the resources themselves.

Each resource module declares its inputs once, as one frozen dataclass (`XArgs`, a `Props`) whose
fields are made with `prop(...)`: the annotation gives the schema type, a field without a default is
required, `change` says what a change does (replace or update) and `compare_as` how a value compares.
Its state (`XState`, a `State[XArgs]`) holds the inputs as given (`args`) plus the outputs Railway
assigned, declared the same way. The handler's `INPUTS`/`OUTPUTS` (`Prop`s), its diff sets, the
properties the plugin converts and this schema are read off those fields, so each property is named
once. `pulumi package get-schema` prints the schema and `pulumi package gen-sdk` turns it into the
Python SDK (`sdk/python`, distribution `railstack-railway`).

Property names are the schema's camelCase (`projectId`); the handlers use snake_case (`project_id`),
as the generated SDK does, and the plugin converts between the two at the top level only (the keys
of a variables map are never touched).
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    Literal,
    Self,
    TypeVar,
    Union,
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
)

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


#: The schema type of a field's annotation (after `| None`); maps and lists are of strings.
_SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _schema_type(annotation: Any, where: str) -> str | dict[str, Any]:
    args = get_args(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        (annotation,) = [a for a in args if a is not type(None)]
        args = get_args(annotation)
    origin = get_origin(annotation)
    if origin is dict and args[0] is str and args[1] in _SCALARS:
        return map_of(_SCALARS[args[1]])
    if origin is list and args[0] in _SCALARS:
        return list_of(_SCALARS[args[0]])
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(
        f"{where}: {annotation!r} has no schema type (use str, int, float, bool, dict[str, str], list[str])"
    )


@dataclass(frozen=True)
class _Spec:
    """What `prop(...)` records on a field; the type comes from the annotation."""

    description: str
    change: Change | None
    secret: bool
    secret_values: bool
    derived: bool
    compare_as: Callable[[Any], Any] | None


def prop(
    description: str,
    *,
    change: Change | None = None,
    secret: bool = False,
    secret_values: bool = False,
    derived: bool = False,
    compare_as: Callable[[Any], Any] | None = None,
    default: Any = dataclasses.MISSING,
) -> Any:
    """A property of a resource (see `Prop` for the words). Without `default` it is required (an
    input that must be given, an output always set). `compare_as` is the value as it compares in a
    diff (a platform default folded in, a list compared as a set)."""
    spec = _Spec(description, change, secret, secret_values, derived, compare_as)
    return dataclasses.field(default=default, metadata={"prop": spec})


def spec_of(field: dataclasses.Field[Any]) -> _Spec:
    return field.metadata["prop"]


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(prop,))
class Props:
    """A resource's declared properties as one frozen dataclass (fields made with `prop`)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The dataclass machinery keeps the fields (`fields`, `replace`); __init__, immutability,
        # equality and repr are written once below: generated per class (exec'd source), they would
        # add about 15 ms to the plugin's start.
        dataclass(init=False, repr=False, eq=False, kw_only=True)(cls)

    def __init__(self, **values: Any) -> None:
        for f in dataclasses.fields(self):
            if f.name in values:
                value = values.pop(f.name)
            elif f.default is not dataclasses.MISSING:
                value = f.default
            else:
                raise TypeError(f"{type(self).__name__}() missing keyword argument {f.name!r}")
            object.__setattr__(self, f.name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword arguments {sorted(values)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(self))

    __hash__ = None  # type: ignore[assignment]  # mutable values (maps, lists): never a dict key

    def __repr__(self) -> str:
        values = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({values})"

    @classmethod
    def declared(cls) -> dict[str, Prop]:
        """The fields as the schema's `Prop`s, by snake_case name (`args` of a state excluded)."""
        hints = get_type_hints(cls)
        out: dict[str, Prop] = {}
        for f in dataclasses.fields(cls):
            if "prop" not in f.metadata:
                continue
            spec = spec_of(f)
            out[f.name] = Prop(
                _schema_type(hints[f.name], f"{cls.__name__}.{f.name}"),
                spec.description,
                required=f.default is dataclasses.MISSING,
                change=spec.change,
                secret=spec.secret,
                secret_values=spec.secret_values,
                derived=spec.derived,
            )
        return out

    @classmethod
    def from_props(cls, values: Mapping[str, Any], **given: Any) -> Self:
        """The object from the plugin's snake_case values; a field missing there (a state written by
        an older railstack, what an import ID names before the read) is None whatever its type."""
        names = [f.name for f in dataclasses.fields(cls) if "prop" in f.metadata]
        return cls(**{name: values.get(name) for name in names}, **given)

    @classmethod
    def compare(cls, name: str, value: Any) -> Any:
        """`value` of field `name` as it compares in a diff: its `compare_as`, else itself."""
        same = spec_of(cls.__dataclass_fields__[name]).compare_as
        return value if same is None else same(value)

    def compared(self, name: str) -> Any:
        """This object's field `name` as it compares in a diff."""
        return self.compare(name, getattr(self, name))

    def to_props(self) -> dict[str, Any]:
        """The snake_case values the plugin sends: None is left out (the engine's null and absent agree)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Props):
                out.update(value.to_props())
            elif value is not None:
                out[f.name] = value
        return out


A = TypeVar("A", bound=Props)


class State(Props, Generic[A]):
    """A resource's state: its inputs as given (`args`) and the outputs Railway assigned (the fields)."""

    ARGS: ClassVar[type[Props]]
    """The inputs' class: the `A` the subclass names (`class XState(State[XArgs])`)."""
    args: A

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is State:
                cls.ARGS = get_args(base)[0]

    @classmethod
    def from_state(cls, values: Mapping[str, Any]) -> Self:
        return cls.from_props(values, args=cls.ARGS.from_props(values))


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
