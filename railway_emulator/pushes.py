"""GitHub pushes and check suites: Railway's auto-deploys of a connected branch (docs/railway-api.md,
"Auto-deploys and watch paths").

`push(state, repo, branch)` stands for GitHub's push webhook once the caller has committed to the
mapped repository. The changed files are `git diff --name-only <last seen head> <new head>` (every
file of the commit for a branch never seen). Every service instance with a deployment trigger on that
repository and branch deploys the new head (`meta.reason` "push", no creator); one with watch patterns
deploys only when a changed file matches them, else a SKIPPED deployment records why (docs
deployments/github-autodeploys.md, troubleshooting: "Check deployment history for skipped deployments
... skipped due to watch paths"). Watch patterns are gitignore-style and match paths from the
repository root, whatever the root directory (docs builds/build-configuration.md, "Configure watch
paths"). A trigger with `checkSuites` holds its deployment in WAITING until `checks(...)` concludes:
success lets it proceed, failure makes it SKIPPED (docs deployments/github-autodeploys.md, "Wait for CI").
An instance whose trigger was deleted (auto-deploy off) gets nothing.
"""

from __future__ import annotations

from typing import Any

import pathspec

from railway_emulator.repos import COMMIT_SHA, RepoError
from railway_emulator.resolvers.deployments import approve, deploy, settings_snapshot, skip
from railway_emulator.state import State

CONCLUSIONS = ("success", "failure")

WATCH_SKIP = "no changed file matches the watch patterns"
CHECKS_FAILED = "a check suite of the commit failed"


def watched(patterns: list[str], changed: list[str]) -> list[str]:
    """The changed paths (from the repository root) that the gitignore-style patterns match."""
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    return [path for path in changed if spec.match_file(path)]


def push(state: State, repo: str, branch: str) -> dict[str, Any]:
    try:
        head = state.repos.head(repo, branch)
        old = state.branch_heads.get((repo, branch))
        changed = state.repos.changed_files(repo, old, head)
    except RepoError as error:
        raise ValueError(str(error)) from error
    state.branch_heads[(repo, branch)] = head
    services: list[dict[str, Any]] = []
    triggered: set[tuple[str, str]] = set()
    for trigger in list(state.deployment_triggers.values()):
        if (trigger.repository, trigger.branch) != (repo, branch) or not state.visible(trigger.project_id):
            continue
        instance = state.instances.get((trigger.service_id, trigger.environment_id))
        if instance is None or (trigger.service_id, trigger.environment_id) in triggered:
            continue
        triggered.add((trigger.service_id, trigger.environment_id))
        row: dict[str, Any] = {
            "serviceId": instance.service_id,
            "serviceName": state.services[instance.service_id].name,
            "environmentId": instance.environment_id,
        }
        meta = settings_snapshot(state, instance)
        source = meta["serviceManifest"]["source"]
        # The push builds the trigger's repository and branch at the new head.
        source.update(repo=repo, branch=branch, commitSha=None)
        meta.update(repo=repo, branch=branch, commitHash=head, commitMessage=f"a push to {branch}")
        patterns = list(instance.watch_patterns)
        if patterns and not watched(patterns, changed):
            found = deploy(state, instance, "push", meta=meta, skipped=WATCH_SKIP)
            row.update(skipped=found.id, why=WATCH_SKIP)
        else:
            found = deploy(state, instance, "push", meta=meta, hold="WAITING" if trigger.check_suites else None)
            if trigger.check_suites:
                found.waiting_for = (repo, head)
                row["waiting"] = "check suites"
            row["deployed"] = found.id
        services.append(row)
    for instance in list(state.instances.values()):
        key = (instance.service_id, instance.environment_id)
        service = state.services.get(instance.service_id)
        if key in triggered or service is None or not state.visible(service.project_id):
            continue
        if (instance.source or {}).get("repo") == repo:
            services.append(
                {
                    "serviceId": instance.service_id,
                    "serviceName": service.name,
                    "environmentId": instance.environment_id,
                    "noTrigger": True,
                }
            )
    return {"repo": repo, "branch": branch, "commit": head, "previous": old, "changed": changed, "services": services}


def checks(state: State, repo: str, sha: str, conclusion: str) -> dict[str, Any]:
    if conclusion not in CONCLUSIONS:
        raise ValueError(f"conclusion must be one of {', '.join(CONCLUSIONS)}, not {conclusion!r}")
    if not COMMIT_SHA.match(sha):
        raise ValueError(f"sha {sha!r} is not a git commit SHA (7 to 40 hex digits)")
    released: list[str] = []
    skipped: list[str] = []
    for deployment in list(state.deployments.values()):
        waiting = deployment.waiting_for
        if waiting is None or deployment.start_ts is not None or deployment.skipped is not None:
            continue
        if waiting[0] != repo or not waiting[1].startswith(sha.lower()):
            continue
        if conclusion == "success":
            approve(state, deployment)
            released.append(deployment.id)
        else:
            skip(state, deployment, CHECKS_FAILED)
            skipped.append(deployment.id)
    return {"repo": repo, "sha": sha, "conclusion": conclusion, "proceeded": released, "skipped": skipped}
