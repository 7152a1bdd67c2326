"""adopt.mapping on hand-built inventories: which service plays which role, the stack configuration
and import IDs that follow, and every problem of a project that cannot be adopted."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
import yaml

from adopt.common import HINT, Adoption, Unmappable, resolve
from adopt.inventory import DomainInfo, EnvironmentInfo, Inventory, InventoryError, ServiceInfo, VolumeInfo
from adopt.inventory import choose_environment as choose
from adopt.mapping import command_role, environment_of_stack, plan_adoption
from adopt.stack_file import render
from railstack.plan import build_plan
from railstack.stacks.load import load_stack_config, profile

ENV = EnvironmentInfo("env-1", "production")
IMAGE = "ghcr.io/example/roadmap:1"
PG_PASSWORD = "pg-typed-by-hand-1234"
REDIS_PASSWORD = "redis-typed-by-hand-5678"
JWT = "jwt-typed-by-hand-9012"


def postgres(**changes: Any) -> ServiceInfo:
    service = ServiceInfo(
        id="svc-pg",
        name="Postgres",
        image="ghcr.io/railwayapp-templates/postgres-ssl:16",
        variables={
            "POSTGRES_PASSWORD": PG_PASSWORD,
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": "railway",
            "PGDATA": "/var/lib/postgresql/data/pgdata",
            "DATABASE_URL": f"postgresql://postgres:{PG_PASSWORD}@${{{{RAILWAY_PRIVATE_DOMAIN}}}}:5432/railway",
        },
        volume=VolumeInfo("vol-pg", "postgres-volume", "vi-pg", "/var/lib/postgresql/data"),
        deployment_id="dep-pg",
        region="us-west2",
        regions=("us-west2",),
    )
    return replace(service, **changes)


def redis(**changes: Any) -> ServiceInfo:
    service = ServiceInfo(
        id="svc-redis",
        name="Redis",
        image="redis:7",
        variables={"REDIS_PASSWORD": REDIS_PASSWORD, "REDIS_URL": "redis://default:${{REDIS_PASSWORD}}@x:6379"},
        deployment_id="dep-redis",
    )
    return replace(service, **changes)


def app(service_id: str, name: str, service_type: str | None = None, **changes: Any) -> ServiceInfo:
    variables = {"SERVICE_TYPE": service_type} if service_type else {}
    variables.update(changes.pop("variables", {}))
    fields: dict[str, Any] = {"image": IMAGE, "deployment_id": f"dep-{service_id}", **changes}
    return ServiceInfo(id=service_id, name=name, variables=variables, **fields)


def inventory(*services: ServiceInfo, name: str = "roadmap", **changes: Any) -> Inventory:
    built = Inventory(
        project_id="prj-1", project_name=name, environment=ENV, environments=(ENV,), services=tuple(services)
    )
    return replace(built, **changes)


def guide_project() -> Inventory:
    """The deployment guides' project: templates for the stores, one image in four roles."""
    worker_variables = {
        "JWT_SECRET_KEY": "${{roadmap-api.JWT_SECRET_KEY}}",
        "DATABASE_URL": "${{roadmap-api.DATABASE_URL}}",
    }
    return inventory(
        postgres(),
        redis(),
        app(
            "svc-api",
            "roadmap-api",
            "api",
            variables={"JWT_SECRET_KEY": JWT, "DATABASE_URL": f"postgresql://postgres:{PG_PASSWORD}@pg:5432/railway"},
            service_domains=(DomainInfo("dom-1", "roadmap-api.up.railway.app", 8000),),
        ),
        app("svc-logs", "roadmap-celery-logs", "celery_logs", variables=worker_variables),
        app("svc-content", "roadmap-celery-content", "celery_content_generation", variables=worker_variables),
        app("svc-beat", "celery-beat", "beat", replicas=2),
    )


def adopt(inv: Inventory, stack: str = "staging") -> Adoption:
    environment = environment_of_stack(stack)
    return plan_adoption(inv, stack, profile(environment) if environment else {})


def problems_of(inv: Inventory, stack: str = "staging") -> list[str]:
    with pytest.raises(Unmappable) as caught:
        adopt(inv, stack)
    return [str(p) for p in caught.value.problems]


# --- the guide-shaped project ----------------------------------------------------------------------


def test_the_guide_shaped_project_maps_every_service_to_its_role() -> None:
    adoption = adopt(guide_project())
    roles = {p.service.name: p.describe for p in adoption.placed}
    assert roles == {
        "Postgres": "postgres",
        "Redis": "redis",
        "roadmap-api": "api",
        "roadmap-celery-logs": "worker logs (queues: logs)",
        "roadmap-celery-content": "worker content_generation (queues: content_generation)",
        "celery-beat": "beat",
    }
    config = adoption.config
    assert config["environment"] == "staging" and config["target"] == "railway"
    assert config["project_name"] == "roadmap"
    assert config["app"] == {"image": IMAGE}
    assert config["api"] == {
        "service_name": "roadmap-api",
        "start_command": None,
        "pre_deploy_command": None,
        "port": 8000,
        "liveness": {"kind": "http", "path": "/health"},
        "public_domain": True,
        "custom_domains": [],
    }
    assert config["workers"] == {
        "logs": {"service_name": "roadmap-celery-logs", "queues": ["logs"], "start_command": None},
        "content_generation": {
            "service_name": "roadmap-celery-content",
            "queues": ["content_generation"],
            "start_command": None,
        },
    }
    assert config["beat"] == {"service_name": "celery-beat", "start_command": None}
    assert config["flower"] == {"enabled": False}
    assert config["postgres"] == {
        "service_name": "Postgres",
        "image": "ghcr.io/railwayapp-templates/postgres-ssl:16",
        "volume": True,
    }
    assert config["redis"] == {"service_name": "Redis", "image": "redis:7", "volume": False}
    assert config["secrets"] == {"provided": ["postgres_password", "redis_password"]}
    assert dict(adoption.kept_secrets) == {"postgres_password": PG_PASSWORD, "redis_password": REDIS_PASSWORD}
    load_stack_config("staging", config)  # every value is one the model takes


def test_the_guide_shaped_project_imports_every_object_railstack_manages() -> None:
    imports = adopt(guide_project()).imports
    env = ENV.id
    expected = {
        "railstack-project": "prj-1",
        "railstack-shared-variables": f"{env}:shared",
        "railstack-postgres-volume": f"{env}:vol-pg",
        "railstack-api-domain": f"svc-api:{env}:dom-1",
    }
    for component, service_id in (
        ("postgres", "svc-pg"),
        ("redis", "svc-redis"),
        ("api", "svc-api"),
        ("worker-logs", "svc-logs"),
        ("worker-content-generation", "svc-content"),
        ("beat", "svc-beat"),
    ):
        expected[f"railstack-{component}-service"] = service_id
        expected[f"railstack-{component}-settings"] = f"{service_id}:{env}"
        expected[f"railstack-{component}-variables"] = f"{env}:{service_id}"
        expected[f"railstack-{component}-deployment"] = f"{service_id}:{env}"
    assert imports == expected


def test_notes_say_what_the_first_up_changes_and_never_quote_a_secret() -> None:
    adoption = adopt(guide_project())
    notes = "\n".join(adoption.notes)
    assert "celery-beat runs 2 replicas" in notes and "scales it to 1" in notes
    assert "no healthcheck path" in notes
    assert "backups" in notes  # staging's profile backs Postgres up daily; the hand-made volume has none
    for secret in (PG_PASSWORD, REDIS_PASSWORD, JWT):
        assert secret not in notes
        assert secret not in repr(adoption), "variables and kept secrets stay out of repr"


def test_the_default_workers_that_were_not_found_are_removed() -> None:
    inv = guide_project()
    inv = replace(inv, services=tuple(s for s in inv.services if s.name != "roadmap-celery-content"))
    workers = adopt(inv).config["workers"]
    assert workers["content_generation"] is None
    assert workers["logs"]["service_name"] == "roadmap-celery-logs"
    assert list(workers) == ["content_generation", "logs"], "removals first, then the workers found"


def test_the_api_start_command_is_omitted_when_it_is_the_models_default() -> None:
    inv = guide_project()
    api = replace(
        next(s for s in inv.services if s.name == "roadmap-api"),
        start_command="/app/entrypoint api",
        pre_deploy_command="/app/entrypoint migrate",
        healthcheck_path="/ready",
    )
    inv = replace(inv, services=tuple(api if s.id == api.id else s for s in inv.services))
    config = adopt(inv).config["api"]
    assert "start_command" not in config
    assert config["pre_deploy_command"] == "/app/entrypoint migrate"
    assert config["liveness"] == {"kind": "http", "path": "/ready"}


def test_replicas_that_differ_from_the_profile_are_kept() -> None:
    inv = guide_project()
    services = tuple(replace(s, replicas=3) if s.name == "roadmap-celery-logs" else s for s in inv.services)
    config = adopt(replace(inv, services=services), "prod").config
    assert config["workers"]["logs"]["sizing"] == {"replicas": 3}
    # production's profile runs 2 API replicas; the hand-made API runs 1 and keeps it.
    assert config["api"]["sizing"] == {"replicas": 1}
    assert config["environment"] == "production"
    load_stack_config("prod", config)


def test_a_region_other_than_the_default_becomes_the_stacks_region() -> None:
    inv = guide_project()
    services = tuple(replace(s, region="europe-west4-drams3a", regions=("europe-west4-drams3a",)) for s in inv.services)
    config = adopt(replace(inv, services=services)).config
    assert config["region"] == "europe-west4-drams3a"
    assert "sizing" not in config["postgres"]


def test_a_password_given_as_a_shared_reference_is_kept_as_its_value() -> None:
    inv = guide_project()
    pg = postgres(variables={**postgres().variables, "POSTGRES_PASSWORD": "${{shared.DB_PASSWORD}}"})
    inv = replace(
        inv,
        services=tuple(pg if s.id == pg.id else s for s in inv.services),
        shared_variables={"DB_PASSWORD": "shared-typed-by-hand-77"},
    )
    assert adopt(inv).kept_secrets["postgres_password"] == "shared-typed-by-hand-77"


def test_a_redis_without_password_is_adopted_and_gets_a_generated_one() -> None:
    inv = guide_project()
    rd = redis(variables={})
    adoption = adopt(replace(inv, services=tuple(rd if s.id == rd.id else s for s in inv.services)))
    assert adoption.config["secrets"] == {"provided": ["postgres_password"]}
    assert "no REDIS_PASSWORD" in "\n".join(adoption.notes)


# --- other shapes that map -----------------------------------------------------------------------


def test_a_project_named_by_convention_only_maps_by_names() -> None:
    inv = inventory(
        postgres(),
        redis(),
        app("s1", "api"),
        app("s2", "worker-emails"),
        app("s3", "scheduler-beat"),
        app("s4", "flower"),
    )
    adoption = adopt(inv)
    roles = {p.service.name: (p.describe, p.how) for p in adoption.placed}
    assert roles["api"] == ("api", "its name")
    assert roles["worker-emails"] == ("worker emails (queues: emails)", "its name")
    assert roles["scheduler-beat"] == ("beat", "its name")
    assert roles["flower"] == ("flower", "its name")
    config = adoption.config
    assert config["workers"] == {
        "logs": None,
        "content_generation": None,
        "emails": {"service_name": "worker-emails", "queues": ["emails"], "start_command": None},
    }
    assert config["flower"] == {"enabled": True, "service_name": "flower", "start_command": None}
    assert adoption.imports["railstack-worker-emails-service"] == "s2"
    assert adoption.imports["railstack-flower-service"] == "s4"
    assert "railstack-api-domain" not in adoption.imports
    assert config["api"]["public_domain"] is False
    load_stack_config("staging", config)


def test_start_commands_place_services_whose_names_say_nothing() -> None:
    inv = inventory(
        postgres(),
        redis(),
        app("s1", "web", start_command="gunicorn app.wsgi -b 0.0.0.0:$PORT"),
        app("s2", "bg", start_command="celery -A app worker -Q mail,sms --loglevel info"),
        app("s3", "timer", start_command="celery -A app beat"),
        app("s4", "monitor", start_command='/bin/sh -c "exec celery -A app flower --port=5555"'),
        app("s5", "tasks", start_command="python -m celery -A app worker"),
    )
    adoption = adopt(inv)
    roles = {p.service.name: p.describe for p in adoption.placed}
    assert roles["web"] == "api"
    assert roles["timer"] == "beat"
    assert roles["monitor"] == "flower"
    assert roles["bg"] == "worker mail (queues: mail, sms)"
    assert roles["tasks"] == "worker celery (queues: celery)", "no -Q: Celery's default queue"
    assert adoption.config["api"]["start_command"] == "gunicorn app.wsgi -b 0.0.0.0:$PORT"
    assert adoption.config["workers"]["mail"]["start_command"] == "celery -A app worker -Q mail,sms --loglevel info"


@pytest.mark.parametrize(
    ("command", "role", "queues"),
    [
        ("uvicorn app.main:app --host 0.0.0.0", "api", None),
        ("/app/entrypoint api", "api", None),
        ("/app/entrypoint celery_logs", "worker", None),
        ("celery --app=shop worker --queues=a,b", "worker", ("a", "b")),
        ("celery -A shop worker -Qhigh", "worker", ("high",)),
        ("celery -A shop worker -Q beat", "worker", ("beat",)),
        ("celery -A shop beat --schedule /tmp/s", "beat", None),
        ("flower --port=5555", "flower", None),
        ("python manage.py runserver", None, None),
        (None, None, None),
    ],
)
def test_what_a_start_command_says(command: str | None, role: str | None, queues: tuple[str, ...] | None) -> None:
    guess = command_role(command)
    assert (guess.role if guess else None) == role
    if guess is not None:
        assert guess.queues == queues


def test_worker_names_come_from_service_type_queues_or_the_name_suffix() -> None:
    inv = inventory(
        postgres(),
        redis(),
        app("s1", "roadmap-api", "api"),
        app("s2", "roadmap-celery-content", "celery_content_generation"),
        app("s3", "q-worker", "worker", variables={"CELERY_QUEUES": "reports"}),
        app("s4", "roadmap-worker-video-render", "worker"),
    )
    workers = {p.worker: p.queues for p in adopt(inv).placed if p.role == "worker"}
    assert workers == {
        "content_generation": ("content_generation",),
        "reports": ("reports",),
        "video_render": ("video_render",),
    }


def test_references_resolve_through_shared_and_other_services() -> None:
    inv = guide_project()
    inv = replace(inv, shared_variables={"A": "${{roadmap-api.JWT_SECRET_KEY}}"})
    service = inv.services[0]
    assert resolve("${{shared.A}}", service, inv) == JWT
    assert resolve("x-${{POSTGRES_USER}}", service, inv) == "x-postgres"
    assert resolve("${{shared.MISSING}}", service, inv) is None
    assert resolve("${{RAILWAY_PRIVATE_DOMAIN}}", service, inv) is None


def test_the_environment_is_the_only_one_else_production() -> None:
    staging, production = EnvironmentInfo("e1", "staging"), EnvironmentInfo("e2", "production")
    assert choose([staging], None) == staging
    assert choose([staging, production], None) == production
    assert choose([staging, production], "staging") == staging
    with pytest.raises(InventoryError, match="--environment"):
        choose([staging, EnvironmentInfo("e3", "qa")], None)
    with pytest.raises(InventoryError, match="no environment named 'dev'"):
        choose([staging], "dev")


# --- projects that cannot be adopted -------------------------------------------------------------


def test_two_apis_and_a_service_of_another_image_are_all_reported() -> None:
    inv = inventory(
        postgres(),
        redis(),
        app("a1", "api-one", "api"),
        app("a2", "api-two", "api"),
        app("w1", "roadmap-celery-logs", "celery_logs"),
        replace(app("m1", "mystery"), image="ghcr.io/other/thing:3"),
    )
    problems = problems_of(inv)
    assert len(problems) == 4, problems
    assert sum('one of 2 API services ("api-one", "api-two"' in p for p in problems) == 2
    assert any(p.startswith('service "mystery" (m1): it runs image ghcr.io/other/thing:3') for p in problems)
    assert any(p.startswith('service "mystery" (m1): no rule places it') for p in problems)


def test_the_report_names_the_project_and_says_what_to_do() -> None:
    inv = inventory(postgres(), redis(), app("a1", "api", "api"), app("m1", "mystery"))
    with pytest.raises(Unmappable) as caught:
        adopt(inv)
    report = caught.value.report().splitlines()
    assert report[0] == "adopt: roadmap (prj-1) cannot be adopted as stack staging:"
    assert report[1].startswith('  - service "mystery" (m1): no rule places it')
    assert report[-1] == HINT


def test_everything_the_model_cannot_hold_is_a_problem() -> None:
    inv = inventory(
        postgres(),
        postgres(id="svc-pg2", name="Postgres-2", volume=None),
        redis(),
        app("a1", "roadmap-api", "api", tcp_proxies=("roundhouse.proxy.rlwy.net:12345",)),
        app("w1", "roadmap-celery-logs", "celery_logs", service_domains=(DomainInfo("d", "logs.up.railway.app"),)),
        app("w2", "other-celery-logs", "celery_logs"),
        app("x1", "cron", "cron"),
        app("b1", "beat", "beat", volume=VolumeInfo("v", "v", "vi", "/data")),
        app("n1", "ghost", "worker", image=None),
        app("r1", "roadmap-celery-x", "celery_x", regions=("us-west2", "europe-west4-drams3a")),
        app("y1", "celery-Bad.Name", "celery_ok", start_command=f"celery -A app worker --password {JWT}"),
        name="Roadmap Prod",
        shared_variables={"JWT_SECRET_KEY": JWT},
    )
    problems = "\n".join(problems_of(inv, "prod"))
    for expected in (
        'project "Roadmap Prod" (prj-1): its name is not a railstack project_name',
        'service "Postgres" (svc-pg): one of 2 Postgres services ("Postgres", "Postgres-2")',
        'service "Postgres-2" (svc-pg2): one of 2 Postgres services',
        'service "roadmap-api" (a1): it has a TCP proxy (roundhouse.proxy.rlwy.net:12345)',
        'service "roadmap-celery-logs" (w1): it has a public domain (logs.up.railway.app)',
        'service "other-celery-logs" (w2): its worker name \'logs\' is already that of "roadmap-celery-logs"',
        "service \"cron\" (x1): SERVICE_TYPE='cron' is none of railstack's roles",
        'service "beat" (b1): it has a volume at /data',
        'service "ghost" (n1): it has no source image or repo',
        'service "roadmap-celery-x" (r1): its replicas run in 2 regions',
        'service "celery-Bad.Name" (y1): its name is not one railstack can reference',
        'service "celery-Bad.Name" (y1): its start command holds the value of a secret variable',
    ):
        assert expected in problems, f"missing: {expected}\n--- got ---\n{problems}"
    assert JWT not in problems, "a problem never quotes a secret"


def test_a_database_that_would_lose_its_data_or_password_is_not_adopted() -> None:
    pg = postgres(
        variables={"POSTGRES_USER": "admin", "POSTGRES_DB": "app", "PGDATA": "/var/lib/postgresql/data"},
        volume=VolumeInfo("vol-pg", "v", "vi", "/pgdata"),
    )
    inv = inventory(pg, redis(), app("a1", "roadmap-api", "api"), app("w1", "celery-logs", "celery_logs"))
    problems = "\n".join(problems_of(inv))
    assert "it has no POSTGRES_PASSWORD variable" in problems
    assert "its POSTGRES_USER is 'admin'" in problems
    assert "its POSTGRES_DB is 'app'" in problems
    assert "its volume is mounted at /pgdata" in problems
    assert "its PGDATA is '/var/lib/postgresql/data'" in problems


def test_an_unresolvable_password_reference_is_a_problem() -> None:
    pg = postgres(variables={**postgres().variables, "POSTGRES_PASSWORD": "${{shared.NOPE}}"})
    inv = inventory(pg, redis(), app("a1", "roadmap-api", "api"), app("w1", "celery-logs", "celery_logs"))
    assert any("POSTGRES_PASSWORD is a reference adopt cannot resolve" in p for p in problems_of(inv))


def test_app_services_on_two_images_equally_often_cannot_be_told_apart() -> None:
    inv = inventory(
        postgres(),
        redis(),
        app("a1", "roadmap-api", "api"),
        replace(app("w1", "roadmap-celery-logs", "celery_logs"), image="ghcr.io/example/other:1"),
    )
    problems = problems_of(inv)
    assert len(problems) == 2 and all("2 sources equally often" in p for p in problems), problems


def test_a_project_without_api_is_not_adopted() -> None:
    inv = inventory(postgres(), redis(), app("w1", "roadmap-celery-logs", "celery_logs"))
    assert problems_of(inv) == [
        'project "roadmap" (prj-1): no service is the API (SERVICE_TYPE=api, a uvicorn/gunicorn start command, '
        "or a name api / *-api)"
    ]


def test_a_stack_of_another_name_needs_its_environment_named() -> None:
    assert environment_of_stack("dev") is None
    problems = problems_of(guide_project(), "dev")
    assert problems == [
        "project \"roadmap\" (prj-1): stack 'dev': name its environment with --stack-environment demo, staging or "
        "production (demo, staging, prod and production name their own)"
    ]


def test_a_stack_of_a_name_of_ones_own_is_adopted_with_its_environment() -> None:
    adoption = plan_adoption(guide_project(), "shop-prod", profile("production"), "production")
    assert adoption.config["environment"] == "production"


def test_the_command_refuses_a_stack_of_another_name_without_its_environment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from adopt.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(["--project", "prj-1", "--stack", "shop-prod"])
    assert exited.value.code == 2
    assert "--stack shop-prod: name its railstack environment with --stack-environment" in capsys.readouterr().err


# --- the app services' own variables ---------------------------------------------------------------

SENTRY = "https://4f1c2a9e@o1234.ingest.sentry.io/56789"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
UPSTREAM = "https://deploy:hunter2-typed@upstream.example.com/feed"
APP_NAMES = ("roadmap-api", "roadmap-celery-logs", "roadmap-celery-content", "celery-beat")


def with_variables(inv: Inventory, **by_service: dict[str, str]) -> Inventory:
    """`inv` with variables added to services, by service name (`-` written `_`)."""
    services = []
    for service in inv.services:
        extra = by_service.get(service.name.replace("-", "_"), {})
        services.append(replace(service, variables={**service.variables, **extra}) if extra else service)
    return replace(inv, services=tuple(services))


def carried_of(adoption: Adoption) -> dict[str, Any]:
    return {c.service: c for c in adoption.variables}


def validates(adoption: Adoption, stack: str = "staging") -> None:
    """The config is one the model takes and the plan resolves (every reference known)."""
    build_plan(stack, load_stack_config(stack, adoption.config))


def test_plain_values_are_carried_per_role_or_once_for_every_role() -> None:
    everywhere = {"LOG_LEVEL": "debug"}
    inv = with_variables(
        guide_project(),
        roadmap_api={**everywhere, "FEATURE_FLAGS": "beta,new-editor", "WORKERS_TIMEOUT": "30"},
        roadmap_celery_logs={**everywhere, "WORKERS_TIMEOUT": "120"},
        roadmap_celery_content=everywhere,
        celery_beat=everywhere,
    )
    adoption = adopt(inv)
    config = adoption.config
    assert config["variables"] == {"LOG_LEVEL": "debug"}, "the same on every app role: once, stack-wide"
    assert config["api"]["variables"] == {"FEATURE_FLAGS": "beta,new-editor", "WORKERS_TIMEOUT": "30"}
    assert config["workers"]["logs"]["variables"] == {"WORKERS_TIMEOUT": "120"}
    assert "variables" not in config["workers"]["content_generation"]
    assert "variables" not in config["beat"]
    assert "sensitive_variables" not in config
    carried = carried_of(adoption)
    assert carried["roadmap-api"].plain == ("FEATURE_FLAGS", "LOG_LEVEL", "WORKERS_TIMEOUT")
    assert carried["celery-beat"].plain == ("LOG_LEVEL",)
    assert set(adoption.kept_secrets) == {"postgres_password", "redis_password"}
    validates(adoption)


def test_a_value_shared_by_only_some_roles_stays_with_them() -> None:
    inv = with_variables(guide_project(), roadmap_api={"LOG_LEVEL": "debug"}, celery_beat={"LOG_LEVEL": "debug"})
    config = adopt(inv).config
    assert "variables" not in config
    assert config["api"]["variables"] == {"LOG_LEVEL": "debug"}
    assert config["beat"]["variables"] == {"LOG_LEVEL": "debug"}


def test_secrets_by_name_or_by_value_become_sensitive_variables_kept_as_stack_secrets() -> None:
    inv = with_variables(
        guide_project(),
        roadmap_api={"SENTRY_DSN": SENTRY, "STRIPE_API_KEY": STRIPE, "UPSTREAM_FEED": UPSTREAM, "CACHE_KEY": "v2"},
        roadmap_celery_logs={"SENTRY_DSN": SENTRY},
    )
    adoption = adopt(inv)
    config = adoption.config
    assert config["sensitive_variables"] == ["CACHE_KEY", "SENTRY_DSN", "STRIPE_API_KEY", "UPSTREAM_FEED"]
    secrets = {k: v for k, v in adoption.kept_secrets.items() if k.isupper()}
    assert secrets == {"SENTRY_DSN": SENTRY, "STRIPE_API_KEY": STRIPE, "UPSTREAM_FEED": UPSTREAM, "CACHE_KEY": "v2"}
    assert config["secrets"] == {"provided": ["postgres_password", "redis_password"]}, "generated secrets unchanged"
    # Each service keeps exactly what it had: a role that did not hold a secret does not get it.
    assert "variables" not in config["api"]
    assert config["workers"]["logs"]["variables"] == {"CACHE_KEY": None, "STRIPE_API_KEY": None, "UPSTREAM_FEED": None}
    assert config["workers"]["content_generation"]["variables"] == dict.fromkeys(config["sensitive_variables"])
    assert config["beat"]["variables"] == dict.fromkeys(config["sensitive_variables"])
    carried = carried_of(adoption)
    assert carried["roadmap-api"].secret == ("CACHE_KEY", "SENTRY_DSN", "STRIPE_API_KEY", "UPSTREAM_FEED")
    assert carried["roadmap-celery-logs"].secret == ("SENTRY_DSN",)
    text = (
        repr(adoption) + repr(config) + "\n".join(adoption.notes) + "\n".join(c.describe() for c in adoption.variables)
    )
    for value in (SENTRY, STRIPE, UPSTREAM):
        assert value not in text, "a secret's value is in no config, repr, note or summary"
    validates(adoption)
    plan = build_plan("staging", load_stack_config("staging", config))
    assert plan.workload("api").variables["SENTRY_DSN"].text == "${secrets.SENTRY_DSN}"
    assert "SENTRY_DSN" in plan.workload("worker-logs").variables
    assert "SENTRY_DSN" not in plan.workload("beat").variables


def test_a_shared_reference_is_carried_as_the_shared_variables_value() -> None:
    inv = replace(
        guide_project(),
        shared_variables={"SENTRY_DSN": SENTRY, "APP_NAME": "Roadmap", "SITE": "roadmap.example.com"},
    )
    everywhere = {"SENTRY_DSN": "${{shared.SENTRY_DSN}}", "APP_NAME": "${{shared.APP_NAME}}"}
    inv = with_variables(
        inv,
        roadmap_api={**everywhere, "SITE_URL": "https://${{shared.SITE}}/app"},
        roadmap_celery_logs=everywhere,
        roadmap_celery_content=everywhere,
        celery_beat=everywhere,
    )
    adoption = adopt(inv)
    config = adoption.config
    assert config["sensitive_variables"] == ["SENTRY_DSN"]
    assert adoption.kept_secrets["SENTRY_DSN"] == SENTRY
    assert config["variables"] == {"APP_NAME": "Roadmap"}
    assert config["api"]["variables"] == {"SITE_URL": "https://roadmap.example.com/app"}
    assert "variables" not in config["beat"], "every role had the secret: nothing to remove"
    carried = carried_of(adoption)["roadmap-api"]
    assert carried.secret == ("SENTRY_DSN",) and carried.translated == ("APP_NAME", "SITE_URL")
    notes = "\n".join(adoption.notes)
    assert "shared variables APP_NAME, SITE are not railstack's" in notes
    validates(adoption)


def test_references_to_other_services_are_translated_to_railstacks() -> None:
    inv = with_variables(
        guide_project(),
        roadmap_api={"LOG_LEVEL": "debug", "STRIPE_API_KEY": STRIPE, "PORT": "8000"},
        roadmap_celery_logs={
            "LOG_LEVEL": "${{roadmap-api.LOG_LEVEL}}",
            "STRIPE_API_KEY": "${{roadmap-api.STRIPE_API_KEY}}",
            "API_URL": "http://${{roadmap-api.RAILWAY_PRIVATE_DOMAIN}}:${{roadmap-api.PORT}}/internal",
            "SIGNING_KEY": "${{roadmap-api.SECRET_KEY}}",
            "READ_DATABASE_URL": "${{Postgres.DATABASE_URL}}",
            "DB_HOST": "${{Postgres.PGHOST}}",
            "CACHE_URL": "${{Redis.REDIS_URL}}/1",
            "CACHE_PASSWORD": "${{Redis.REDIS_PASSWORD}}",
            "OWN_QUEUES": "${{CELERY_QUEUES}}",
        },
    )
    adoption = adopt(inv)
    config = adoption.config
    assert config["api"]["variables"] == {"LOG_LEVEL": "debug"}
    assert config["workers"]["logs"]["variables"] == {
        "API_URL": "http://${api.private_domain}:${api.port}/internal",
        "CACHE_PASSWORD": "${redis.password}",
        "CACHE_URL": "${redis.url}/1",
        "DB_HOST": "${postgres.host}",
        "LOG_LEVEL": "debug",
        "OWN_QUEUES": "logs",
        "READ_DATABASE_URL": "${postgres.url}",
        "SIGNING_KEY": "${secrets.secret_key}",
    }, "the worker's STRIPE_API_KEY is the API's secret: the sensitive variable itself"
    assert config["sensitive_variables"] == ["STRIPE_API_KEY"]
    carried = carried_of(adoption)["roadmap-celery-logs"]
    assert carried.secret == ("STRIPE_API_KEY",)
    assert "LOG_LEVEL" in carried.translated and "API_URL" in carried.translated
    validates(adoption)


def test_the_apis_public_domain_is_translated_from_itself_and_from_others() -> None:
    inv = with_variables(
        guide_project(),
        roadmap_api={"PUBLIC_URL": "https://${{RAILWAY_PUBLIC_DOMAIN}}"},
        roadmap_celery_logs={"ANALYTICS_URL": "https://${{roadmap-api.RAILWAY_PUBLIC_DOMAIN}}/x"},
    )
    adoption = adopt(inv)
    assert adoption.config["api"]["variables"] == {"PUBLIC_URL": "https://${api.public_domain}"}
    assert adoption.config["workers"]["logs"]["variables"] == {"ANALYTICS_URL": "https://${api.public_domain}/x"}
    assert carried_of(adoption)["roadmap-api"].translated == ("PUBLIC_URL",)
    validates(adoption)


def test_references_without_a_railstack_equivalent_are_listed_and_nothing_is_written() -> None:
    inv = with_variables(
        guide_project(),
        roadmap_api={
            "EXTERNAL_DB": "postgresql://${{Postgres.DATABASE_PUBLIC_URL}}",
            "STATIC": "${{RAILWAY_STATIC_URL}}",
            "FROM_SHARED": "${{shared.NOPE}}",
            "ELSEWHERE": "${{billing.URL}}",
            "MISSING": "${{celery-beat.NOT_THERE}}",
        },
        roadmap_celery_logs={"BEAT_URL": "https://${{celery-beat.RAILWAY_PUBLIC_DOMAIN}}"},
    )
    problems = problems_of(inv)
    api, logs = (
        'service "roadmap-api" (svc-api): its variable ',
        'service "roadmap-celery-logs" (svc-logs): its variable ',
    )
    for expected in (
        api
        + "EXTERNAL_DB cannot be carried: ${{Postgres.DATABASE_PUBLIC_URL}}: railstack's postgres offers no such value",
        api + "STATIC cannot be carried: ${{RAILWAY_STATIC_URL}}: Railway's own variable has no railstack equivalent",
        api + "FROM_SHARED cannot be carried: ${{shared.NOPE}}: the environment has no shared variable NOPE",
        api + "ELSEWHERE cannot be carried: ${{billing.URL}}: the project has no service 'billing'",
        api + "MISSING cannot be carried: ${{celery-beat.NOT_THERE}}: celery-beat has no variable NOT_THERE",
        logs + "BEAT_URL cannot be carried: ${{celery-beat.RAILWAY_PUBLIC_DOMAIN}}: railstack gives celery-beat (beat) "
        "no Railway public domain",
    ):
        assert any(p.startswith(expected) for p in problems), f"missing: {expected}\n" + "\n".join(problems)
    assert len(problems) == 6, problems


def test_the_public_domain_of_an_api_without_one_is_not_translated() -> None:
    inv = guide_project()
    services = tuple(replace(s, service_domains=()) if s.name == "roadmap-api" else s for s in inv.services)
    inv = with_variables(replace(inv, services=services), roadmap_api={"URL": "https://${{RAILWAY_PUBLIC_DOMAIN}}"})
    assert problems_of(inv) == [
        'service "roadmap-api" (svc-api): its variable URL cannot be carried: ${{RAILWAY_PUBLIC_DOMAIN}}: railstack '
        "gives roadmap-api (api) no Railway public domain"
    ]


def test_one_secret_name_with_two_values_is_unmappable() -> None:
    inv = with_variables(
        guide_project(),
        roadmap_api={"STRIPE_API_KEY": STRIPE},
        roadmap_celery_logs={"STRIPE_API_KEY": STRIPE.replace("4eC", "9xQ")},
    )
    problems = problems_of(inv)
    assert len(problems) == 2, problems
    assert problems[0].startswith(
        'service "roadmap-api" (svc-api): its variable STRIPE_API_KEY is a secret with another value than on '
        '"roadmap-celery-logs"'
    )
    assert problems[1].startswith('service "roadmap-celery-logs" (svc-logs): its variable STRIPE_API_KEY')
    assert not any(STRIPE[8:20] in p for p in problems), "a problem never quotes a value"


def test_railstacks_own_variables_are_not_carried_but_listed_as_replaced() -> None:
    inv = inventory(
        postgres(),
        redis(),
        app(
            "a1",
            "roadmap-api",
            "api",
            variables={
                "PORT": "8000",
                "WEB_CONCURRENCY": "4",
                "THREADS": "8",
                "ADMIN_PASSWORD": "typed-admin-password-1",
                "SECRET_KEY": "typed-django-key-123456",
                "DATABASE_URL": f"postgresql://postgres:{PG_PASSWORD}@pg:5432/railway",
                "REDIS_URL": "${{Redis.REDIS_URL}}",
            },
        ),
        app(
            "w1",
            "roadmap-celery-logs",
            "celery_logs",
            variables={
                "CELERY_QUEUES": "logs",
                "CELERY_POOL": "threads",
                "CELERY_CONCURRENCY": "8",
                "CELERY_MAX_TASKS_PER_CHILD": "50",
                "CELERY_BROKER_URL": "${{Redis.REDIS_URL}}",
                "CELERY_RESULT_BACKEND": "${{Redis.REDIS_URL}}",
                "JWT_SECRET_KEY": "${{roadmap-api.JWT_SECRET_KEY}}",
            },
        ),
        app("f1", "flower", "flower", variables={"FLOWER_BASIC_AUTH": "admin:typed-flower-pw", "PORT": "5555"}),
        app("b1", "beat", "beat", variables={"CELERY_CONCURRENCY": "1"}),
    )
    adoption = adopt(inv)
    config = adoption.config
    for key in ("api", "flower"):
        assert "variables" not in config[key], config[key]
    assert "variables" not in config["workers"]["logs"]
    assert config["beat"]["variables"] == {"CELERY_CONCURRENCY": "1"}, "not one of beat's own variables: carried"
    assert "variables" not in config and "sensitive_variables" not in config
    assert set(adoption.kept_secrets) == {"postgres_password", "redis_password"}
    carried = carried_of(adoption)
    assert carried["roadmap-api"].replaced == (
        "ADMIN_PASSWORD",
        "DATABASE_URL",
        "PORT",
        "REDIS_URL",
        "SECRET_KEY",
        "SERVICE_TYPE",
        "THREADS",
        "WEB_CONCURRENCY",
    )
    assert carried["roadmap-api"].plain == carried["roadmap-api"].secret == carried["roadmap-api"].translated == ()
    assert carried["roadmap-celery-logs"].replaced == (
        "CELERY_BROKER_URL",
        "CELERY_CONCURRENCY",
        "CELERY_MAX_TASKS_PER_CHILD",
        "CELERY_POOL",
        "CELERY_QUEUES",
        "CELERY_RESULT_BACKEND",
        "JWT_SECRET_KEY",
        "SERVICE_TYPE",
    )
    assert carried["flower"].replaced == ("FLOWER_BASIC_AUTH", "PORT", "SERVICE_TYPE")
    assert carried["beat"].plain == ("CELERY_CONCURRENCY",)
    assert carried["roadmap-api"].describe().startswith("roadmap-api (api): replaced by railstack ADMIN_PASSWORD, ")
    validates(adoption)


def test_a_secret_named_like_a_generated_one_is_the_stores_password_or_unmappable() -> None:
    inv = with_variables(
        guide_project(),
        roadmap_api={"POSTGRES_PASSWORD": PG_PASSWORD},
        roadmap_celery_logs={"REDIS_PASSWORD": "not-the-redis-password-1"},
    )
    assert problems_of(inv) == [
        'service "roadmap-celery-logs" (svc-logs): its variable REDIS_PASSWORD cannot be carried: a secret named '
        "REDIS_PASSWORD would take the place of the one railstack generates (redis_password): rename it in Railway"
    ]
    adoption = adopt(with_variables(guide_project(), roadmap_api={"POSTGRES_PASSWORD": PG_PASSWORD}))
    assert adoption.config["api"]["variables"] == {"POSTGRES_PASSWORD": "${postgres.password}"}
    assert "sensitive_variables" not in adoption.config


def test_values_the_model_could_not_hold_are_unmappable() -> None:
    inv = with_variables(
        guide_project(),
        roadmap_api={
            "node_env": "production",
            "TEMPLATE": "${user.name} joined",
            "CALLBACK": "https://deploy:hunter2-typed@${{roadmap-api.RAILWAY_PRIVATE_DOMAIN}}/hook",
        },
    )
    problems = "\n".join(problems_of(inv))
    assert "its variable node_env cannot be carried: its name is not one railstack can set" in problems
    assert "its variable TEMPLATE cannot be carried: its text holds ${name.value}" in problems
    assert (
        "its variable CALLBACK cannot be carried: the text around its references is a URL with a password: railstack "
        "keeps a secret only as a whole value"
    ) in problems
    assert "hunter2" not in problems
    ok = adopt(with_variables(guide_project(), roadmap_api={"AUTH_HEADER": "Bearer ghp_" + "A" * 36}))
    assert ok.config["sensitive_variables"] == ["AUTH_HEADER"], "a literal that looks like a token: a secret"


def test_railways_own_variables_are_ignored() -> None:
    inv = with_variables(guide_project(), roadmap_api={"RAILWAY_DOCKERFILE_PATH": "Dockerfile.api"})
    adoption = adopt(inv)
    assert "variables" not in adoption.config["api"]
    assert "RAILWAY_DOCKERFILE_PATH" not in carried_of(adoption)["roadmap-api"].describe()


def test_the_stack_file_header_names_the_carried_variables_never_their_values() -> None:
    inv = with_variables(guide_project(), roadmap_api={"SENTRY_DSN": SENTRY, "LOG_LEVEL": "debug"})
    adoption = adopt(inv)
    text = render(adoption, date(2025, 1, 2))
    assert SENTRY not in text and PG_PASSWORD not in text
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("railstack:postgres_password, railstack:redis_password), not generated anew" in line for line in header)
    assert any("railstack:<NAME> (railstack:SENTRY_DSN)" in line for line in header)
    assert "#   roadmap-api (api): plain LOG_LEVEL; secret SENTRY_DSN; replaced by railstack DATABASE_URL, " in text
    body = yaml.safe_load(text)["config"]["railstack:stack"]
    assert body == adoption.config


def test_references_that_go_round_in_a_circle_are_unmappable() -> None:
    inv = with_variables(guide_project(), roadmap_api={"A_URL": "${{B_URL}}/a", "B_URL": "${{A_URL}}/b"})
    problems = problems_of(inv)
    assert len(problems) == 2 and all("a cycle" in p for p in problems), problems
