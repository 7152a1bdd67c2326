"""Celery beat: exactly one scheduler per stack. Two schedulers send every periodic task twice,
and a worker started with `-B` is a second scheduler hiding inside a worker."""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.inventory import CONTAINER, Inventory, railway_kind
from policy.values import UNKNOWN, get, number_text

EMBEDDED_BEAT = re.compile(r"(^|\s)(-B|--beat)(\s|$)")


def _single_beat(args: StackValidationArgs, report: ReportViolation) -> None:
    inventory = Inventory.of(args.resources)
    beats = inventory.services_with_role("beat")
    if inventory.services_with_role("api", "worker") and not beats:
        report(
            "the stack has app services but no beat service, so periodic tasks never run. "
            "Fix: keep the stack's beat role (beat in the stack config).",
            None,
        )
    for extra in beats[1:]:
        report(
            f"service {extra.name} is a second beat service: every periodic task would be sent twice. "
            "Fix: keep exactly one beat service.",
            extra.urn,
        )
    for beat in beats:
        if beat.instance is None:
            continue
        replicas = get(beat.instance.props, "numReplicas")
        if replicas is not UNKNOWN and replicas not in (None, 1):
            report(
                f"service {beat.name} runs {number_text(replicas)} beat replicas: every periodic task would "
                f"be sent {number_text(replicas)} times. Fix: beat.sizing.replicas must be 1.",
                beat.instance.urn,
            )
    containers = inventory.containers_with_role("beat")
    if inventory.containers_with_role("api", "worker") and len(containers) != 1:
        report(
            f"the stack runs {len(containers)} beat containers; exactly one is needed "
            "(none: periodic tasks never run; more: they run twice). Fix: one beat container.",
            None,
        )


single_beat_scheduler = StackValidationPolicy(
    name="single-beat-scheduler",
    description="Exactly one Celery beat service with exactly one replica.",
    validate=_single_beat,
)


def _command_text(args: ResourceValidationArgs) -> str | None:
    if railway_kind(args.resource_type) == "railway:ServiceInstance":
        command = get(args.props, "startCommand")
        return command if isinstance(command, str) else None
    if args.resource_type == CONTAINER:
        parts: list[Any] = [*(get(args.props, "entrypoints") or []), *(get(args.props, "command") or [])]
        return " ".join(p for p in parts if isinstance(p, str)) or None
    return None


def _no_embedded_beat(args: ResourceValidationArgs, report: ReportViolation) -> None:
    command = _command_text(args)
    if command and "celery" in command and "worker" in command and EMBEDDED_BEAT.search(command):
        report(
            f"{args.name}: the Celery worker command embeds a beat scheduler (-B/--beat), a second "
            "scheduler beside the beat role. Fix: remove -B; periodic tasks belong to the beat role.",
            None,
        )


no_embedded_beat = ResourceValidationPolicy(
    name="no-embedded-beat",
    description="Celery workers never run an embedded beat scheduler (-B / --beat).",
    validate=_no_embedded_beat,
)
