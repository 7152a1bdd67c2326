"""Adoption's stores step: which services are Postgres and Redis, and what adopting them keeps."""

from __future__ import annotations

from dataclasses import replace

from adopt.common import Findings, Problem
from adopt.stores import check_postgres_login, check_postgres_volume, place_stores, store_password
from railstack.stacks.load import profile
from tests.adopt.test_mapping import PG_PASSWORD, REDIS_PASSWORD, app, inventory, postgres, redis


def test_the_stores_are_placed_and_their_passwords_kept_and_the_rest_are_app_services() -> None:
    project = inventory(app("svc-api", "api", "api"), redis(), postgres())
    findings = Findings()
    stores = place_stores(project, profile("staging"), findings)
    assert [(p.service.name, p.role, p.how) for p in stores.placed] == [
        ("Postgres", "postgres", "its image ghcr.io/railwayapp-templates/postgres-ssl:16"),
        ("Redis", "redis", "its image redis:7"),
    ], "Postgres first, then Redis, each by what gave it away"
    assert [s.name for s in stores.others] == ["api"]
    assert stores.passwords == {"postgres_password": PG_PASSWORD, "redis_password": REDIS_PASSWORD}
    assert stores.config == {
        "postgres": {
            "service_name": "Postgres",
            "image": "ghcr.io/railwayapp-templates/postgres-ssl:16",
            "volume": True,
        },
        "redis": {"service_name": "Redis", "image": "redis:7", "volume": False},
    }
    assert findings.problems == []


def test_two_equally_likely_postgres_services_are_each_a_problem_and_neither_is_an_app() -> None:
    project = inventory(postgres(), postgres(id="svc-pg2", name="Postgres-2"), app("svc-api", "api", "api"))
    findings = Findings()
    stores = place_stores(project, {}, findings)
    assert [p.role for p in stores.placed] == []
    assert [s.name for s in stores.others] == ["api"], "a candidate store never becomes an app role"
    assert [p.subject for p in findings.problems] == [s.label for s in project.services[:2]]
    assert "no Redis service found" in findings.notes[-1]


def test_an_image_is_stronger_evidence_than_a_literal_postgres_password() -> None:
    worker = app("svc-w", "worker", variables={"POSTGRES_PASSWORD": "x"})
    stores = place_stores(inventory(postgres(), worker), {}, Findings())
    assert [p.service.name for p in stores.placed] == ["Postgres"]
    assert [s.name for s in stores.others] == ["worker"]


def test_a_password_reference_that_cannot_be_resolved_is_a_problem_naming_no_value() -> None:
    service = postgres(variables={"POSTGRES_PASSWORD": "${{shared.MISSING}}"})
    found = store_password(service, "POSTGRES_PASSWORD", inventory(service))
    assert isinstance(found, Problem) and "POSTGRES_PASSWORD is a reference adopt cannot resolve" in found.why
    assert store_password(redis(), "REDIS_PASSWORD", inventory(redis())) == REDIS_PASSWORD


def test_another_user_or_database_is_a_problem() -> None:
    service = postgres(variables={**postgres().variables, "POSTGRES_USER": "app", "POSTGRES_DB": "shop"})
    findings = Findings()
    check_postgres_login(service, inventory(service), findings)
    assert [p.why.split(":")[0] for p in findings.problems] == [
        "its POSTGRES_USER is 'app'",
        "its POSTGRES_DB is 'shop'",
    ]


def test_a_volume_elsewhere_or_another_pgdata_would_lose_the_data() -> None:
    base = postgres()
    assert base.volume is not None
    service = replace(
        base,
        volume=replace(base.volume, mount_path="/pg"),
        variables={k: v for k, v in base.variables.items() if k != "PGDATA"},
    )
    findings = Findings()
    check_postgres_volume(service, inventory(service), profile("staging"), findings)
    assert [p.why.split(":")[0] for p in findings.problems] == ["its volume is mounted at /pg", "its PGDATA is not set"]


def test_a_redis_without_password_is_noted_and_keeps_none() -> None:
    findings = Findings()
    stores = place_stores(inventory(redis(variables={})), {}, findings)
    assert stores.passwords == {} and findings.problems == []
    assert any("has no REDIS_PASSWORD: railstack generates one" in note for note in findings.notes)
