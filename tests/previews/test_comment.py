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
DYNAMIC = "pulumi-python:dynamic:Resource"


def urn(name: str, rtype: str, stack: str = "staging") -> str:
    return f"urn:pulumi:{stack}::railstack::{rtype}::{name}"


def step_event(seq: int, op: str, name: str, rtype: str, old: dict | None = None, new: dict | None = None) -> str:
    meta = {"op": op, "urn": urn(name, rtype), "type": rtype,
            "old": {"inputs": old} if old is not None else None, "new": {"inputs": new} if new is not None else None}
    return json.dumps({"sequence": seq, "timestamp": 0, "resourcePreEvent": {"metadata": meta}})


def events(*lines: str, result: str = "succeeded") -> str:
    tail = json.dumps({"sequence": 999, "timestamp": 0, "summaryEvent": {"result": result}})
    return "\n".join([json.dumps({"sequence": 0, "timestamp": 0, "preludeEvent": {}}), *lines, tail]) + "\n"


def service_steps(service: str, seq: int, variables_old: dict, variables_new: dict) -> list[str]:
    component = f"railstack-{service}"
    return [
        step_event(seq, "same", component, SERVICE_TYPE),
        step_event(seq + 1, "update", f"{component}-variables", DYNAMIC,
                   {"kind": "railway:VariableCollection", "fingerprints": variables_old, "variables": {"A": "[secret]"}},
                   {"kind": "railway:VariableCollection", "fingerprints": variables_new, "variables": {"A": "[secret]"}}),
        step_event(seq + 2, "update", f"{component}-deployment", DYNAMIC,
                   {"kind": "railway:ServiceDeployment", "triggers": {"variables": "1"}},
                   {"kind": "railway:ServiceDeployment", "triggers": {"variables": "2"}}),
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
    violation = json.dumps({"sequence": 5, "timestamp": 0, "policyEvent": {
        "resourceUrn": urn("railstack-beat-settings", DYNAMIC), "policyName": "single-beat-scheduler",
        "enforcementLevel": "mandatory",
        "message": "Exactly one beat.\nrailstack-beat-settings: service beat runs 2 beat replicas. Fix: 1."}})
    preview = parse_preview(events(violation, result="failed"))
    comment = render([preview])
    assert "| `staging` | 0 | 0 | 0 | 0 | 0 | **1 mandatory** violation |" in comment
    assert "- mandatory `single-beat-scheduler` on `railstack-beat-settings`: service beat runs 2 beat replicas." in comment
    assert "### `staging`: **failed**" in comment


def test_the_document_shape_is_read_and_says_policies_were_not_reported() -> None:
    doc = {"steps": [{"op": "create", "urn": urn("railstack-api-deployment", DYNAMIC),
                      "newState": {"type": DYNAMIC, "inputs": {"kind": "railway:ServiceDeployment"}}}],
           "changeSummary": {"create": 1}}
    comment = render([parse_preview(json.dumps(doc))])
    assert "| `staging` | 1 | 0 | 0 | 0 | 1 | not run (non-streaming JSON) |" in comment


def test_a_huge_preview_stays_within_the_limit_and_says_what_it_left_out() -> None:
    lines = [step_event(1, "same", "railstack", STACK_TYPE)]
    for i in range(400):
        lines += service_steps(f"worker-{i:03}", 10 + i * 3, {f"V{j}": "a" for j in range(30)}, {f"V{j}": "b" for j in range(30)})
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
