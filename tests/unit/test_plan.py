"""The plan (railstack/plan.py): what every target renders, built from the model alone."""

from __future__ import annotations

from typing import Any

import pytest

from railstack.components.docker.values import docker_parts
from railstack.components.railway.app_service import railway_variables
from railstack.plan import PlanError, Ref, build_plan
from railstack.stacks.load import ConfigError, load_stack_config

IMAGE = {"app": {"image": "ghcr.io/acme/app:1"}}


def plan_of(stack: str, overrides: dict[str, Any]):  # noqa: ANN201
    return build_plan(stack, load_stack_config(stack, overrides))


def test_the_reference_app_keeps_todays_roles_order_and_contract() -> None:
    plan = plan_of("staging", {**IMAGE, "flower": {"enabled": True}})
    assert [w.name for w in plan.workloads] == ["api", "worker-logs", "worker-content-generation", "beat", "flower"]
    api = plan.workload("api")
    assert api.argv == ["/app/entrypoint", "api"] and api.pre_deploy_argv == ["/app/entrypoint", "migrate"]
    assert api.deploy_after == ("postgres", "redis"), "the API runs the migrations before everything else"
    assert all(w.deploy_after == ("postgres", "redis", "api") for w in plan.workloads[1:])
    logs = plan.workload("worker-logs")
    assert logs.command is None, "no start command: the image's own entrypoint reads SERVICE_TYPE"
    assert {k: logs.variables[k].text for k in ("SERVICE_TYPE", "CELERY_QUEUES", "DATABASE_URL", "SECRET_KEY")} == {
        "SERVICE_TYPE": "celery_logs",
        "CELERY_QUEUES": "logs",
        "DATABASE_URL": "${postgres.url}",
        "SECRET_KEY": "${secrets.secret_key}",
    }
    assert plan.workload("beat").overlap_seconds == 0
    assert plan.workload("flower").variables["FLOWER_BASIC_AUTH"].text == "admin:${secrets.flower_password}"


def test_secrets_used_reach_through_a_stores_url() -> None:
    logs = plan_of("staging", IMAGE).workload("worker-logs")
    assert logs.secrets_used == ("jwt_secret_key", "postgres_password", "redis_password", "secret_key"), (
        "rotating the database password redeploys every role whose DATABASE_URL embeds it"
    )
    assert logs.variables["DATABASE_URL"].secret and not logs.variables["SERVICE_TYPE"].secret


def test_values_are_parsed_into_text_and_references() -> None:
    plan = plan_of("staging", {**IMAGE, "variables": {"REDIS_ACTIVITY_URL": "${redis.url}/1"}})
    value = plan.workload("beat").variables["REDIS_ACTIVITY_URL"]
    assert value.parts == (Ref("redis", "url"), "/1") and value.secret


def test_an_unknown_reference_names_the_key_path_and_lists_the_known_ones() -> None:
    with pytest.raises(PlanError) as err:
        plan_of("staging", {**IMAGE, "api": {"variables": {"DB_HOST": "${postgres.hostname}"}}})
    [problem] = err.value.problems
    assert problem.startswith(
        "staging: api.variables.DB_HOST: unknown reference ${postgres.hostname}; known references: "
    )
    assert "${postgres.host}" in problem and "${secrets.secret_key}" in problem


def test_a_reference_to_a_store_the_stack_does_not_run_is_unknown() -> None:
    overrides = {
        **IMAGE,
        "redis": {"mode": "external", "external_url_key": "redisUrl"},
        "variables": {"CACHE_HOST": "${redis.host}"},
    }
    with pytest.raises(PlanError) as err:
        plan_of("staging", overrides)
    assert "variables.CACHE_HOST: unknown reference ${redis.host}" in err.value.problems[0]
    assert plan_of("staging", {**overrides, "variables": {"CACHE": "${redis.url}/2"}}).external_redis


def test_railway_syntax_is_refused_in_favour_of_the_target_neutral_one() -> None:
    with pytest.raises(PlanError) as err:
        plan_of("staging", {**IMAGE, "variables": {"DB": "${{Postgres.DATABASE_URL}}"}})
    assert "variables.DB: `${{...}}` is Railway's own syntax" in err.value.problems[0]


def test_null_removes_a_default_variable_and_a_role_overrides_the_stack() -> None:
    plan = plan_of(
        "staging",
        {
            **IMAGE,
            "variables": {"CELERY_BROKER_URL": None, "LOG_LEVEL": "INFO"},
            "beat": {"variables": {"LOG_LEVEL": "DEBUG"}},
        },
    )
    beat, api = plan.workload("beat"), plan.workload("api")
    assert "CELERY_BROKER_URL" not in beat.variables and beat.variables["LOG_LEVEL"].text == "DEBUG"
    assert api.variables["LOG_LEVEL"].text == "INFO"


def test_port_stays_railstacks_to_set() -> None:
    with pytest.raises(PlanError) as err:
        plan_of("staging", {**IMAGE, "api": {"variables": {"PORT": "9000"}}})
    assert "api.variables.PORT: set by railstack from api.port" in err.value.problems[0]


def test_one_worker_service_consumes_several_queues_with_its_pool() -> None:
    plan = plan_of(
        "staging",
        {
            **IMAGE,
            "workers": {
                "logs": {"enabled": False},
                "content_generation": None,
                "main": {"queues": ["orders", "emails"], "pool": "threads"},
            },
        },
    )
    [worker] = [w for w in plan.workloads if w.kind == "worker"]
    assert worker.name == "worker-main"
    assert (worker.variables["CELERY_QUEUES"].text, worker.variables["CELERY_POOL"].text) == (
        "orders,emails",
        "threads",
    )


def test_overriding_one_workers_key_keeps_the_other_workers() -> None:
    config = load_stack_config("staging", {**IMAGE, "workers": {"logs": {"concurrency": 3}}})
    assert sorted(config.enabled_workers()) == ["content_generation", "logs"]
    assert config.workers["logs"].concurrency == 3 and config.workers["content_generation"].concurrency == 2


def test_liveness_follows_the_roles_command() -> None:
    plan = plan_of(
        "staging",
        {
            **IMAGE,
            "workers": {"logs": {"start_command": "celery --app=shop.tasks worker -n logs@%h -Q logs"}},
            "beat": {"start_command": "celery -A shop.tasks beat -s /var/beat/schedule"},
        },
    )
    ping = plan.workload("worker-logs").probe
    assert ping.kind == "celery-ping" and '-A shop.tasks inspect ping -d "logs@$HOSTNAME"' in (ping.shell or "")
    assert "-A railstack_app.worker:celery_app" in (plan.workload("worker-content-generation").probe.shell or ""), (
        "without a command, app.celery_app"
    )
    beat = plan.workload("beat").probe
    assert beat.kind == "beat-schedule" and beat.summary == "/var/beat/schedule rewritten within 60 s"


def test_a_command_with_variables_runs_through_a_shell_in_exec_form() -> None:
    plan = plan_of("staging", {**IMAGE, "api": {"start_command": "gunicorn app:wsgi -b 0.0.0.0:$PORT"}})
    assert plan.workload("api").argv == ["/bin/sh", "-c", "exec gunicorn app:wsgi -b 0.0.0.0:$PORT"]


def test_a_plain_variable_that_is_a_credential_is_refused_before_the_plan_without_its_value() -> None:
    with pytest.raises(ConfigError) as err:
        load_stack_config(
            "staging",
            {
                **IMAGE,
                "workers": {
                    "logs": {"variables": {"SENTRY_URL": "https://user:s3cr3t-value-here@sentry.example.com/4"}}
                },
            },
        )
    message = str(err.value)
    assert "workers.logs.variables.SENTRY_URL: the value is a URL with a password" in message
    assert "s3cr3t" not in message and "sensitive_variables" in message


def test_configured_railway_service_names_are_the_names_references_use() -> None:
    config = load_stack_config(
        "staging",
        {
            "app": {"image": "ghcr.io/acme/roadmap:1"},
            "api": {"service_name": "roadmap-api"},
            "workers": {"content_generation": None, "logs": {"service_name": "roadmap-celery-logs"}},
            "beat": {"service_name": "celery-beat"},
            "variables": {"API_HOST": "${api.private_domain}"},
        },
    )
    plan = build_plan("staging", config)
    names = {w.name: w.service_name for w in plan.workloads}
    assert names == {"api": "roadmap-api", "worker-logs": "roadmap-celery-logs", "beat": "celery-beat"}
    assert plan.stores["postgres"].service_name == "Postgres", "unset: the default name"
    beat = next(w for w in plan.workloads if w.name == "beat")
    assert railway_variables(plan, beat)["API_HOST"] == "${{roadmap-api.RAILWAY_PRIVATE_DOMAIN}}"


def test_two_services_with_one_railway_name_are_refused_with_both_key_paths() -> None:
    with pytest.raises(ConfigError, match=r"beat.service_name = 'API'.*api has that Railway service name"):
        load_stack_config(
            "staging",
            {
                "app": {"image": "ghcr.io/acme/roadmap:1"},
                "api": {"service_name": "api"},
                "beat": {"service_name": "API"},
            },
        )


def test_the_public_host_is_the_public_domain_without_a_port_on_docker_and_the_same_variable_on_railway() -> None:
    # A host allow-list (Django's ALLOWED_HOSTS) matches host names only: on Docker the public domain
    # carries the published port, so an allow-list built from it refuses every request.
    variables = {"ALLOWED": "${api.public_host},${api.private_domain}", "ORIGIN": "https://${api.public_domain}"}
    staging = plan_of("staging", {**IMAGE, "variables": variables})
    assert {k: v for k, v in railway_variables(staging, staging.workload("beat")).items() if k in variables} == {
        "ALLOWED": "${{api.RAILWAY_PUBLIC_DOMAIN}},${{api.RAILWAY_PRIVATE_DOMAIN}}",
        "ORIGIN": "https://${{api.RAILWAY_PUBLIC_DOMAIN}}",
    }
    dev = plan_of("dev", {"app": {"path": "app"}, "docker": {"api_port": 8123}, "variables": variables})

    def on_docker(name: str) -> str:
        parts = docker_parts(dev, dev.workload("beat").variables[name], lambda s: s, {"api": 8123, "flower": 5555})
        return "".join(str(p) for p in parts)

    assert (on_docker("ALLOWED"), on_docker("ORIGIN")) == ("127.0.0.1,api", "https://127.0.0.1:8123")
    unpublished = plan_of("staging", {**IMAGE, "api": {"public_domain": False}})
    assert "${api.public_host}" not in unpublished.known_references(), "no public domain, no public host"
