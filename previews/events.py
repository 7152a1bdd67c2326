"""Reads what `pulumi preview --json` prints into one `Preview` per stack.

Two shapes exist. The streaming one (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=1`, one engine event per
line) is the only one that carries policy violations, so railstack's CI uses it. The document
shape (one JSON object with `steps`) carries the plan and the errors but no violations; it is read
too, and the preview says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


class PreviewFormatError(ValueError):
    """The input is not the output of `pulumi preview --json`."""


@dataclass(frozen=True)
class Step:
    """One planned operation on one resource."""

    op: str
    urn: str
    type: str
    old_inputs: dict[str, Any]
    new_inputs: dict[str, Any]
    changed_keys: tuple[str, ...]
    """Top-level inputs the engine reports as different (empty for creates and deletes)."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def parent_type_chain(self) -> list[str]:
        """The types of the resource's ancestors and its own, from the URN."""
        return self.urn.split("::")[2].split("$") if self.urn.count("::") >= 3 else []


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    """mandatory or advisory."""
    message: str
    urn: str | None


@dataclass
class Preview:
    stack: str
    steps: list[Step] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Error diagnostics (a failed program, a mandatory policy failure)."""
    policy_warnings: list[str] = field(default_factory=list)
    """Policies the engine could not run (values unknown during the preview)."""
    policies_reported: bool = False
    """Whether the input could carry policy results (the streaming shape)."""
    failed: bool = False

    @property
    def changes(self) -> list[Step]:
        return [s for s in self.steps if s.op not in ("same", "read", "refresh")]


def _stack_of(urn: str) -> str:
    parts = urn.split(":")
    return parts[2] if len(parts) > 3 and urn.startswith("urn:pulumi:") else ""


def _step(op: str, urn: str, rtype: str, old: dict | None, new: dict | None, diffs: Any) -> Step:
    return Step(
        op=op,
        urn=urn,
        type=rtype,
        old_inputs=dict((old or {}).get("inputs") or {}),
        new_inputs=dict((new or {}).get("inputs") or {}),
        changed_keys=tuple(sorted({str(k).split(".")[0].split("[")[0] for k in (diffs or [])})),
    )


def _from_events(lines: list[str], stack: str | None) -> Preview:
    preview = Preview(stack=stack or "", policies_reported=True)
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(lines, 1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError as err:
            raise PreviewFormatError(f"line {number} is not JSON ({err.msg})") from None
        if "resourcePreEvent" in event:
            meta = event["resourcePreEvent"].get("metadata") or {}
            key = (meta.get("op", ""), meta.get("urn", ""))
            if key in seen:
                continue
            seen.add(key)
            diffs = meta.get("diffs") or list((meta.get("detailedDiff") or {}).keys())
            preview.steps.append(_step(key[0], key[1], meta.get("type", ""), meta.get("old"), meta.get("new"), diffs))
        elif "policyEvent" in event:
            policy = event["policyEvent"]
            message = policy.get("message", "")
            # The engine puts the policy's description first; the finding is what follows it.
            finding = message.split("\n", 1)[1].strip() if "\n" in message.strip() else message.strip()
            preview.violations.append(
                Violation(
                    policy.get("policyName", ""),
                    policy.get("enforcementLevel", ""),
                    finding,
                    policy.get("resourceUrn") or None,
                )
            )
        elif "diagnosticEvent" in event:
            diag = event["diagnosticEvent"]
            text = (diag.get("message") or "").strip()
            if "can't run policy" in text:
                preview.policy_warnings.append(text)
            elif diag.get("severity") == "error" and text:
                preview.errors.append(text)
        elif "summaryEvent" in event:
            preview.failed = event["summaryEvent"].get("result") == "failed"
    if not preview.stack:
        urns = [s.urn for s in preview.steps] + [v.urn for v in preview.violations if v.urn]
        preview.stack = next((_stack_of(u) for u in urns if _stack_of(u)), "")
    return preview


def _from_document(doc: dict[str, Any], stack: str | None) -> Preview:
    preview = Preview(stack=stack or "", policies_reported=False)
    for raw in doc.get("steps") or []:
        state = raw.get("newState") or raw.get("oldState") or {}
        preview.steps.append(
            _step(
                raw.get("op", ""),
                raw.get("urn", ""),
                state.get("type", ""),
                raw.get("oldState"),
                raw.get("newState"),
                raw.get("diffReasons"),
            )
        )
    for diag in doc.get("diagnostics") or []:
        text = (diag.get("message") or "").strip()
        if diag.get("severity") == "error" and text:
            preview.errors.append(text)
            preview.failed = True
    if not preview.stack:
        preview.stack = next((_stack_of(s.urn) for s in preview.steps if _stack_of(s.urn)), "")
    return preview


def parse_preview(text: str, stack: str | None = None) -> Preview:
    """A Preview from `pulumi preview --json` output (streaming or document)."""
    stripped = text.strip()
    if not stripped:
        raise PreviewFormatError("empty input: expected the output of `pulumi preview --json`")
    lines = [line for line in stripped.splitlines() if line.strip()]
    first = lines[0].lstrip()
    if first.startswith("{") and first.rstrip().endswith("}") and len(lines) > 1 and '"sequence"' in first:
        return _from_events(lines, stack)
    try:
        doc = json.loads(stripped)
    except json.JSONDecodeError as err:
        raise PreviewFormatError(f"not JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(doc, dict) or not ({"steps", "changeSummary", "diagnostics"} & doc.keys()):
        raise PreviewFormatError("JSON, but not a preview: expected `steps` (pulumi preview --json)")
    return _from_document(doc, stack)
