"""The role contract read from the environment: what each role needs, and errors that leak nothing."""

from __future__ import annotations

import pytest

from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config
from railstack_app.roles import command_for, role_kind
from railstack_app.settings import COMMON, SettingsError, load_settings
from tests.app.conftest import SECRETS

VALID = {
    "DATABASE_URL": "postgresql://app:db-password-xyz@db:5432/app",
    "REDIS_URL": "redis://default:redis-password-xyz@redis:6379",
    "CELERY_BROKER_URL": "redis://default:redis-password-xyz@redis:6379",
    "CELERY_RESULT_BACKEND": "redis://default:redis-password-xyz@redis:6379",
    **SECRETS,
}


def test_missing_variable_is_named_in_the_error() -> None:
    env = {k: v for k, v in VALID.items() if k != "REDIS_URL"}
    with pytest.raises(SettingsError, match=r"missing environment variable: REDIS_URL$"):
        load_settings(env)


def test_empty_variable_counts_as_missing() -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET_KEY"):
        load_settings({**VALID, "JWT_SECRET_KEY": "  "})


def test_every_missing_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({})
    for name in COMMON:
        assert name in str(error.value)


def test_api_role_also_needs_its_port_and_process_counts() -> None:
    with pytest.raises(SettingsError, match=r"\(role kind api\): PORT, WEB_CONCURRENCY, THREADS"):
        load_settings(VALID, kind="api")


def test_flower_role_needs_its_basic_auth() -> None:
    with pytest.raises(SettingsError, match="FLOWER_BASIC_AUTH"):
        load_settings({**VALID, "PORT": "5555"}, kind="flower")


def test_non_integer_concurrency_is_rejected_with_the_variable_name() -> None:
    env = {**VALID, "CELERY_CONCURRENCY": "two", "CELERY_MAX_TASKS_PER_CHILD": "10"}
    with pytest.raises(SettingsError, match="CELERY_CONCURRENCY must be a positive integer, got 'two'"):
        load_settings(env, kind="worker")


def test_wrong_url_scheme_is_named_without_showing_the_url() -> None:
    env = {**VALID, "DATABASE_URL": "mysql://app:db-password-xyz@db/app"}
    with pytest.raises(SettingsError, match="DATABASE_URL must start with") as error:
        load_settings(env)
    assert "db-password-xyz" not in str(error.value)


def test_repr_of_settings_shows_no_secret_or_password() -> None:
    settings = load_settings({**VALID, "FLOWER_BASIC_AUTH": "admin:flower-pw-xyz"})
    shown = repr(settings)
    for secret in (*SECRETS.values(), "db-password-xyz", "redis-password-xyz", "flower-pw-xyz"):
        assert secret not in shown


def test_contract_values_are_parsed() -> None:
    env = {
        **VALID,
        "PORT": "8080",
        "WEB_CONCURRENCY": "3",
        "THREADS": "4",
        "CELERY_QUEUES": "logs",
        "HEARTBEAT_SECONDS": "2.5",
        "SERVICE_TYPE": "api",
    }
    settings = load_settings(env, kind="api")
    assert (settings.port, settings.web_concurrency, settings.threads) == (8080, 3, 4)
    assert settings.celery_queues == ("logs",)
    assert settings.heartbeat_seconds == 2.5
    assert settings.service_type == "api"
    assert settings.secret_key == SECRETS["SECRET_KEY"]


def test_heartbeat_defaults_to_ten_seconds() -> None:
    assert load_settings(VALID).heartbeat_seconds == 10.0


@pytest.mark.parametrize("stack", ["demo", "staging", "prod"])
def test_every_role_a_stack_defines_starts_with_the_variables_the_stack_gives_it(stack: str) -> None:
    """The plan (railstack/plan.py) and the app agree on role names and on each role's plain variables."""
    config = load_stack_config(stack, {"app": {"image": "ghcr.io/acme/app:1"}})
    for workload in build_plan(stack, config).workloads:
        env = dict(VALID)
        for name, value in workload.variables.items():
            # A reference (a store's URL, a generated secret) is resolved by the target: any text stands in.
            if value.refs:
                env.setdefault(name, "x")
            else:
                env[name] = value.text
        if workload.kind == "flower":
            env["FLOWER_BASIC_AUTH"] = "admin:x"
        service_type = env["SERVICE_TYPE"]
        settings = load_settings(env, kind=role_kind(service_type))
        assert command_for(service_type, settings), workload.name
