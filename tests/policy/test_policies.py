"""Each policy of the pack on a passing input, a violating input and a missing property, with the
real validators and hand-built inputs (tests/policy/builders.py)."""

from __future__ import annotations

from typing import Any

import pytest

from policy.rules import (
    ALL,
    api_healthcheck,
    background_roles_not_exposed,
    connections_by_reference,
    docker_ports_on_loopback,
    exec_form_commands,
    no_embedded_beat,
    no_plaintext_secrets,
    production_database_protected,
    redis_authenticated,
    role_budget,
    single_beat_scheduler,
)
from tests.policy.builders import (
    CONTAINER,
    NOT_APPLICABLE,
    SERVICE_INSTANCE,
    UNKNOWN_TEXT,
    VARIABLE_COLLECTION,
    Stack,
    app_variables,
    check_resource,
    check_stack,
    railway,
    secret,
)


def railway_stack(beat_replicas: float | None = 1.0, **api_settings: Any) -> Stack:
    stack = Stack()
    stack.project()
    settings: dict[str, Any] = {"healthcheckPath": "/health"} | api_settings
    stack.service("api", app_variables("api"), **settings)
    stack.service("worker-logs", app_variables("celery_logs"), numReplicas=1.0)
    beat_settings: dict[str, Any] = {} if beat_replicas is None else {"numReplicas": beat_replicas}
    stack.service("beat", app_variables("beat"), **beat_settings)
    return stack


# -- single-beat-scheduler ------------------------------------------------------------------------
def test_one_beat_with_one_replica_passes() -> None:
    assert check_stack(single_beat_scheduler, railway_stack()) == []


def test_a_beat_with_two_replicas_is_a_violation_naming_the_service() -> None:
    [message] = check_stack(single_beat_scheduler, railway_stack(beat_replicas=2.0))
    assert "service beat runs 2 beat replicas" in message and "Fix:" in message


def test_a_beat_without_a_replica_count_runs_railways_default_of_one() -> None:
    assert check_stack(single_beat_scheduler, railway_stack(beat_replicas=None)) == []


def test_a_second_beat_service_and_a_missing_beat_are_violations() -> None:
    stack = railway_stack()
    stack.service("beat-2", app_variables("beat"))
    assert [m.split(":")[0] for m in check_stack(single_beat_scheduler, stack)] == [
        "service beat-2 is a second beat service"
    ]
    no_beat = Stack()
    no_beat.service("api", app_variables("api"))
    assert "no beat service" in check_stack(single_beat_scheduler, no_beat)[0]


def test_docker_needs_exactly_one_beat_container() -> None:
    stack = Stack()
    stack.container("api", ["SERVICE_TYPE=api"])
    assert "0 beat containers" in check_stack(single_beat_scheduler, stack)[0]
    stack.container("beat", ["SERVICE_TYPE=beat"])
    assert check_stack(single_beat_scheduler, stack) == []


# -- no-embedded-beat ----------------------------------------------------------------------------
def test_a_plain_worker_command_passes_and_an_embedded_beat_is_a_violation() -> None:
    settings = {"startCommand": "celery -A app worker -Q logs"}
    assert check_resource(no_embedded_beat, settings, SERVICE_INSTANCE) == []
    settings["startCommand"] = "celery -A app worker -B -Q logs"
    assert "-B" in check_resource(no_embedded_beat, settings, SERVICE_INSTANCE)[0]
    command = {"command": ["celery", "-A", "app", "worker", "--beat"]}
    assert len(check_resource(no_embedded_beat, command, rtype=CONTAINER)) == 1


def test_settings_without_a_start_command_pass() -> None:
    assert check_resource(no_embedded_beat, {}, SERVICE_INSTANCE) == []


# -- background-roles-not-exposed --------------------------------------------------------------------
def test_only_the_api_with_a_domain_passes() -> None:
    stack = railway_stack()
    api = stack.resources[1]
    stack.attach("api-domain", railway("ServiceDomain"), api, targetPort=8000)
    assert check_stack(background_roles_not_exposed, stack) == []


def test_a_worker_domain_and_a_beat_tcp_proxy_are_violations() -> None:
    stack = railway_stack()
    worker = next(r for r in stack.resources if r.name == "worker-logs")
    beat = next(r for r in stack.resources if r.name == "beat")
    stack.attach("worker-domain", railway("ServiceDomain"), worker)
    stack.attach("beat-proxy", railway("TcpProxy"), beat)
    messages = check_stack(background_roles_not_exposed, stack)
    assert [m.split(" has ")[0] for m in messages] == ["service worker-logs (worker)", "service beat (beat)"]


def test_a_domain_whose_service_is_not_in_the_stack_is_not_attributed_to_a_role() -> None:
    stack = railway_stack()
    stack.add("orphan-domain", {"serviceId": "svc-elsewhere"}, railway("ServiceDomain"))
    assert check_stack(background_roles_not_exposed, stack) == []


def test_docker_workers_publish_no_port() -> None:
    stack = Stack()
    stack.container(
        "worker-logs", ["SERVICE_TYPE=celery_logs"], ports=[{"internal": 9000, "external": 9000, "ip": "127.0.0.1"}]
    )
    stack.container("beat", ["SERVICE_TYPE=beat"])
    assert len(check_stack(background_roles_not_exposed, stack)) == 1


# -- connections-by-reference ----------------------------------------------------------------------
def collection(variables: dict) -> dict:
    return {"serviceId": "svc", "variables": variables}


def test_references_pass() -> None:
    assert check_resource(connections_by_reference, collection(app_variables("api")), VARIABLE_COLLECTION) == []


def test_a_copied_database_url_is_a_violation_without_its_value() -> None:
    copied = app_variables("api", DATABASE_URL=secret("postgresql://app:pw-123@db.example.com/app"))
    [message] = check_resource(connections_by_reference, collection(copied), VARIABLE_COLLECTION)
    assert "DATABASE_URL is a copied connection string" in message and "pw-123" not in message


def test_a_copied_connection_string_is_judged_by_value_whatever_its_name_and_an_unknown_one_is_not() -> None:
    variables = {
        "POSTGRES_DSN": "postgresql://shop:hunter2@db.railway.internal:5432/shop",
        "POSTGRES_HOST": "${{Postgres.PGHOST}}",
    }
    [message] = check_resource(connections_by_reference, collection(variables), VARIABLE_COLLECTION)
    assert "POSTGRES_DSN is a copied connection string" in message and "hunter2" not in message
    variables["POSTGRES_DSN"] = UNKNOWN_TEXT
    assert check_resource(connections_by_reference, collection(variables), VARIABLE_COLLECTION) == []


def test_a_role_comes_from_what_the_components_record_not_from_the_name() -> None:
    stack = railway_stack()
    stack.service("scheduler", {}, role="beat", numReplicas=2.0)
    found = check_stack(single_beat_scheduler, stack)
    assert any("service scheduler is a second beat service" in m for m in found), found


def test_on_docker_connection_strings_must_be_secrets() -> None:
    envs = [
        secret("DATABASE_URL=postgresql://app:pw@postgres/app"),
        "SERVICE_TYPE=api",
        *[
            secret(f"{n}=redis://default:pw@redis:6379/0")
            for n in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
        ],
    ]
    assert check_resource(connections_by_reference, {"envs": envs}, rtype=CONTAINER) == []
    envs[0] = "DATABASE_URL=postgresql://app:pw@postgres/app"
    assert (
        "DATABASE_URL is a plain value" in check_resource(connections_by_reference, {"envs": envs}, rtype=CONTAINER)[0]
    )


def test_database_and_shared_collections_are_not_app_services() -> None:
    assert (
        check_resource(connections_by_reference, collection({"POSTGRES_PASSWORD": secret("x")}), VARIABLE_COLLECTION)
        == []
    )


# -- no-plaintext-secrets ------------------------------------------------------------------------
def test_secrets_and_references_pass() -> None:
    variables = {"variables": {"SECRET_KEY": secret("s3cr3t"), "ADMIN_PASSWORD": "${{shared.ADMIN_PASSWORD}}"}}
    assert check_resource(no_plaintext_secrets, variables, VARIABLE_COLLECTION) == []
    settings = {"startCommand": "redis-server --requirepass $REDIS_PASSWORD"}
    assert check_resource(no_plaintext_secrets, settings, SERVICE_INSTANCE) == []


def test_a_plain_password_and_a_url_with_a_password_are_violations_without_their_values() -> None:
    props = {"envs": ["ADMIN_PASSWORD=hunter2"], "start_command": "celery worker -b redis://:hunter3@redis.example.com"}
    messages = check_resource(no_plaintext_secrets, props, rtype=CONTAINER)
    assert [m.split(" is a ")[0] for m in messages] == [
        "subject: envs[ADMIN_PASSWORD]",
        "subject: start_command (a URL with a password)",
    ]
    assert not any("hunter" in m for m in messages)


def test_variable_fingerprints_are_not_secrets_but_a_password_under_their_key_is() -> None:
    props = {"fingerprints": {"SECRET_KEY": "d92b8d17f09a507d"}}
    assert check_resource(no_plaintext_secrets, props, VARIABLE_COLLECTION) == []
    props = {"fingerprints": {"SECRET_KEY": "hunter2"}}
    assert check_resource(no_plaintext_secrets, props, VARIABLE_COLLECTION) == [
        "subject: fingerprints.SECRET_KEY is a password, key or token "
        "stored as a plain value, so it is written in clear text to "
        "the state, the preview and logs. Fix: pass it as a secret "
        "(pulumi-random, `pulumi config set --secret`) or as a "
        "${{shared.NAME}} reference."
    ]


def test_empty_unknown_and_trigger_keys_are_not_secrets() -> None:
    variables = {"variables": {"API_TOKEN": "", "SECRET_KEY": UNKNOWN_TEXT}}
    assert check_resource(no_plaintext_secrets, variables, VARIABLE_COLLECTION) == []
    release = {"triggers": {"secret:secret_key": "1"}}
    assert check_resource(no_plaintext_secrets, release, railway("ServiceDeployment")) == []


# -- redis-authenticated -------------------------------------------------------------------------
def test_an_internal_redis_with_a_password_and_an_external_one_over_tls_pass() -> None:
    variables = {
        "REDIS_URL": "redis://default:${{REDIS_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:6379",
        "CACHE_URL": secret("rediss://default:pw@eu1.upstash.io:6379"),
    }
    assert check_resource(redis_authenticated, collection(variables), VARIABLE_COLLECTION) == []


def test_a_redis_url_without_password_and_an_external_one_without_tls_are_violations() -> None:
    variables = {
        "REDIS_URL": "redis://redis.railway.internal:6379",
        "BROKER": secret("redis://default:pw@eu1.upstash.io:6379"),
    }
    messages = check_resource(redis_authenticated, collection(variables), VARIABLE_COLLECTION)
    assert [m.split(" is a ")[0].split(" reaches ")[0] for m in messages] == ["subject: BROKER", "subject: REDIS_URL"]
    assert "TLS" in messages[0] and "without a password" in messages[1] and "pw@" not in messages[0]


def test_a_reference_to_the_redis_url_is_checked_where_it_is_defined() -> None:
    assert (
        check_resource(redis_authenticated, collection({"REDIS_URL": "${{Redis.REDIS_URL}}"}), VARIABLE_COLLECTION)
        == []
    )
    assert check_resource(redis_authenticated, {}, VARIABLE_COLLECTION) == []


# -- api-healthcheck -----------------------------------------------------------------------------
def test_an_api_with_a_healthcheck_passes() -> None:
    assert check_stack(api_healthcheck, railway_stack()) == []


def test_an_api_without_a_healthcheck_path_is_a_violation() -> None:
    assert "no healthcheck path" in check_stack(api_healthcheck, railway_stack(healthcheckPath=None))[0]
    assert "no healthcheck path" in check_stack(api_healthcheck, railway_stack(healthcheckPath="health"))[0]


def test_a_docker_api_without_a_healthcheck_is_a_violation() -> None:
    stack = Stack()
    stack.container("api", ["SERVICE_TYPE=api"], healthcheck={"tests": ["CMD", "true"]})
    assert check_stack(api_healthcheck, stack) == []
    stack = Stack()
    stack.container("api", ["SERVICE_TYPE=api"])
    assert "no healthcheck" in check_stack(api_healthcheck, stack)[0]


# -- production-database-protected ----------------------------------------------------------------
def production(protect: bool = True, backups: list[str] | None = None, volume: bool = True) -> Stack:
    stack = Stack()
    stack.project("production")
    db = stack.service("Postgres", {"POSTGRES_PASSWORD": secret("x")}, protect=protect)
    if volume:
        stack.attach(
            "Postgres-volume",
            railway("Volume"),
            db,
            protect=protect,
            backupSchedules=["DAILY", "WEEKLY"] if backups is None else backups,
        )
    return stack


def test_a_protected_backed_up_production_database_passes() -> None:
    assert check_stack(production_database_protected, production()) == []


def test_an_unprotected_database_without_backups_is_three_violations() -> None:
    messages = check_stack(production_database_protected, production(protect=False, backups=[]))
    assert [m.split(":")[0] for m in messages] == [
        "service Postgres (production database) is not protected",
        "the volume of Postgres (production database) has no backup schedule. Fix",
        "the volume of Postgres (production database) is not protected from deletion. Fix",
    ]
    assert "no volume" in check_stack(production_database_protected, production(volume=False))[0]


def test_outside_production_the_policy_does_not_apply_unless_configured() -> None:
    stack = production(protect=False)
    stack.resources[0] = Stack().project("staging")
    assert check_stack(production_database_protected, stack) == NOT_APPLICABLE
    assert len(check_stack(production_database_protected, stack, {"production": True})) == 2


# -- role-budget ---------------------------------------------------------------------------------
BUDGETS = {"budgets": {"worker": {"replicas": 2, "vcpus": 1, "memory_gb": 1}}}


def test_a_worker_within_budget_passes() -> None:
    stack = Stack()
    stack.service("worker-logs", app_variables("celery_logs"), numReplicas=2.0, vcpus=1.0, memoryGb=0.5)
    assert check_stack(role_budget, stack, BUDGETS) == []


def test_a_worker_over_budget_and_one_without_limits_are_violations() -> None:
    stack = Stack()
    stack.service("worker-logs", app_variables("celery_logs"), numReplicas=1.0, vcpus=1.0, memoryGb=8.0)
    stack.service("worker-content", app_variables("celery_content"))
    messages = check_stack(role_budget, stack, BUDGETS)
    assert "worker-logs (worker) asks for memory_gb 8, over this environment's budget of 1" in messages[0]
    assert [m.split(" limit")[0] for m in messages[1:]] == [
        "service worker-content (worker) sets no vcpus",
        "service worker-content (worker) sets no memory_gb",
    ]


def test_docker_replicas_are_containers_and_memory_is_megabytes() -> None:
    stack = Stack()
    for _ in range(3):
        stack.container("worker-logs", ["SERVICE_TYPE=celery_logs"], memory=512.0, cpus="0.5")
    assert [m.split(",")[0] for m in check_stack(role_budget, stack, BUDGETS)] == [
        "container worker-logs (worker) asks for replicas 3"
    ]


def test_without_budgets_the_policy_does_not_apply() -> None:
    assert check_stack(role_budget, railway_stack(), {}) == NOT_APPLICABLE


# -- docker-ports-on-loopback ---------------------------------------------------------------------
def test_a_loopback_port_passes_and_all_interfaces_is_a_violation() -> None:
    assert (
        check_resource(
            docker_ports_on_loopback,
            {"ports": [{"internal": 8000, "external": 8000, "ip": "127.0.0.1"}]},
            rtype=CONTAINER,
        )
        == []
    )
    [message] = check_resource(
        docker_ports_on_loopback, {"ports": [{"internal": 8000, "external": 8000, "ip": "0.0.0.0"}]}, rtype=CONTAINER
    )
    assert "host port 8000 at 0.0.0.0" in message


def test_a_port_without_an_ip_listens_everywhere() -> None:
    [message] = check_resource(
        docker_ports_on_loopback, {"ports": [{"internal": 5432, "external": 15432}]}, rtype=CONTAINER
    )
    assert "every interface" in message


# -- the pack ------------------------------------------------------------------------------------
def test_every_policy_has_a_unique_name_a_description_and_a_fix_in_its_messages() -> None:
    names = [p.name for p in ALL]
    assert len(names) == len(set(names)) == 11
    assert all(p.description for p in ALL)


@pytest.mark.parametrize("stack", ["dev", "demo", "staging", "prod"])
def test_each_stack_has_a_policy_config_naming_only_known_policies(stack: str) -> None:
    import json
    from pathlib import Path

    config = json.loads((Path(__file__).resolve().parents[2] / "policy" / "config" / f"{stack}.json").read_text())
    assert set(config) <= {p.name for p in ALL}
    assert config["role-budget"]["enforcementLevel"] in ("advisory", "mandatory")


# -- how the pack reads properties -----------------------------------------------------------------
def test_railway_resources_are_known_by_their_package_type_and_nothing_else_is() -> None:
    from policy.inventory import railway_kind

    assert railway_kind("railway:index:ServiceInstance") == "railway:ServiceInstance"
    assert railway_kind("railway:index:Service") == "railway:Service"
    # The package's provider, another package's resource and a Docker container are not Railway objects.
    assert railway_kind("pulumi:providers:railway") is None
    assert railway_kind("pulumi-python:dynamic:Resource") is None
    assert railway_kind(CONTAINER) is None


def test_the_pack_deserializer_keeps_which_strings_were_secrets() -> None:
    from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY

    from policy.values import SecretText, deserialize_marking_secrets

    wire = {
        "variables": {
            "SECRET_KEY": {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": "s3cr3t"},
            "SERVICE_TYPE": "api",
        },
        "envs": {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": ["A=1", "B=2"]},
    }
    props = deserialize_marking_secrets(wire)
    assert isinstance(props["variables"]["SECRET_KEY"], SecretText) and props["variables"]["SECRET_KEY"] == "s3cr3t"
    assert type(props["variables"]["SERVICE_TYPE"]) is str, "a plain value must stay plain"
    assert all(isinstance(e, SecretText) for e in props["envs"]), "everything inside a secret is secret"


def test_installing_the_hook_replaces_the_deserializer_pulumi_policy_validates_with() -> None:
    import pulumi_policy.policy as library

    from policy.values import deserialize_marking_secrets, install_secret_marking

    # The very name pulumi-policy's validation looks up, which it imports rather than exports.
    original = library.deserialize_properties  # pyright: ignore[reportPrivateImportUsage]
    try:
        install_secret_marking()
        assert library.deserialize_properties is deserialize_marking_secrets  # pyright: ignore[reportPrivateImportUsage]
    finally:
        library.deserialize_properties = original  # pyright: ignore[reportPrivateImportUsage]


# -- exec-form-commands ---------------------------------------------------------------------------
REDIS_UNWRAPPED = "redis-server --requirepass $REDIS_PASSWORD --appendonly yes --dir /data"


def test_an_unwrapped_variable_in_a_start_command_is_a_violation_naming_the_key() -> None:
    [message] = check_resource(exec_form_commands, {"startCommand": REDIS_UNWRAPPED}, SERVICE_INSTANCE)
    assert "startCommand uses a variable" in message and "Fix:" in message and "/bin/sh -c" in message


def test_an_unwrapped_variable_in_a_pre_deploy_command_is_a_violation() -> None:
    [message] = check_resource(
        exec_form_commands, {"preDeployCommand": "python manage.py migrate --database $DB"}, SERVICE_INSTANCE
    )
    assert "preDeployCommand uses a variable" in message


def test_a_shell_wrapped_command_and_a_command_without_variables_pass() -> None:
    wrapped = '/bin/sh -c "exec redis-server --requirepass \\"$REDIS_PASSWORD\\" --dir /data"'
    assert (
        check_resource(
            exec_form_commands,
            {"startCommand": wrapped, "preDeployCommand": "/app/entrypoint migrate"},
            SERVICE_INSTANCE,
        )
        == []
    )
    assert check_resource(exec_form_commands, {"startCommand": UNKNOWN_TEXT}, SERVICE_INSTANCE) == []
    assert check_resource(exec_form_commands, {}, SERVICE_INSTANCE) == []


def test_a_docker_command_list_with_an_unexpanded_variable_is_a_violation() -> None:
    [message] = check_resource(
        exec_form_commands, {"command": ["redis-server", "--requirepass", "$REDIS_PASSWORD"]}, rtype=CONTAINER
    )
    assert "command uses a variable" in message
    assert (
        check_resource(
            exec_form_commands, {"command": ["sh", "-c", "exec redis-server --requirepass $P"]}, rtype=CONTAINER
        )
        == []
    )


def test_the_docker_redis_command_is_shell_wrapped() -> None:
    from railstack.components.docker.redis import container_spec
    from railstack.plan import build_plan
    from railstack.stacks.load import load_stack_config

    store = build_plan("dev", load_stack_config("dev", {"app": {"path": "app"}})).stores["redis"]
    docker_command = container_spec(store, "img", "pw", None, {}).command
    assert docker_command is not None and docker_command[:2] == ["/bin/sh", "-c"], docker_command
    assert check_resource(exec_form_commands, {"command": docker_command}, rtype=CONTAINER) == []


def test_shared_variables_hold_secret_values_that_services_reference() -> None:
    shared = {
        "serviceId": None,
        "variables": {"REDIS_URL": secret("rediss://default:pw-of-upstash@eu1.upstash.io:6379")},
    }
    assert check_resource(connections_by_reference, shared, VARIABLE_COLLECTION) == []


def test_the_pack_reports_railstack_s_version() -> None:
    """`pulumi preview --policy-pack policy` names the pack `railstack@v<version>`: railstack's own."""
    from pathlib import Path

    import yaml

    from railstack.providers.railway.schema import VERSION

    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "policy" / "PulumiPolicy.yaml").read_text())
    assert str(project["version"]) == VERSION
