"""Adoption's apps step: the one app source, and each app service in its role."""

from __future__ import annotations

from adopt.common import Findings
from adopt.roles import app_config, app_source, guess_roles, place_apps
from tests.adopt.test_mapping import IMAGE, app, inventory


def test_the_source_most_app_services_run_is_the_stacks_and_the_odd_one_is_a_problem() -> None:
    services = [app("a", "api", "api"), app("b", "beat", "beat"), app("c", "odd", "worker", image="other:1")]
    findings = Findings()
    assert app_source(services, findings) == ("image", IMAGE)
    assert [p.subject for p in findings.problems] == [services[2].label]
    assert f"while the other app services run image {IMAGE}" in findings.problems[0].why


def test_two_sources_equally_often_name_every_service_and_choose_none() -> None:
    services = [app("a", "api", "api"), app("b", "beat", "beat", image="other:1")]
    findings = Findings()
    assert app_source(services, findings) is None
    assert [p.subject for p in findings.problems] == [s.label for s in services]


def test_a_repo_source_becomes_app_with_its_branch_and_directory() -> None:
    source = app_source([app("a", "api", "api", image=None, repo="acme/shop", root_directory="/svc")], Findings())
    assert source is not None
    assert app_config(source) == {"repo": "acme/shop", "branch": "main", "root_directory": "/svc"}


def test_an_app_service_with_a_tcp_proxy_or_volume_is_a_problem_but_still_guessed() -> None:
    service = app("a", "api", "api", tcp_proxies=("x.proxy.rlwy.net:1",))
    findings = Findings()
    assert [g.guess.role for g in guess_roles([service], inventory(service), findings)] == ["api"]
    assert [p.why.split(" (")[0] for p in findings.problems] == ["it has a TCP proxy"]


def test_apps_are_placed_in_the_projects_order_each_worker_by_its_name() -> None:
    services = [
        app("w", "celery-logs", "celery_logs"),
        app("a", "api", "api"),
        app("b", "beat", "beat"),
        app("q", "queue-runner", "worker", start_command="celery -A x worker -Q mail"),
    ]
    findings = Findings()
    placed = place_apps(services, inventory(*services), findings)
    assert [(p.role, p.worker, p.queues) for p in placed] == [
        ("worker", "logs", ("logs",)),
        ("api", None, ()),
        ("beat", None, ()),
        ("worker", "mail", ("mail",)),
    ]
    assert findings.problems == []


def test_two_apis_place_neither_and_two_workers_of_one_name_place_the_first() -> None:
    services = [
        app("a1", "api", "api"),
        app("a2", "shop-api", "api"),
        app("w1", "celery-logs", "celery_logs"),
        app("w2", "logs-too", "celery_logs"),
    ]
    findings = Findings()
    placed = place_apps(services, inventory(*services), findings)
    assert [p.service.id for p in placed] == ["w1"]
    assert [p.subject for p in findings.problems] == [services[0].label, services[1].label, services[3].label]


def test_no_api_or_no_app_at_all_is_a_problem_of_the_project() -> None:
    findings = Findings()
    place_apps([app("b", "beat", "beat")], inventory(app("b", "beat", "beat")), findings)
    assert [p.why.split(" (")[0] for p in findings.problems] == ["no service is the API"]
    findings = Findings()
    assert place_apps([], inventory(), findings) == []
    assert [p.why for p in findings.problems] == ["it has no app service (API, workers, beat) to adopt"]
