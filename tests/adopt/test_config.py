"""Adoption's config step: `railstack:stack` from the placed services, holding what differs."""

from __future__ import annotations

from adopt.common import Findings, Placed
from adopt.config import Sizer, flower_config, profile_replicas, stack_config, stack_region, workers_config
from adopt.roles import place_apps
from adopt.stores import place_stores
from railstack.stacks.load import load_stack_config, profile
from tests.adopt.test_mapping import IMAGE, app, guide_project, inventory


def test_the_guide_projects_config_is_one_the_model_takes() -> None:
    project = guide_project()
    findings = Findings()
    stores = place_stores(project, profile("staging"), findings)
    placed = [*stores.placed, *place_apps(stores.others, project, findings)]
    config = stack_config(project, "staging", ("image", IMAGE), placed, stores, profile("staging"), findings)
    assert list(config) == [
        "environment",
        "target",
        "project_name",
        "app",
        "api",
        "workers",
        "beat",
        "flower",
        "postgres",
        "redis",
        "secrets",
    ], "no region: the only one a service names (us-west2) is the model's default"
    assert config["beat"] == {"service_name": "celery-beat", "start_command": None}, "beat's replicas never written"
    assert any("celery-beat runs 2 replicas" in note for note in findings.notes)
    load_stack_config("staging", config)


def test_the_region_is_where_most_services_run_and_the_first_found_on_a_tie() -> None:
    services = [
        app("a", "a", region="europe-west4"),
        app("b", "b", region="us-east4"),
        app("c", "c", region="us-east4"),
    ]
    assert stack_region([Placed(s, "api", "t") for s in services]) == "us-east4"
    assert stack_region([Placed(s, "api", "t") for s in services[:2]]) == "europe-west4"
    assert stack_region([]) == "us-west2"


def test_replicas_and_a_region_that_differ_are_sized_and_noted() -> None:
    findings = Findings()
    sizer = Sizer({"api": {"sizing": {"replicas": 2}}}, "us-west2", findings)
    assert profile_replicas(sizer.profile, "api") == 2 and profile_replicas({}, "api") == 1
    api = Placed(app("a", "api", replicas=2, region="europe-west4"), "api", "t")
    assert sizer.of(api, "api") == {"sizing": {"region": "europe-west4"}}, (
        "replicas equal to the profile's are left out"
    )
    assert sizer.of(api, "flower") == {"sizing": {"replicas": 2, "region": "europe-west4"}}
    assert findings.notes == ["api keeps its 2 replicas (sizing.replicas)"]


def test_default_and_profile_workers_not_found_are_removed_and_none_found_keeps_them() -> None:
    findings = Findings()
    sizer = Sizer({}, "us-west2", findings)
    mail = Placed(app("m", "mail", "celery_mail"), "worker", "t", worker="mail", queues=("mail",))
    config = workers_config([mail], {"workers": {"reports": {}}}, sizer)
    assert config == {
        "logs": None,
        "content_generation": None,
        "reports": None,
        "mail": {"service_name": "mail", "queues": ["mail"], "start_command": None},
    }
    assert workers_config([], {}, sizer) == {}
    assert findings.notes[-1].startswith("no Celery worker service found")


def test_flower_is_enabled_with_its_port_only_when_found() -> None:
    sizer = Sizer({}, "us-west2", Findings())
    assert flower_config(None, inventory(), sizer) == {"enabled": False}
    flower = app("f", "flower", "flower", variables={"PORT": "5555"})
    assert flower_config(Placed(flower, "flower", "t"), inventory(flower), sizer) == {
        "enabled": True,
        "service_name": "flower",
        "start_command": None,
        "port": 5555,
    }
