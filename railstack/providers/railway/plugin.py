"""The provider plugin `pulumi-resource-railway`: serves the Railway handlers to the Pulumi engine.

The engine starts it like any provider plugin (`pulumi plugin ls` lists it; scripts/bootstrap installs
it) and talks gRPC through Pulumi's provider interface (`pulumi.provider.experimental`). The plugin
only translates: schema names (camelCase) to the handlers' snake_case and back, property values to
plain Python, one request to one handler call in a worker thread (Railway's API is slow and the
engine runs many steps at once). What each resource does is in its handler.

Secrets: the plugin tells the engine it does not take secret values (`acceptSecrets: false`), so the
engine strips them on the way in and marks the outputs secret where the inputs were, property by
property, so a variable's value stays secret while its name shows. A read (refresh, import) marks
what the schema says is secret itself: an imported object has no secret inputs to copy that from.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
import traceback
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, cast

import grpc
from pulumi.provider.experimental.property_value import Computed, PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime import rpc

# The channel options of pulumi's own provider servers (message sizes), which pulumi does not export.
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS  # pyright: ignore[reportPrivateUsage]
from pulumi.runtime.proto import provider_pb2_grpc

from railstack.providers.railway._base import UNKNOWN, RailwayResourceProvider
from railstack.providers.railway.client import RailwayError
from railstack.providers.railway.handlers import BY_TOKEN
from railstack.providers.railway.progress import PROGRESS
from railstack.providers.railway.schema import CONFIG, VERSION, Prop, camel, schema_json, snake

TOKEN_KINDS = ("account", "project")


def plain(value: PropertyValue) -> Any:
    """A property value as plain Python (unknowns as UNKNOWN, secrets unwrapped)."""
    inner = value.value
    if isinstance(inner, Computed) or inner == rpc.UNKNOWN:  # the engine's unknown travels as a marker string
        return UNKNOWN
    if isinstance(inner, Mapping):
        return {k: plain(v) for k, v in inner.items()}
    if isinstance(inner, tuple | list):
        return [plain(v) for v in inner]
    return inner


def wrap(value: Any, *, secret: bool = False) -> PropertyValue:
    if value is UNKNOWN:
        # The engine's own marker: this SDK's PropertyValue cannot marshal its Computed.
        return PropertyValue(rpc.UNKNOWN)
    if isinstance(value, Mapping):
        value = {str(k): wrap(v) for k, v in cast(Mapping[Any, Any], value).items()}
    elif isinstance(value, list | tuple):
        value = [wrap(v) for v in cast(list[Any], value)]
    elif isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    return PropertyValue(value, is_secret=secret)


def _typed(prop: Prop | None, value: Any) -> Any:
    # The wire has one number type: an integer property comes back an int.
    if prop is not None and prop.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Properties:
    """The schema's names and types of one resource, both ways."""

    def __init__(self, handler: type[RailwayResourceProvider]) -> None:
        self.props = {**handler.INPUTS, **handler.OUTPUTS}
        self.inputs = handler.INPUTS

    def to_handler(self, values: Mapping[str, PropertyValue]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            name = snake(key)
            out[name] = _typed(self.props.get(name), plain(value))
        return out

    def to_engine(self, values: Mapping[str, Any], *, only_inputs: bool = False) -> dict[str, PropertyValue]:
        out: dict[str, PropertyValue] = {}
        for name, value in values.items():
            prop = self.props.get(name)
            if prop is None or (only_inputs and name not in self.inputs):
                continue  # nothing the schema does not declare reaches the state
            if prop.secret_values and isinstance(value, Mapping):
                entries = cast(Mapping[str, Any], value).items()
                out[camel(name)] = PropertyValue({k: wrap(v, secret=True) for k, v in entries})
            else:
                out[camel(name)] = wrap(value, secret=prop.secret and value is not None)
        return out


class RailwayProvider(Provider):
    def __init__(self) -> None:
        self._config: dict[str, Any] = {}

    def _handler(self, urn_type: str) -> tuple[RailwayResourceProvider, Properties]:
        # A child's URN type is qualified by its parents' (`railstack:railway:AppStack$railway:index:Project`),
        # and pulumi's request.type passes it on as it is: the resource's own type is the last part.
        cls = BY_TOKEN.get(urn_type.rsplit("$", 1)[-1])
        if cls is None:
            raise ValueError(
                f"the railway provider has no resource {urn_type!r}; it has: {', '.join(sorted(BY_TOKEN))}"
            )
        return cls(self._config), Properties(cls)

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema=schema_json())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        failures: list[CheckFailure] = []
        kind = request.new_inputs.get("tokenKind")
        if kind is not None and kind.value not in (None, "", *TOKEN_KINDS) and not isinstance(kind.value, Computed):
            failures.append(
                CheckFailure("tokenKind", f"railway:tokenKind = {kind.value!r}: allowed values are account, project")
            )
        return CheckResponse(inputs=request.new_inputs, failures=failures)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        config: dict[str, Any] = {}
        for key in CONFIG:
            value = request.args.get(camel(key))
            if value is None:
                value_text = request.variables.get(f"railway:config:{camel(key)}")
                if value_text not in (None, ""):
                    config[key] = value_text
            elif not isinstance(value.value, Computed) and value.value not in (None, ""):
                config[key] = plain(value)
        self._config = config
        # Previews are answered here (create, update): without that the engine would make every output of
        # an updated resource unknown, and everything built on its id would preview as a replacement.
        return ConfigureResponse(accept_secrets=False, supports_preview=True, accept_resources=False)

    async def check(self, request: CheckRequest) -> CheckResponse:
        handler, props = self._handler(request.type)
        news = props.to_handler(request.new_inputs)
        failures = [CheckFailure(camel(key), f"{camel(key)} {reason}") for key, reason in handler.handle_check(news)]
        return CheckResponse(inputs=request.new_inputs, failures=failures)

    async def diff(self, request: DiffRequest) -> DiffResponse:
        handler, props = self._handler(request.type)
        olds, news = props.to_handler(request.old_state), props.to_handler(request.new_inputs)
        for ignored in request.ignore_changes:
            name = snake(ignored)
            if name in olds:
                news[name] = olds[name]
        result = handler.handle_diff(request.resource_id, olds, news)
        detailed = {
            camel(key): PropertyDiff(
                PropertyDiffKind.UPDATE_REPLACE if key in result.replaces else PropertyDiffKind.UPDATE, input_diff=True
            )
            for key in result.changed
        }
        return DiffResponse(
            changes=result.changes,
            replaces=[camel(k) for k in result.replaces],
            stables=[camel(k) for k in result.stables],
            delete_before_replace=result.delete_before_replace,
            diffs=[camel(k) for k in result.changed],
            detailed_diff=detailed,
        )

    async def create(self, request: CreateRequest) -> CreateResponse:
        handler, props = self._handler(request.type)
        if request.preview:
            # What Railway will assign is not known before it does.
            planned = {**props.to_handler(request.properties), **{k: UNKNOWN for k in handler.OUTPUTS}}
            return CreateResponse(resource_id="", properties=props.to_engine(planned))
        handler.urn = request.urn
        result = await asyncio.to_thread(handler.handle_create, props.to_handler(request.properties))
        return CreateResponse(resource_id=result.id, properties=props.to_engine(result.outs))

    async def read(self, request: ReadRequest) -> ReadResponse:
        handler, props = self._handler(request.type)
        state = props.to_handler(request.properties)
        object_id = request.resource_id
        if not state and not request.inputs:
            # `pulumi import` (or the `import` option): only the ID is known.
            object_id, state = await asyncio.to_thread(handler.handle_import, request.resource_id)
        result = await asyncio.to_thread(handler.handle_read, object_id, state)
        if result.id is None:
            return ReadResponse(resource_id=None)
        inputs = {k: v for k, v in result.outs.items() if k in props.inputs and v is not None}
        return ReadResponse(
            resource_id=result.id,
            properties=props.to_engine(result.outs),
            inputs=props.to_engine(inputs, only_inputs=True),
        )

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        handler, props = self._handler(request.type)
        olds, news = props.to_handler(request.olds), props.to_handler(request.news)
        if request.preview:
            # An update keeps the object and its ids; what is derived from the change is not known yet.
            planned = {**olds, **news, **{k: UNKNOWN for k, p in handler.OUTPUTS.items() if p.derived}}
            return UpdateResponse(properties=props.to_engine(planned))
        handler.urn = request.urn
        result = await asyncio.to_thread(handler.handle_update, request.resource_id, olds, news)
        return UpdateResponse(properties=props.to_engine(result.outs))

    async def delete(self, request: DeleteRequest) -> None:
        handler, props = self._handler(request.type)
        await asyncio.to_thread(handler.handle_delete, request.resource_id, props.to_handler(request.properties))


def _reporting(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """An RPC whose failure reaches the user as its message alone: Railway's errors as they are (they
    carry the operation and Railway's words, never a token or a value), anything else with where it
    happened, since it is a bug of the plugin."""

    @functools.wraps(method)
    async def call(self: ProviderServicer, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await method(self, request, context)
        except RailwayError as err:
            await context.abort(grpc.StatusCode.UNKNOWN, str(err))
        except Exception as err:
            frame = traceback.extract_tb(err.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            traceback.print_exc(file=sys.stderr)
            await context.abort(
                grpc.StatusCode.INTERNAL, f"railway provider {VERSION}: {type(err).__name__}: {err} (at {where})"
            )

    return call


class RailwayServicer(ProviderServicer):
    """Pulumi's provider servicer, with failures reported as messages (see `_reporting`)."""


for _rpc in ("CheckConfig", "Configure", "Check", "Diff", "Create", "Read", "Update", "Delete"):
    setattr(RailwayServicer, _rpc, _reporting(getattr(ProviderServicer, _rpc)))


def main() -> None:
    """Serves the plugin: the engine passes its address and reads the port from the first line."""

    async def serve() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        engine = next((a for a in sys.argv[1:] if not a.startswith("-")), "")
        servicer = RailwayServicer(sys.argv[1:], VERSION, RailwayProvider(), engine_address=engine)
        PROGRESS.connect(engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
