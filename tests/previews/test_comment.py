"""The comment renderer on hand-built `pulumi preview --json` output: both JSON shapes, the size
limit, failures, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from previews.comment import GITHUB_COMMENT_LIMIT, MARKER, main, render
from previews.events import PreviewFormatError, parse_preview

STACK_TYPE = "railstack:railway:AppStack"
SERVICE_TYPE = "railstack:railway:AppService"


def railway(name: str) -> str:
    """The type token of the Railway package's resource `name` (railway:index:Service)."""
    return f"railway:index:{name}"


RAILWAY_SERVICE = railway("Service")
VARIABLES = railway("VariableCollection")
DEPLOYMENT = railway("ServiceDeployment")


def urn(name: str, rtype: str, stack: str = "staging") -> str:
    return f"urn:pulumi:{stack}::railstack::{rtype}::{name}"


def step_event(seq: int, op: str, name: str, rtype: str, old: dict | None = None, new: dict | None = None) -> str:
    meta = {
        "op": op,
        "urn": urn(name, rtype),
        "type": rtype,
        "old": {"inputs": old} if old is not None else None,
        "new": {"inputs": new} if new is not None else None,
    }
    return json.dumps({"sequence": seq, "timestamp": 0, "resourcePreEvent": {"metadata": meta}})


def events(*lines: str, result: str = "succeeded") -> str:
    tail = json.dumps({"sequence": 999, "timestamp": 0, "summaryEvent": {"result": result}})
    return "\n".join([json.dumps({"sequence": 0, "timestamp": 0, "preludeEvent": {}}), *lines, tail]) + "\n"


def service_steps(service: str, seq: int, variables_old: dict, variables_new: dict) -> list[str]:
    component = f"railstack-{service}"
    return [
        step_event(seq, "same", component, SERVICE_TYPE),
        step_event(
            seq + 1,
            "update",
            f"{component}-variables",
            VARIABLES,
            {"fingerprints": variables_old, "variables": {"A": "[secret]"}},
            {"fingerprints": variables_new, "variables": {"A": "[secret]"}},
        ),
        step_event(
            seq + 2,
            "update",
            f"{component}-deployment",
            DEPLOYMENT,
            {"triggers": {"variables": "1"}},
            {"triggers": {"variables": "2"}},
        ),
    ]


def test_variables_are_named_by_fingerprint_and_deployments_say_why() -> None:
    text = events(
        step_event(1, "same", "railstack", STACK_TYPE),
        *service_steps("api", 2, {"PORT": "aaaa", "OLD": "bbbb"}, {"PORT": "cccc", "NEW": "dddd"}),
    )
    comment = render([parse_preview(text)])
    assert comment.startswith(MARKER)
    assert "| `api` | ~ deployment, ~ variables | +`NEW` ~`PORT` -`OLD` | yes (variables) |" in comment
    assert "aaaa" not in comment and "cccc" not in comment, "fingerprints themselves are not shown"


def test_a_policy_violation_and_a_failed_preview_are_reported() -> None:
    violation = json.dumps(
        {
            "sequence": 5,
            "timestamp": 0,
            "policyEvent": {
                "resourceUrn": urn("railstack-beat-settings", railway("ServiceInstance")),
                "policyName": "single-beat-scheduler",
                "enforcementLevel": "mandatory",
                "message": "Exactly one beat.\nrailstack-beat-settings: service beat runs 2 beat replicas. Fix: 1.",
            },
        }
    )
    preview = parse_preview(events(violation, result="failed"))
    comment = render([preview])
    assert "| `staging` | 0 | 0 | 0 | 0 | 0 | **1 mandatory** violation |" in comment
    assert (
        "- mandatory `single-beat-scheduler` on `railstack-beat-settings`: service beat runs 2 beat replicas."
        in comment
    )
    assert "### `staging`: **failed**" in comment


def test_the_document_shape_is_read_and_says_policies_were_not_reported() -> None:
    doc = {
        "steps": [
            {
                "op": "create",
                "urn": urn("railstack-api-deployment", DEPLOYMENT),
                "newState": {"type": DEPLOYMENT, "inputs": {}},
            }
        ],
        "changeSummary": {"create": 1},
    }
    comment = render([parse_preview(json.dumps(doc))])
    assert "| `staging` | 1 | 0 | 0 | 0 | 1 | not run (non-streaming JSON) |" in comment


def test_a_huge_preview_stays_within_the_limit_and_says_what_it_left_out() -> None:
    lines = [step_event(1, "same", "railstack", STACK_TYPE)]
    for i in range(400):
        lines += service_steps(
            f"worker-{i:03}", 10 + i * 3, {f"V{j}": "a" for j in range(30)}, {f"V{j}": "b" for j in range(30)}
        )
    previews = [parse_preview(events(*lines)), parse_preview(events(*lines).replace(":staging::", ":prod::"))]
    comment = render(previews)
    assert len(comment) <= 60000 < GITHUB_COMMENT_LIMIT
    assert "more services not shown" in comment and "left out to stay within" in comment
    assert "| `prod` | 0 | 800 | 0 | 0 | 400 | passed |" in comment, "the summary always covers every environment"


def test_bad_input_is_refused_with_the_file_and_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(PreviewFormatError, match="empty input"):
        parse_preview("")
    with pytest.raises(PreviewFormatError, match="not a preview"):
        parse_preview('{"resources": []}')
    bad = tmp_path / "bad.json"
    bad.write_text("pulumi: command not found\n")
    assert main([str(bad)]) == 2
    assert f"{bad}: not JSON" in capsys.readouterr().err


def test_the_stack_name_can_be_given_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.json"
    path.write_text(events(step_event(1, "same", "railstack", STACK_TYPE)))
    assert main([f"production={path}"]) == 0
    assert "### `production`: ok" in capsys.readouterr().out


WORKER_HINT = "Removing a worker must be explicit in the stack's config (`workers.<name>: null` or `enabled: false`)"


def deleted_service_steps(service: str, seq: int, railway_name: str) -> list[str]:
    """The steps of a preview in which an AppService (a worker the config no longer has) goes away."""
    component = f"railstack-{service}"
    return [
        step_event(seq, "delete", component, SERVICE_TYPE),
        step_event(
            seq + 1,
            "delete",
            f"{component}-service",
            RAILWAY_SERVICE,
            {"name": railway_name, "role": "worker"},
        ),
        step_event(
            seq + 2,
            "delete",
            f"{component}-variables",
            VARIABLES,
            {"fingerprints": {"CELERY_QUEUES": "aaaa"}},
        ),
        step_event(seq + 3, "delete", f"{component}-deployment", DEPLOYMENT, {}),
    ]


def test_a_preview_that_deletes_a_worker_service_warns_and_names_it() -> None:
    text = events(
        step_event(1, "same", "railstack", STACK_TYPE),
        *service_steps("api", 2, {"PORT": "aaaa"}, {"PORT": "bbbb"}),
        *deleted_service_steps("worker-orders", 10, "worker-orders"),
        # Not a service: deleting a custom domain of the API is no reason for the warning.
        step_event(
            20,
            "delete",
            "railstack-api-domain-shop",
            railway("CustomDomain"),
            {"domain": "shop.example.com"},
        ),
    )
    comment = render([parse_preview(text)])
    assert "| `staging` | 0 | 2 | 0 | 4 | 1 | passed |" in comment
    warning = comment[comment.index("> [!WARNING]") : comment.index("Variable values and secrets")]
    assert warning.splitlines()[1] == "> **Deletes services:**"
    assert "> - `staging`: `worker-orders` (Railway service, deleted)" in warning
    assert WORKER_HINT in warning and "a deleted service loses its deployments and its data" in warning
    assert "api" not in warning.replace("(`workers", ""), "only deleted services are named"
    assert comment.index("> [!WARNING]") < comment.index("### `staging`"), "the warning comes before the details"


def test_deleted_and_replaced_services_are_named_per_stack_with_their_own_names() -> None:
    staging = events(
        step_event(1, "same", "railstack", STACK_TYPE),
        *deleted_service_steps("worker-emails", 2, "worker-emails"),
        step_event(10, "same", "railstack-redis", "railstack:railway:Redis"),
        # A replacement is three steps of one resource: it is named once, as replaced.
        *(
            step_event(
                11 + i,
                op,
                "railstack-redis-service",
                RAILWAY_SERVICE,
                {"name": "Redis"},
                {"name": "Redis"},
            )
            for i, op in enumerate(("create-replacement", "replace", "delete-replaced"))
        ),
        # Retained on delete: the service keeps running, so it is not one that is deleted.
        step_event(20, "discard", "railstack-worker-old-service", RAILWAY_SERVICE, {"name": "worker-old"}),
    )
    dev = events(
        step_event(1, "same", "railstack-dev", "railstack:docker:AppStack"),
        step_event(2, "same", "railstack-dev-api", "railstack:docker:AppService"),
        *(
            step_event(
                3 + i,
                op,
                "railstack-dev-api-container",
                "docker:index/container:Container",
                {"name": "railstack-dev-api", "image": "a"},
                {"name": "railstack-dev-api", "image": "b"},
            )
            for i, op in enumerate(("create-replacement", "replace", "delete-replaced"))
        ),
        step_event(10, "same", "railstack-dev-worker-logs", "railstack:docker:AppService"),
        step_event(
            11,
            "delete",
            "railstack-dev-worker-logs-container-1",
            "docker:index/container:Container",
            {"name": "railstack-dev-worker-logs-1"},
        ),
    ).replace(":staging::", ":dev::")
    comment = render([parse_preview(staging), parse_preview(dev)])
    assert (
        "> - `staging`: `redis` (Railway service `Redis`, replaced: deleted and created anew), "
        "`worker-emails` (Railway service, deleted)\n"
    ) in comment
    assert (
        "> - `dev`: `api` (Docker container `railstack-dev-api`, replaced: deleted and created anew), "
        "`worker-logs` (Docker container `railstack-dev-worker-logs-1`, deleted)\n"
    ) in comment
    assert "worker-old" not in comment.split("### ")[0], "a discarded (retained) service is not deleted"
    assert comment.count("> [!WARNING]") == 1 and comment.count(WORKER_HINT) == 1


def test_the_document_shape_warns_of_a_deleted_service_too() -> None:
    doc = {
        "steps": [
            {
                "op": "delete",
                "urn": urn("railstack-worker-orders-service", RAILWAY_SERVICE),
                "oldState": {"type": RAILWAY_SERVICE, "inputs": {"name": "worker-orders"}},
            }
        ],
        "changeSummary": {"delete": 1},
    }
    comment = render([parse_preview(json.dumps(doc))])
    assert "> **Deletes services:**\n> - `staging`: `worker-orders` (Railway service, deleted)\n" in comment


def test_a_preview_without_deletes_has_no_warning() -> None:
    text = events(
        step_event(1, "same", "railstack", STACK_TYPE),
        *service_steps("api", 2, {"PORT": "aaaa"}, {"PORT": "bbbb"}),
        step_event(
            10,
            "create",
            "railstack-worker-orders-service",
            RAILWAY_SERVICE,
            None,
            {"name": "worker-orders"},
        ),
    )
    comment = render([parse_preview(text)])
    assert "[!WARNING]" not in comment and "Deletes services" not in comment and WORKER_HINT not in comment
    assert "| `staging` | 1 | 2 | 0 | 0 | 1 | passed |" in comment
