"""Adoption's variables step: carrying the app services' variables, and writing them into the stack."""

from __future__ import annotations

from adopt.common import Findings
from adopt.config import stack_config
from adopt.roles import place_apps
from adopt.stores import place_stores
from adopt.variables import Carry, carry_app_variables, shared_variable_notes, write_variables
from railstack.stacks.load import profile
from tests.adopt.test_mapping import IMAGE, app, inventory, postgres, redis


def test_carried_values_go_to_their_roles_the_common_ones_once_and_secrets_by_name() -> None:
    config = {"api": {"service_name": "api"}, "workers": {"logs": {"service_name": "w"}, "content": None}}
    carried = Carry(
        common={"LOG_LEVEL": "info"},
        own={"api": {"A": "1"}, "workers.logs": {}},
        secrets={"Z_TOKEN": "z", "SENTRY_DSN": "d"},
    )
    write_variables(config, carried)
    assert config == {
        "api": {"service_name": "api", "variables": {"A": "1"}},
        "workers": {"logs": {"service_name": "w"}, "content": None},
        "variables": {"LOG_LEVEL": "info"},
        "sensitive_variables": ["SENTRY_DSN", "Z_TOKEN"],
    }


def test_a_carried_secret_typed_into_a_command_is_a_problem() -> None:
    token = "tok-typed-by-hand-3456"
    api = app("a", "api", "api", variables={"API_TOKEN": token}, start_command=f"run --token {token}")
    project = inventory(postgres(), redis(), api)
    findings = Findings()
    stores = place_stores(project, profile("staging"), findings)
    placed = [*stores.placed, *place_apps(stores.others, project, findings)]
    config = stack_config(project, "staging", ("image", IMAGE), placed, stores, profile("staging"), findings)
    carried = carry_app_variables("staging", project, config, placed, stores.passwords, findings)
    assert carried.secrets == {"API_TOKEN": token}
    assert [p.why.split(":")[0] for p in findings.problems] == [
        "its start command holds the value of a secret variable"
    ]


def test_shared_variables_railstack_does_not_produce_are_noted_by_name() -> None:
    findings = Findings()
    project = inventory(shared_variables={"OLD": "1", "SECRET_KEY": "s", "KEPT_TOKEN": "t"})
    shared_variable_notes(project, Carry(secrets={"KEPT_TOKEN": "t"}), findings)
    assert [note.split(" are ")[0] for note in findings.notes] == [
        "the environment's shared variables OLD",
        "the environment's shared variables SECRET_KEY",
    ]
