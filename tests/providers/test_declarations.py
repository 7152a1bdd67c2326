"""The Railway handlers' typed declarations (railstack/providers/railway/schema.py): each property is
one dataclass field, the plugin's snake_case dicts go through them unchanged, and a diff compares
values the way each field says. No emulator: these are the conversions every request goes through.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from railstack.providers.railway._base import Handler
from railstack.providers.railway.handlers import HANDLERS
from railstack.providers.railway.schema import Prop
from railstack.providers.railway.service import ServiceArgs
from railstack.providers.railway.service_instance import ServiceInstanceProvider
from railstack.providers.railway.volume import VolumeProvider

SAMPLES: dict[str, Any] = {"string": "x", "integer": 3, "number": 1.5, "boolean": True}


def sample(prop: Prop) -> Any:
    """A value of the property's schema type."""
    if isinstance(prop.type, str):
        return SAMPLES[prop.type]
    return {"k": "v"} if prop.type["type"] == "object" else ["a", "b"]


def full_state(handler: type[Handler[Any, Any]]) -> dict[str, Any]:
    return {name: sample(p) for name, p in {**handler.INPUTS, **handler.OUTPUTS}.items()}


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.TYPE)
def test_every_property_is_one_field_of_the_inputs_or_of_the_state(handler: type[Handler[Any, Any]]) -> None:
    state = handler.STATE
    inputs = {f.name for f in dataclasses.fields(state.ARGS)}
    outputs = {f.name for f in dataclasses.fields(state) if f.name != "args"}
    assert set(handler.INPUTS) == inputs, f"{handler.TYPE}: INPUTS are the fields of {state.ARGS.__name__}"
    assert set(handler.OUTPUTS) == outputs, f"{handler.TYPE}: OUTPUTS are the fields of {state.__name__}"
    assert not inputs & outputs, f"{handler.TYPE}: a property is declared once, as an input or an output"


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.TYPE)
def test_a_state_goes_through_the_declared_types_and_back_unchanged(handler: type[Handler[Any, Any]]) -> None:
    values = full_state(handler)
    provider = handler()
    assert provider.state_from(values).to_props() == values, f"{handler.TYPE}: the state round-trips"
    inputs = {k: v for k, v in values.items() if k in handler.INPUTS}
    assert provider.args_from(inputs).to_props() == inputs, f"{handler.TYPE}: the inputs round-trip"


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda h: h.TYPE)
def test_a_property_missing_from_an_older_state_is_none_and_stays_out(handler: type[Handler[Any, Any]]) -> None:
    values = full_state(handler)
    missing = sorted(handler.OUTPUTS)[0]
    del values[missing]
    state = handler().state_from(values)
    assert getattr(state, missing) is None, f"{handler.TYPE}.{missing} absent from the state reads as None"
    assert missing not in state.to_props(), "None is never sent to the engine"


def test_a_property_the_declaration_lacks_or_omits_is_refused() -> None:
    with pytest.raises(TypeError, match="colour"):
        ServiceArgs(project_id="p", name="api", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="name"):
        ServiceArgs(project_id="p")  # type: ignore[call-arg]
    args = ServiceArgs(project_id="p", name="api")
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.name = "worker"  # type: ignore[misc]


def test_a_diff_compares_each_input_as_its_field_declares() -> None:
    volume = {"project_id": "p", "environment_id": "e", "service_id": "s", "mount_path": "/data"}
    olds = {**volume, "backup_schedules": ["DAILY", "WEEKLY"], "volume_instance_id": "vi"}
    same = VolumeProvider().handle_diff("v", olds, {**volume, "backup_schedules": ["WEEKLY", "DAILY", "DAILY"]})
    assert not same.changes, "backup schedules compare as a set of kinds"
    moved = VolumeProvider().handle_diff("v", olds, {**volume, "mount_path": "/srv", "backup_schedules": ["DAILY"]})
    assert moved.changed == ["backup_schedules", "mount_path"] and moved.replaces == []

    instance = {"service_id": "s", "environment_id": "e"}
    written = {**instance, "builder": "RAILPACK", "num_replicas": 1, "region": "us-west2", "watch_patterns": []}
    olds = {**written, "service_instance_id": "si", "revision": "r"}
    defaults = ServiceInstanceProvider().handle_diff("si", olds, instance)
    assert not defaults.changes, "Railway's defaults compare as unset settings"
    elsewhere = ServiceInstanceProvider().handle_diff("si", olds, {**instance, "environment_id": "other"})
    assert elsewhere.replaces == ["environment_id"]
