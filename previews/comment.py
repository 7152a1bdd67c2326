"""The pull-request comment: what `pulumi up` would do to each environment, service by service.

For every stack previewed: which resources are created, updated, replaced or deleted, grouped by
the service (component) they belong to; which variables change, by name only (Railway variable
collections carry keyed fingerprints, so a changed value is visible without the value); which
services will deploy; and the policy pack's violations. Every Railway service and Docker container
the preview would delete (or replace, which deletes the old one) is named at the top, in a warning:
a service removed by accident loses its deployments and its data. Values never appear: the comment
is built from names, operations and fingerprints only.

Long sections are collapsed in <details>, and the comment is kept under GitHub's limit for a
comment body by dropping detail first, then rows, and saying so.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previews.events import Preview, PreviewFormatError, Step, parse_preview

#: GitHub rejects comment bodies over 65,536 characters; stay clear of it.
GITHUB_COMMENT_LIMIT = 65536
DEFAULT_BUDGET = 60000
#: The marker CI uses to find and update its own comment instead of adding another.
MARKER = "<!-- railstack-preview -->"
#: The engine's placeholder for a value not known until the update runs.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
#: Services whose changes are listed inline; more are collapsed.
INLINE_SERVICES = 12
MAX_MESSAGE = 600

OPS = {
    "create": "create",
    "update": "update",
    "replace": "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
    "delete": "delete",
    "discard": "delete",
    "import": "import",
}
#: Type tokens of railstack's Railway package: `railway:index:Service`, `railway:index:VariableCollection`, ...
RAILWAY_TYPE_PREFIX = "railway:index:"
#: Resources whose deletion deletes a running service, and how the warning calls them.
SERVICE_KINDS = {"railway:Service": "Railway service", "docker:index/container:Container": "Docker container"}
#: Deleted services listed per stack in the warning; more are counted.
MAX_DELETED_LISTED = 30
SYMBOL = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "import": "="}
ORDER = ("create", "update", "replace", "delete", "import")


@dataclass
class ServiceChanges:
    """What one service (or the stack's shared resources) goes through."""

    name: str
    operations: dict[str, str] = field(default_factory=dict)
    """Resource label -> create/update/replace/delete."""
    changed_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    variables: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    """added / changed / removed -> variable names."""
    deploys: bool = False
    deploy_reasons: list[str] = field(default_factory=list)
    """What changed in the deployment's triggers: settings, variables, a rotated secret."""


def _kind(step: Step) -> str:
    """`railway:Service`, `railway:VariableCollection`, ... for a Railway resource; any other's type."""
    if step.type.startswith(RAILWAY_TYPE_PREFIX):
        return "railway:" + step.type[len(RAILWAY_TYPE_PREFIX) :]
    return step.type


def _component_names(preview: Preview) -> tuple[str, list[str]]:
    """(the AppStack's name, the names of the service components), from the preview's URNs."""
    stack_name = ""
    services = []
    for step in preview.steps:
        if step.type.endswith(":AppStack"):
            stack_name = step.name
        elif step.type.startswith("railstack:") and not step.type.endswith(":SecretSet"):
            services.append(step.name)
    return stack_name, sorted(services, key=len, reverse=True)


def _owner(step: Step, stack_name: str, services: list[str]) -> tuple[str, str]:
    """(service, the resource's label within it)."""
    for component in services:
        if step.name.startswith(component + "-"):
            label = step.name[len(component) + 1 :]
            service = (
                component[len(stack_name) + 1 :] if stack_name and component.startswith(stack_name + "-") else component
            )
            return service, label
    label = step.name[len(stack_name) + 1 :] if stack_name and step.name.startswith(stack_name + "-") else step.name
    return "shared", label


def _changed_inputs(step: Step) -> tuple[str, ...]:
    if step.changed_keys:
        return step.changed_keys
    if step.op not in ("update", "replace"):  # a replacement's other two steps lack one side
        return ()
    keys = sorted(set(step.old_inputs) | set(step.new_inputs))
    return tuple(k for k in keys if not k.startswith("__") and step.old_inputs.get(k) != step.new_inputs.get(k))


def _variable_changes(step: Step) -> dict[str, list[str]]:
    """Names of variables added, changed and removed, from the fingerprints (names only)."""
    old: dict[str, Any] = step.old_inputs.get("fingerprints") or {}
    new: dict[str, Any] = step.new_inputs.get("fingerprints") or {}
    op = OPS.get(step.op)
    if op == "delete":
        new = {}
    if op == "create" and step.op == "create":
        old = {}
    if not old and not new:  # no fingerprints: the names are all there is
        old_names = set(step.old_inputs.get("variables") or {}) if op != "create" else set()
        new_names = set(step.new_inputs.get("variables") or {}) if op != "delete" else set()
        return {"added": sorted(new_names - old_names), "removed": sorted(old_names - new_names), "changed": []}
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(n for n in set(old) & set(new) if old[n] != new[n] or new[n] == UNKNOWN),
    }


def summarize(preview: Preview) -> dict[str, ServiceChanges]:
    stack_name, components = _component_names(preview)
    services: dict[str, ServiceChanges] = {}
    for step in preview.steps:
        op = OPS.get(step.op)
        if op is None or step.type.startswith("railstack:") or step.type == "pulumi:pulumi:Stack":
            continue
        name, label = _owner(step, stack_name, components)
        changes = services.setdefault(name, ServiceChanges(name))
        # A replacement shows as three steps; the resource is "replaced" once.
        changes.operations[label] = "replace" if "replace" in (op, changes.operations.get(label)) else op
        inputs = _changed_inputs(step)
        if inputs:
            changes.changed_inputs[label] = tuple(sorted(set(changes.changed_inputs.get(label, ())) | set(inputs)))
        kind = _kind(step)
        if kind == "railway:VariableCollection":
            for what, names in _variable_changes(step).items():
                for n in names:
                    if n not in changes.variables[what]:
                        changes.variables[what].append(n)
        if kind == "railway:ServiceDeployment" and op in ("create", "update", "replace"):
            changes.deploys = True
            old, new = step.old_inputs.get("triggers") or {}, step.new_inputs.get("triggers") or {}
            if op != "create":
                for key in sorted(set(old) | set(new)):
                    reason = key.replace("secret:", "") + (" rotated" if key.startswith("secret:") else "")
                    if old.get(key) != new.get(key) and reason not in changes.deploy_reasons:
                        changes.deploy_reasons.append(reason)
        if step.type == "docker:index/container:Container" and op in ("create", "update", "replace"):
            changes.deploys = True
    return dict(sorted(services.items(), key=lambda kv: (kv[0] != "shared", kv[0])))


@dataclass(frozen=True)
class DeletedService:
    """A Railway service or Docker container the preview deletes (or replaces, deleting the old one)."""

    service: str
    """The service (component) it belongs to, as the comment's tables name it."""
    kind: str
    """Railway service or Docker container."""
    name: str
    """Its own name (the Railway service's or the container's), when known."""
    how: str
    """deleted or replaced."""


def deleted_services(preview: Preview) -> list[DeletedService]:
    """The services `pulumi up` would delete, by the service's name. A `discard` (a resource
    retained on delete) leaves the service running, so it is not one of them."""
    stack_name, components = _component_names(preview)
    ops: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    first: dict[str, Step] = {}
    for step in preview.steps:
        op = OPS.get(step.op)
        if step.op == "discard" or op not in ("delete", "replace"):
            continue
        if _kind(step) not in SERVICE_KINDS:
            continue
        first.setdefault(step.urn, step)
        ops[step.urn].add(op)
        name = step.old_inputs.get("name") or step.new_inputs.get("name")
        if isinstance(name, str) and name != UNKNOWN:
            names.setdefault(step.urn, name)
    found = []
    for urn, step in first.items():
        service, _ = _owner(step, stack_name, components)
        kind = SERVICE_KINDS[_kind(step)]
        how = "replaced" if "replace" in ops[urn] else "deleted"
        if service == "shared":  # not under a service component: the resource's own name says most
            service = names.get(urn) or step.name
        found.append(DeletedService(service, kind, names.get(urn, ""), how))
    return sorted(found, key=lambda d: (d.service, d.kind, d.name))


# -- rendering -----------------------------------------------------------------------------------
def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def _counts(preview: Preview) -> dict[str, int]:
    counts = {op: 0 for op in ORDER}
    seen: set[str] = set()
    for step in preview.steps:
        op = OPS.get(step.op)
        if op is None or step.type.startswith("railstack:") or step.type == "pulumi:pulumi:Stack" or step.urn in seen:
            continue
        seen.add(step.urn)
        counts[op] += 1
    return counts


def _policy_cell(preview: Preview) -> str:
    if not preview.policies_reported:
        return "not run (non-streaming JSON)"
    mandatory = sum(v.level == "mandatory" for v in preview.violations)
    advisory = len(preview.violations) - mandatory
    if not preview.violations:
        return "passed"
    parts = [f"**{mandatory} mandatory**" if mandatory else "", f"{advisory} advisory" if advisory else ""]
    return " + ".join(p for p in parts if p) + " violation" + ("s" if len(preview.violations) > 1 else "")


def _variables_cell(changes: ServiceChanges) -> str:
    parts = []
    for what, sign in (("added", "+"), ("changed", "~"), ("removed", "-")):
        parts += [f"{sign}`{n}`" for n in changes.variables.get(what, [])]
    return " ".join(parts) or "—"


def _deploys_cell(changes: ServiceChanges) -> str:
    if not changes.deploys:
        return "—"
    return "yes" + (f" ({', '.join(changes.deploy_reasons)})" if changes.deploy_reasons else "")


def _operations_cell(changes: ServiceChanges) -> str:
    return ", ".join(f"{SYMBOL[op]} {label}" for label, op in sorted(changes.operations.items())) or "—"


@dataclass
class Section:
    """One environment's part of the comment, at decreasing levels of detail."""

    header: str
    body: str
    details: str

    def render(self, with_details: bool) -> str:
        return self.header + self.body + (self.details if with_details else "")


def _section(preview: Preview, max_rows: int | None = None) -> Section:
    services = summarize(preview)
    counts = _counts(preview)
    deploying = sorted(name for name, s in services.items() if s.deploys)
    status = "**failed**" if preview.failed else "ok"
    header = f"### `{preview.stack}`: {status}\n\n"
    lines: list[str] = []
    if not any(counts.values()):
        lines.append("No changes.\n")
    else:
        lines.append(", ".join(f"{counts[op]} to {op}" for op in ORDER if counts[op]) + ".")
        lines.append(f"Deployments: {', '.join(f'`{d}`' for d in deploying) if deploying else 'none'}.\n")
    shown = list(services.values())
    hidden = 0
    if max_rows is not None and len(shown) > max_rows:
        hidden = len(shown) - max_rows
        shown = shown[:max_rows]
    if shown:
        table = ["| Service | Resources | Variables (names only) | Deploys |", "|---|---|---|---|"]
        for s in shown:
            table.append(f"| `{s.name}` | {_escape(_operations_cell(s))} | {_variables_cell(s)} | {_deploys_cell(s)} |")
        if hidden:
            table.append(f"| … | {hidden} more services not shown (comment size limit; see the CI log) | | |")
        block = "\n".join(table) + "\n"
        if len(shown) > INLINE_SERVICES:
            block = f"<details><summary>{len(shown)} services change</summary>\n\n{block}\n</details>\n"
        lines.append(block)
    if preview.violations:
        lines.append("**Policy violations**\n")
        for v in preview.violations:
            resource = v.urn.rsplit("::", 1)[-1] if v.urn else ""
            target = f" on `{resource}`" if resource else ""
            message = v.message.removeprefix(f"{resource}: ") if resource else v.message
            message = message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "…"
            lines.append(f"- {v.level} `{v.policy}`{target}: {_escape(message)}")
        lines.append("")
    elif preview.policies_reported:
        lines.append("Policies: all passed.\n")
    other_errors = [e for e in preview.errors if e != "preview failed"]
    if other_errors:
        lines.append("**Errors**\n")
        lines += [f"```\n{e[:MAX_MESSAGE]}\n```" for e in other_errors[:5]]
        lines.append("")
    details = ""
    rows = [
        f"| {SYMBOL[op]} {op} | `{service}` | {label} | {', '.join(f'`{k}`' for k in s.changed_inputs.get(label, ())) or '—'} |"
        for service, s in services.items()
        for label, op in sorted(s.operations.items())
    ]
    if rows:
        details = (
            f"<details><summary>Resource operations ({len(rows)})</summary>\n\n"
            "| Operation | Service | Resource | Changed inputs |\n|---|---|---|---|\n"
            + "\n".join(rows)
            + "\n\n</details>\n"
        )
    return Section(header, "\n".join(lines) + "\n", details)


def _deleted_item(d: DeletedService) -> str:
    own = f"{d.kind} `{_escape(d.name)}`" if d.name and d.name != d.service else d.kind
    how = "deleted" if d.how == "deleted" else "replaced: deleted and created anew"
    return f"`{_escape(d.service)}` ({own}, {how})"


def _deletes_warning(previews: list[Preview]) -> list[str]:
    """The warning block naming every service each stack's preview deletes; empty when none does."""
    lines = []
    for p in previews:
        deleted = deleted_services(p)
        if not deleted:
            continue
        items = [_deleted_item(d) for d in deleted[:MAX_DELETED_LISTED]]
        if len(deleted) > MAX_DELETED_LISTED:
            items.append(f"and {len(deleted) - MAX_DELETED_LISTED} more")
        lines.append(f"> - `{p.stack}`: " + ", ".join(items))
    if not lines:
        return []
    return [
        "> [!WARNING]",
        "> **Deletes services:**",
        *lines,
        ">",
        "> Removing a worker must be explicit in the stack's config (`workers.<name>: null` or `enabled: false`); "
        "a deleted service loses its deployments and its data.",
        "",
    ]


def render(previews: list[Preview], budget: int = DEFAULT_BUDGET) -> str:
    """The Markdown comment for `previews`, at most `budget` characters."""
    top = [MARKER, "## railstack preview", ""]
    top.append("| Environment | Create | Update | Replace | Delete | Deploys | Policies |")
    top.append("|---|---|---|---|---|---|---|")
    for p in previews:
        c = _counts(p)
        deploys = sum(s.deploys for s in summarize(p).values())
        top.append(
            f"| `{p.stack}` | {c['create']} | {c['update']} | {c['replace']} | {c['delete']} | {deploys} | {_policy_cell(p)} |"
        )
    top.append("")
    top += _deletes_warning(previews)
    top.append("Variable values and secrets are never shown: changed variables are named, from keyed fingerprints.\n")
    head = "\n".join(top) + "\n"

    max_rows: int | None = None
    while True:
        sections = [_section(p, max_rows) for p in previews]
        for with_details in (True, False):
            text = head + "\n".join(s.render(with_details) for s in sections)
            if not with_details:
                text += "\n_Resource operation tables were left out to stay within GitHub's comment size limit._\n"
            if len(text) <= budget:
                return text
        max_rows = 40 if max_rows is None else max_rows // 2
        if max_rows < 1:
            return text[: budget - 80] + "\n\n_… truncated to GitHub's comment size limit; see the CI log._\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="preview-comment",
        description="Turn `pulumi preview --json` output of one or more stacks into the pull-request comment "
        "(Markdown on stdout). Use PULUMI_ENABLE_STREAMING_JSON_PREVIEW=1 so policy results are included.",
    )
    parser.add_argument(
        "previews",
        nargs="+",
        metavar="[STACK=]FILE",
        help="a file with one stack's `pulumi preview --json` output; STACK= names it (else from its URNs)",
    )
    parser.add_argument("--output", "-o", type=Path, help="write the comment here instead of stdout")
    parser.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_BUDGET,
        help=f"size limit of the comment (GitHub's is {GITHUB_COMMENT_LIMIT})",
    )
    args = parser.parse_args(argv)
    previews = []
    for item in args.previews:
        stack, _, path = item.rpartition("=") if "=" in item else ("", "", item)
        file = Path(path)
        if not file.is_file():
            print(f"preview-comment: {path}: no such file (expected `pulumi preview --json` output)", file=sys.stderr)
            return 2
        try:
            previews.append(parse_preview(file.read_text(), stack or None))
        except PreviewFormatError as err:
            print(f"preview-comment: {path}: {err}", file=sys.stderr)
            return 2
    if not 1000 <= args.max_chars <= GITHUB_COMMENT_LIMIT:
        print(f"preview-comment: --max-chars {args.max_chars}: allowed 1000..{GITHUB_COMMENT_LIMIT}", file=sys.stderr)
        return 2
    comment = render(previews, args.max_chars)
    if args.output:
        args.output.write_text(comment)
    else:
        sys.stdout.write(comment)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
