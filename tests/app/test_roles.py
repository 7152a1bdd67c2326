"""The entrypoint's roles: what each runs, and how it refuses a bad role or environment."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from railstack_app.roles import ROLES, UnknownRoleError, command_for, role_kind
from railstack_app.settings import Settings, SettingsError, load_settings
from tests.app.conftest import SECRETS, run_entrypoint

ALLOWED = "allowed roles: migrate, api, celery_content_generation, celery_logs, beat, flower, healthcheck-worker"


def settings_for(contract_env: dict[str, str], role: str, **overrides: str) -> Settings:
    return load_settings({**contract_env, "SERVICE_TYPE": role, **overrides}, kind=role_kind(role))


def test_unknown_role_exits_2_listing_the_allowed_roles(contract_env: dict[str, str]) -> None:
    result = run_entrypoint("celery_emails", env=contract_env)
    assert result.returncode == 2
    assert result.stderr.strip() == f"railstack_app: unknown role 'celery_emails'; {ALLOWED}"


def test_unknown_service_type_exits_2_when_no_role_is_given(contract_env: dict[str, str]) -> None:
    result = run_entrypoint(env={**contract_env, "SERVICE_TYPE": "worker"})
    assert result.returncode == 2
    assert f"unknown role 'worker'; {ALLOWED}" in result.stderr


def test_no_role_and_no_service_type_exits_2(contract_env: dict[str, str]) -> None:
    env = {k: v for k, v in contract_env.items() if k != "SERVICE_TYPE"}
    result = run_entrypoint(env=env)
    assert result.returncode == 2
    assert f"no role given and SERVICE_TYPE is not set; {ALLOWED}" in result.stderr


def test_role_defaults_to_service_type(contract_env: dict[str, str]) -> None:
    result = run_entrypoint(env={**contract_env, "SERVICE_TYPE": "migrate"})
    assert (result.returncode, result.stdout.strip()) == (0, "migrations applied: none (up to date)"), result.stderr


def test_missing_variable_exits_2_naming_it_and_showing_no_secret(contract_env: dict[str, str]) -> None:
    env = {k: v for k, v in contract_env.items() if k != "DATABASE_URL"}
    result = run_entrypoint("api", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "railstack_app: missing environment variable (role kind api): DATABASE_URL"
    shown = result.stdout + result.stderr
    for secret in (*SECRETS.values(), env["REDIS_URL"], env["FLOWER_BASIC_AUTH"]):
        assert secret not in shown


def test_every_role_is_known_and_nothing_else() -> None:
    for role in ROLES:
        role_kind(role)
    for role in ("celery", "celery_", "worker", "celery_content_generation_x", "API", ""):
        with pytest.raises(UnknownRoleError):
            role_kind(role)


def test_content_worker_consumes_only_content_generation_without_embedded_beat(contract_env: dict[str, str]) -> None:
    settings = settings_for(
        contract_env, "celery_content_generation", CELERY_CONCURRENCY="3", CELERY_MAX_TASKS_PER_CHILD="50"
    )
    argv = command_for("celery_content_generation", settings)
    assert argv[:5] == [sys.executable, "-m", "celery", "-A", "railstack_app.worker:celery_app"]
    assert argv[5] == "worker"
    assert argv[argv.index("--queues") + 1] == "content_generation"
    assert argv.count("--queues") == 1 and "-Q" not in argv
    assert argv[argv.index("--concurrency") + 1] == "3"
    assert argv[argv.index("--max-tasks-per-child") + 1] == "50"
    assert "-B" not in argv and "--beat" not in argv


def test_logs_worker_consumes_only_logs(contract_env: dict[str, str]) -> None:
    argv = command_for("celery_logs", settings_for(contract_env, "celery_logs", CELERY_QUEUES="logs"))
    assert argv[argv.index("--queues") + 1] == "logs"


def test_worker_refuses_celery_queues_that_disagree_with_its_role(contract_env: dict[str, str]) -> None:
    settings = settings_for(contract_env, "celery_logs", CELERY_QUEUES="logs,content_generation")
    with pytest.raises(SettingsError, match="disagrees with role celery_logs"):
        command_for("celery_logs", settings)


def test_api_serves_on_port_with_web_concurrency_processes(contract_env: dict[str, str]) -> None:
    argv = command_for("api", settings_for(contract_env, "api", PORT="8123", WEB_CONCURRENCY="3"))
    assert argv[:5] == [sys.executable, "-m", "uvicorn", "railstack_app.api:create_app", "--factory"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8123"
    assert argv[argv.index("--workers") + 1] == "3"


def test_beat_keeps_its_schedule_in_the_temp_dir_and_touches_an_alive_file(contract_env: dict[str, str]) -> None:
    argv = command_for("beat", settings_for(contract_env, "beat"))
    assert argv[5] == "beat"
    assert Path(argv[argv.index("--schedule") + 1]).parent == Path(tempfile.gettempdir())
    assert argv[argv.index("--scheduler") + 1] == "railstack_app.worker:LivenessScheduler"


def test_flower_gets_its_port_and_keeps_the_basic_auth_password_out_of_argv(contract_env: dict[str, str]) -> None:
    settings = settings_for(contract_env, "flower", PORT="5555")
    argv = command_for("flower", settings)
    assert argv[5] == "flower"
    assert "--port=5555" in argv and "--address=0.0.0.0" in argv
    password = settings.flower_basic_auth
    assert password, "Flower's settings carry its basic auth"
    assert not any(password in arg or "basic" in arg for arg in argv)


def test_migrate_and_healthcheck_are_not_long_running_commands(contract_env: dict[str, str]) -> None:
    for role in ("migrate", "healthcheck-worker"):
        with pytest.raises(ValueError, match="runs in-process"):
            command_for(role, settings_for(contract_env, role))


def test_healthcheck_for_a_role_that_is_not_a_worker_or_beat_exits_2(contract_env: dict[str, str]) -> None:
    result = run_entrypoint("healthcheck-worker", env={**contract_env, "SERVICE_TYPE": "api"})
    assert result.returncode == 2
    assert "checks a celery_<queue> or beat role, not SERVICE_TYPE=api" in result.stderr
