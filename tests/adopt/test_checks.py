"""What the project and every placed service must be to be adopted as they are."""

from __future__ import annotations

from adopt.checks import (
    check_commands,
    check_domains,
    check_project,
    check_regions,
    check_service_names,
    left_alone_notes,
    secret_values,
)
from adopt.common import Findings, Placed
from tests.adopt.test_mapping import ENV, JWT, PG_PASSWORD, DomainInfo, EnvironmentInfo, app, inventory, postgres


def test_a_stack_without_environment_and_a_project_name_railstack_cannot_keep_are_problems() -> None:
    findings = Findings()
    check_project(inventory(name="Road Map"), "shop", None, findings)
    assert [p.subject for p in findings.problems] == ['project "Road Map" (prj-1)'] * 2
    assert findings.problems[0].why.startswith("stack 'shop': name its environment")


def test_a_domain_on_a_store_is_left_alone_but_on_a_worker_is_a_problem() -> None:
    domain = (DomainInfo("d", "x.up.railway.app"),)
    store = postgres(service_domains=domain, tcp_proxies=("pg.proxy.rlwy.net:5432",))
    worker = app("w", "celery-logs", "celery_logs", service_domains=domain)
    api = app("a", "api", "api", service_domains=domain)
    findings = Findings()
    check_domains(
        [Placed(store, "postgres", "image"), Placed(worker, "worker", "t", "logs"), Placed(api, "api", "t")], findings
    )
    assert [p.subject for p in findings.problems] == [worker.label], "only the API may have a domain"
    assert [n.split(" (")[0] for n in findings.notes] == ["Postgres has domains", "Postgres keeps its TCP proxy"]


def test_a_name_references_cannot_write_and_a_second_region_are_problems() -> None:
    spaced = app("a", "my api", "api")
    spread = app("b", "beat", "beat", regions=("us-west2", "europe-west4"))
    elsewhere = app("c", "flower", "flower", region="mars-1")
    placed = [Placed(s, "api", "t") for s in (spaced, spread, elsewhere)]
    findings = Findings()
    check_service_names(placed, findings)
    check_regions(placed, findings)
    assert [p.subject for p in findings.problems] == [spaced.label, spread.label, elsewhere.label]


def test_a_secret_typed_into_a_command_is_a_problem_naming_the_command_not_the_value() -> None:
    project = inventory(postgres(), app("a", "api", "api", variables={"JWT_SECRET_KEY": JWT}))
    secrets = secret_values(project, [PG_PASSWORD])
    assert secrets[0] == PG_PASSWORD and JWT in secrets, "the passwords and every literal named like a secret"
    service = app("b", "beat", "beat", pre_deploy_command=f"psql -p {PG_PASSWORD}")
    findings = Findings()
    check_commands([service], secrets, findings)
    assert [p.why.split(":")[0] for p in findings.problems] == [
        "its pre-deploy command holds the value of a secret variable"
    ]
    assert PG_PASSWORD not in str(findings.problems[0])


def test_other_environments_and_services_elsewhere_are_noted_as_left_alone() -> None:
    findings = Findings()
    left_alone_notes(inventory(environments=(ENV, EnvironmentInfo("e2", "staging")), elsewhere=("old",)), findings)
    assert findings.notes == [
        "not in environment production, left alone: old",
        "only environment production is adopted; left alone: staging",
    ]
