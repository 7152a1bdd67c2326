"""Which Python function answers which field of Railway's schema, and how they are attached.

Resolver modules register functions with `@query`, `@mutation` and `@field`; `attach` sets them as the
`resolve` of the matching fields of the built schema, so every response has exactly the schema's shape.
A registered name that the schema lacks fails at start-up (the schema wins over our guesses). Every root
field left unregistered answers "<field> is not implemented by the railway emulator"; so does any
object field whose value the emulator does not model, instead of a silent null.

Registered functions receive the request `Context` first and the field arguments as snake_case keyword
arguments; input objects keep Railway's camelCase keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from railway_emulator.errors import NotImplementedByEmulator, RailwayError

if TYPE_CHECKING:
    from railway_emulator.state import State

Resolver = Callable[..., Any]
_Registered = TypeVar("_Registered", bound=Resolver)

_ROOT: dict[tuple[str, str], Resolver] = {}
_FIELDS: dict[tuple[str, str], Resolver] = {}


@dataclass
class Context:
    """What one GraphQL request's resolvers share: the state, who is calling, what got written."""

    state: State
    account_token: bool
    """True for `Authorization: Bearer` (account/workspace token), False for `Project-Access-Token`."""
    writes: list[str] = dataclass_field(default_factory=list)
    """Mutation root fields that completed without error, in order."""
    workspaces: list[str] = dataclass_field(default_factory=list)
    """The workspace ids the caller's token sees, the default first."""
    source_deploys: bool = False
    """Whether setting a source deploys at once (the emulator's `source_deploys` option)."""
    patch_deploys: bool = True
    """Whether a patch commit deploys the services it touches (the emulator's `patch_deploys` option)."""


def snake(name: str) -> str:
    """`environmentId` -> `environment_id`, `currentSizeMB` -> `current_size_mb`."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def query(name: str) -> Callable[[_Registered], _Registered]:
    """Register the resolver of the root field `Query.<name>`."""
    return _register(_ROOT, ("Query", name))


def mutation(name: str) -> Callable[[_Registered], _Registered]:
    """Register the resolver of the root field `Mutation.<name>`."""
    return _register(_ROOT, ("Mutation", name))


def field(type_name: str, field_name: str) -> Callable[[_Registered], _Registered]:
    """Register the resolver of an object field; it gets (context, parent, **arguments)."""
    return _register(_FIELDS, (type_name, field_name))


def implemented_root_fields() -> dict[str, list[str]]:
    """The root fields the emulator answers, by root type, sorted (for the README and the tests)."""
    out: dict[str, list[str]] = {"Query": [], "Mutation": []}
    for root, name in _ROOT:
        out[root].append(name)
    return {root: sorted(names) for root, names in out.items()}


def _register(table: dict[tuple[str, str], Resolver], key: tuple[str, str]) -> Callable[[_Registered], _Registered]:
    def decorate(fn: _Registered) -> _Registered:
        if key in table:
            raise RuntimeError(f"{key[0]}.{key[1]} has two resolvers")
        table[key] = fn
        return fn

    return decorate


def attach(schema: GraphQLSchema) -> None:
    """Set every registered resolver on the schema; unregistered root fields answer "not implemented"."""
    for type_name, field_name in {**_ROOT, **_FIELDS}:
        owner = schema.get_type(type_name)
        if not isinstance(owner, GraphQLObjectType) or field_name not in owner.fields:
            raise RuntimeError(f"resolver registered for {type_name}.{field_name}, which Railway's schema lacks")
    for root in (schema.query_type, schema.mutation_type):
        assert root is not None
        for field_name, gql_field in root.fields.items():
            fn = _ROOT.get((root.name, field_name))
            gql_field.resolve = _root_resolver(fn) if fn else _not_implemented(field_name)
    for (type_name, field_name), fn in _FIELDS.items():
        owner = schema.get_type(type_name)
        assert isinstance(owner, GraphQLObjectType)
        owner.fields[field_name].resolve = _object_resolver(fn)


def _root_resolver(fn: Resolver) -> Resolver:
    def resolve(_source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        context: Context = info.context
        result = _call(fn, context, None, args)
        if info.parent_type.name == "Mutation":
            context.writes.append(info.field_name)
        return result

    return resolve


def _object_resolver(fn: Resolver) -> Resolver:
    def resolve(source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        return _call(fn, info.context, source, args)

    return resolve


def _call(fn: Resolver, context: Context, parent: Any, args: dict[str, Any]) -> Any:
    kwargs = {snake(key): value for key, value in args.items()}
    try:
        if parent is None:
            return fn(context, **kwargs)
        return fn(context, parent, **kwargs)
    except RailwayError as error:
        # Only the message travels: Railway's errors carry no code the client could rely on.
        raise GraphQLError(error.message) from error


def _not_implemented(field_name: str) -> Resolver:
    def resolve(_source: Any, _info: GraphQLResolveInfo[Any], **_args: Any) -> Any:
        raise GraphQLError(NotImplementedByEmulator(field_name).message)

    return resolve


def resolve_attribute(source: Any, info: GraphQLResolveInfo[Any], **_args: Any) -> Any:
    """Default resolver: a mapping's camelCase key or a record's snake_case attribute.

    A field the source does not carry is one the emulator does not model: it answers an explicit
    error rather than a null the client could mistake for Railway's answer.
    """
    name = info.field_name
    if isinstance(source, Mapping):
        if name in source:
            return source[name]
    else:
        attribute = snake(name)
        if hasattr(source, attribute):
            return getattr(source, attribute)
    raise GraphQLError(NotImplementedByEmulator(f"{info.parent_type.name}.{name}").message)
