"""Railway deployment step: a service's release — its source and limits, then exactly one deployment,
then waiting until Railway says the deployment is live.

Everything that might deploy by itself is written here, last, after the service's settings,
variables (written with skipDeploys) and volume exist (the step depends on them):

- the source (image, or repo with its branch) and the CPU/memory limits go in one
  `environmentPatchCommit`, the way Railway's CLI writes both (src/controllers/config/environment.rs:
  `source {image, repo, branch}`, `deploy.limitOverride.containers {cpu, memoryBytes}`). A committed
  patch deploys every service whose source or deploy settings it touches (docs
  deployments/staged-changes.md: only the staged variant skips deploys), and Railway registers that
  deployment asynchronously (railwayapp/cli PR #743). So the step notes the instance's latest
  deployment before the commit and waits, bounded (`registerWaitSeconds`, 30 s), for a newer one:
  that is the release's deployment. Only when none shows, or when nothing was committed (a trigger
  changed alone), does `serviceInstanceDeployV2` start one. Never both.
- a lost answer (timeout, 5xx after the request went out) is resolved by looking again, never by
  writing blindly: a patch is checked against the environment's config, a deploy by waiting, bounded
  as above, for the deployment it may have started to show.

Then the step follows the deployment through the process's deployment watch (watch.py: one request
per tick for every awaited deployment, 2 s backing off to 30 s, paced on Railway's request budget)
until it is terminal (docs/railway-api.md, "Deployments take time and fail"):
- SUCCESS ends the step;
- REMOVING/REMOVED: a newer deployment of the service replaced it. The step follows the newer one when
  railstack started it; when something else did (a GitHub push, an image update, a redeploy from the
  dashboard) it fails naming it;
- NEEDS_APPROVAL/WAITING: Railway holds it for approval (the token's user lacks the Deployer role or a
  linked GitHub account); the step fails at once naming the remedy, or, with
  `railway:approveDeployments`, approves railstack's own deployment (`deploymentApprove`);
- FAILED, CRASHED, SKIPPED or the role's timeout fail it with the stack, the service, the status and
  the last lines of the build log (where a build failure's reason is: railwayapp/cli PR #1222) and of
  the deploy log, with every secret the service sees redacted.
A failed step fails `pulumi up`, and the engine deploys nothing that depends on it: workers and beat
keep their previous deployment when the API's fails.

The step runs again only when a trigger (revisions of the settings, variables, secrets), the source
or the limits change.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from railstack.providers.railway._base import (
    CREATE_ATTEMPTS,
    CreateResult,
    DictProvider,
    DiffResult,
    ReadResult,
    UpdateResult,
    Where,
)
from railstack.providers.railway.client import AmbiguousWriteError, RailwayError
from railstack.providers.railway.progress import PROGRESS
from railstack.providers.railway.schema import Prop, map_of
from railstack.redaction import URL_PASSWORD, names_secret, redact

SOURCE_KEYS = ("source_image", "source_repo", "branch", "commit_sha")
#: A repo source's auto-deploy: its deployment trigger, written without deploying.
TRIGGER_KEYS = ("auto_deploy", "check_suites")
LIMIT_KEYS = ("vcpus", "memory_gb")

#: Statuses after which a deployment changes no more (the schema's DeploymentStatus).
LIVE = frozenset({"SUCCESS", "SLEEPING"})
ENDED_BADLY = frozenset({"FAILED", "CRASHED", "SKIPPED"})
#: A newer deployment replaced it (docs/railway-api.md, "Superseded deployments").
REPLACED = frozenset({"REMOVING", "REMOVED"})
#: Railway holds it for approval (docs projects/workspaces.md, deployments/manage-deployments.md).
APPROVAL = frozenset({"WAITING", "NEEDS_APPROVAL"})

#: How long a release waits for the deployment its commit started to show before deploying itself.
REGISTER_WAIT_SECONDS = 30.0

#: Log lines quoted in a failure message.
LOG_LINES = 20


@dataclass
class _Release:
    """What one release knows of its deployments."""

    ours: set[str] = field(default_factory=set)
    """The deployments railstack started for it."""
    commit_pending: bool = False
    """Its commit's deployment had not shown when the release deployed itself."""


def _indent(lines: list[str]) -> str:
    return "\n".join(f"    {line}" for line in lines)


def _pace(props: dict[str, Any]) -> float | None:
    value = props.get("poll_seconds")
    return None if value is None else float(value)


def _railway_started(node: dict[str, Any], repo: bool) -> bool:
    """A deployment Railway started from the token's own writes (not a push or an image update). A
    repo source's deployments all carry their commit, so there only the reason tells a push apart."""
    meta = node.get("meta") or {}
    if node.get("creator") is None or meta.get("reason") in ("redeploy", "push"):
        return False
    return repo or not meta.get("commitHash")


def _origin(node: dict[str, Any]) -> str:
    """Who started a deployment, as far as its record says."""
    meta = node.get("meta") or {}
    creator = node.get("creator") or {}
    if meta.get("commitHash") and (meta.get("reason") == "push" or not creator):
        return f"a GitHub push of commit {str(meta['commitHash'])[:12]}"
    if not creator:
        return "Railway itself, e.g. an image auto-update"
    return (
        f"{meta.get('reason') or 'a deploy'} by {creator.get('email') or creator.get('name') or 'a workspace member'}"
    )


class DeploymentFailed(RailwayError):
    """A deployment did not go live; the message names the stack, the service, the status and the
    log's last lines (redacted)."""


def _source(props: dict[str, Any]) -> dict[str, str | None]:
    repo = props.get("source_repo")
    source = {"image": props.get("source_image"), "repo": repo, "branch": props.get("branch") if repo else None}
    if repo and props.get("commit_sha"):
        # The CLI's ServiceSource carries the pinned commit (src/controllers/config/environment.rs).
        source["commitSha"] = props["commit_sha"]
    return source


def _limits(props: dict[str, Any]) -> dict[str, Any] | None:
    cpu, memory = props.get("vcpus"), props.get("memory_gb")
    if cpu is None and memory is None:
        return None
    containers: dict[str, Any] = {}
    if cpu is not None:
        containers["cpu"] = float(cpu)
    if memory is not None:
        # Railway counts memory in bytes, GB as 10^9 (the CLI's example: 2 GB = 2_000_000_000).
        containers["memoryBytes"] = int(round(float(memory) * 1e9))
    return containers


class ServiceDeploymentProvider(DictProvider):
    TYPE = "ServiceDeployment"
    DESCRIPTION = (
        "A service's release: its source and CPU/memory limits, then exactly one deployment, waited for until "
        "live. Runs again only when a trigger value, the source or the limits change."
    )
    IMPORT_ID = "<serviceId>:<environmentId> (the instance's latest deployment)"
    INPUTS = {
        "service_id": Prop("string", "The service.", required=True, change="replace"),
        "environment_id": Prop("string", "The environment.", required=True, change="replace"),
        "project_id": Prop("string", "The project.", required=True),
        "triggers": Prop(
            map_of("string"),
            "Values whose change means a new release (revisions of settings, variables, secrets).",
            change="update",
        ),
        "source_image": Prop("string", "The image to deploy (or sourceRepo).", change="update"),
        "source_repo": Prop("string", "A GitHub repo to deploy (owner/name), with `branch`.", change="update"),
        "branch": Prop("string", "The branch of `sourceRepo`.", change="update"),
        "commit_sha": Prop(
            "string",
            "Deploy this commit of `sourceRepo` (a full SHA); unset: the commit Railway associates with the service.",
            change="update",
        ),
        "auto_deploy": Prop(
            "boolean",
            "Railway deploys pushes to `branch` by itself (the instance's deployment trigger; default true).",
            change="update",
        ),
        "check_suites": Prop(
            "boolean", "A push deploys only after the commit's GitHub checks pass (Wait for CI).", change="update"
        ),
        "vcpus": Prop("number", "CPU limit per replica (vCPUs).", change="update"),
        "memory_gb": Prop("number", "Memory limit per replica (GB).", change="update"),
        "service_name": Prop("string", "The service's name, for messages."),
        "stack": Prop("string", "The Pulumi stack, for messages."),
        "wait": Prop("boolean", "Wait until the deployment is live (default true)."),
        "timeout_seconds": Prop("number", "How long to wait for the deployment (default 600)."),
        "poll_seconds": Prop(
            "number",
            "The shortest interval between two status reads while this release waits (default 2; one watch per "
            "provider process reads every awaited deployment in one request, backing off to 30 s).",
        ),
        "register_wait_seconds": Prop(
            "number",
            "How long the release waits for the deployment its commit started to show before it deploys itself "
            "(default 30; Railway registers deployments asynchronously).",
        ),
    }
    OUTPUTS = {
        "deployment_id": Prop("string", "The release's deployment.", derived=True, required=True),
        "status": Prop("string", "The deployment's last status seen.", derived=True, required=True),
    }

    #: Status reads keep the set interval this long, then the interval grows to MAX_POLL_SECONDS.
    STEADY_POLL_SECONDS = 60.0
    MAX_POLL_SECONDS = 10.0

    def normalize(self, key: str, value: Any) -> Any:
        if key == "triggers":
            return {k: str(v) for k, v in (value or {}).items()}
        if key in LIMIT_KEYS and value is not None:
            return float(value)
        if key == "auto_deploy":
            return value is not False  # Railway's default: a connected branch deploys its pushes
        if key == "check_suites":
            return bool(value)
        if value == "":
            return None
        return value

    def check(self, news: dict[str, Any]) -> list[tuple[str, str]]:
        failures = super().check(news)
        if news.get("source_image") and news.get("source_repo"):
            failures.append(("source_repo", "set sourceImage or sourceRepo, not both"))
        if news.get("source_repo") and not news.get("branch"):
            failures.append(("branch", "a repo source needs a branch (Railway never deploys one without)"))
        commit = news.get("commit_sha")
        if commit and not news.get("source_repo"):
            failures.append(("commit_sha", "a commit pins a repo source; set sourceRepo"))
        if commit and not re.fullmatch(r"[0-9a-f]{40}", str(commit)):
            failures.append(("commit_sha", f"{commit!r} is not a full 40-character commit SHA"))
        if not news.get("source_repo") and any(news.get(k) is not None for k in TRIGGER_KEYS):
            failures.append(("auto_deploy", "autoDeploy and checkSuites are a repo source's; set sourceRepo"))
        return failures

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # An imported release has no triggers: what it was made of is unknown, so the program's are
        # taken as they are (its source and limits are still compared).
        if "triggers" not in olds:
            news = {**news, "triggers": None}
        return super().diff(id_, olds, news)

    def import_props(self, import_id: str) -> tuple[str, dict[str, Any]]:
        service_id, environment_id = self.split_id(import_id, 2)
        props = {"service_id": service_id, "environment_id": environment_id}
        latest = self._latest(props)
        if latest is None:
            raise RailwayError("import", f"service {service_id} has no deployment in environment {environment_id}")
        return latest, {**props, "project_id": self.project_of(environment_id)}

    # -- the release ----------------------------------------------------------------------------
    def _ids(self, props: dict[str, Any]) -> dict[str, str]:
        return {"serviceId": props["service_id"], "environmentId": props["environment_id"]}

    def _latest(self, props: dict[str, Any]) -> str | None:
        data = self.client.execute("ServiceInstanceLatestDeployment", self._ids(props))
        latest = (data.get("serviceInstance") or {}).get("latestDeployment")
        return latest["id"] if latest else None

    def _patch(self, props: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        """What of the source and limits must be written: all of it on create, the changes on update."""
        service: dict[str, Any] = {}
        if olds is None or any(self.normalize(k, olds.get(k)) != self.normalize(k, props.get(k)) for k in SOURCE_KEYS):
            service["source"] = _source(props)
            if olds is not None and olds.get("commit_sha") and not props.get("commit_sha"):
                service["source"]["commitSha"] = None  # unpinned: back to the branch's head
        limits = _limits(props)
        if (olds is None and limits is not None) or (olds is not None and limits != _limits(olds)):
            service["deploy"] = {"limitOverride": {"containers": limits} if limits else None}
        return service

    def _applied(self, props: dict[str, Any], patch: dict[str, Any]) -> bool:
        """Whether the environment's config already holds `patch` (after a lost answer)."""
        data = self.client.execute("EnvironmentConfig", {"id": props["environment_id"]})
        config = ((data.get("environment") or {}).get("config") or {}).get("services", {}).get(
            props["service_id"]
        ) or {}
        if "source" in patch:
            current = config.get("source") or {}
            if any((current.get(k) or None) != (v or None) for k, v in patch["source"].items()):
                return False
        if "deploy" in patch:
            current = ((config.get("deploy") or {}).get("limitOverride") or {}).get("containers")
            wanted = (patch["deploy"]["limitOverride"] or {}).get("containers")
            if (current or None) != (wanted or None):
                return False
        return True

    def _commit(self, props: dict[str, Any], patch: dict[str, Any]) -> None:
        variables = {
            "environmentId": props["environment_id"],
            "patch": {"services": {props["service_id"]: patch}},
            "commitMessage": f"railstack: release {props.get('service_name') or props['service_id']}",
        }
        self.write("EnvironmentPatchCommit", variables, verify=lambda: self._applied(props, patch))

    def _registered(self, props: dict[str, Any], before: str | None, wait: float) -> str | None:
        """The instance's first deployment newer than `before`, waited for up to `wait` seconds:
        Railway registers a deployment asynchronously (docs/railway-api.md, "Deployments register
        late"; railwayapp/cli PR #743)."""
        deadline = time.monotonic() + wait
        key = ("instance", props["service_id"], props["environment_id"])
        try:
            while True:
                latest = self.session.watch.latest(props["service_id"], props["environment_id"], _pace(props))
                if latest is not None and latest["id"] != before:
                    return latest["id"]
                if time.monotonic() >= deadline:
                    return None
        finally:
            self.session.watch.done(key)

    # -- auto-deploy: the instance's deployment trigger ---------------------------------------------
    def _triggers(self, props: dict[str, Any]) -> list[dict[str, Any]]:
        data = self.client.execute(
            "DeploymentTriggers",
            {"projectId": props["project_id"], **self._ids(props)},
        )
        return [edge["node"] for edge in data["deploymentTriggers"]["edges"]]

    def _set_triggers(self, props: dict[str, Any]) -> None:
        """Make the instance's deployment trigger what `autoDeploy` and `checkSuites` say: Railway may
        have made one when the repo was connected, or not (docs/railway-api.md, "Auto-deploys and watch
        paths"), so it is read first and only what differs is written. Writing a trigger deploys nothing."""
        if not props.get("source_repo"):
            return
        wanted = props.get("auto_deploy") is not False
        check_suites = bool(props.get("check_suites"))
        triggers = self._triggers(props)

        def delete(trigger_id: str) -> None:
            gone = lambda: all(t["id"] != trigger_id for t in self._triggers(props))  # noqa: E731
            self.write("DeploymentTriggerDelete", {"id": trigger_id}, verify=gone)

        if not wanted:
            for trigger in triggers:
                delete(trigger["id"])
            return
        ours = [
            t for t in triggers if t.get("branch") == props["branch"] and t.get("repository") == props["source_repo"]
        ]
        for trigger in triggers:
            if trigger not in ours[:1]:
                # A trigger of another branch or repository would deploy what railstack does not release.
                delete(trigger["id"])
        if not ours:
            self.write(
                "DeploymentTriggerCreate",
                {
                    "input": {
                        "projectId": props["project_id"],
                        **self._ids(props),
                        "provider": "github",
                        "repository": props["source_repo"],
                        "branch": props["branch"],
                        "checkSuites": check_suites,
                    }
                },
                verify=lambda: any(t.get("branch") == props["branch"] for t in self._triggers(props)),
            )
        elif bool(ours[0].get("checkSuites")) != check_suites:
            self.client.execute(
                "DeploymentTriggerUpdate", {"id": ours[0]["id"], "input": {"checkSuites": check_suites}}
            )

    def _release(self, props: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        before = self._latest(props)
        patch = self._patch(props, olds)
        release = _Release()
        deployment_id = None
        wait = float(props.get("register_wait_seconds") or REGISTER_WAIT_SECONDS)
        if patch:
            # A committed patch deploys every service whose source or deploy settings it touches
            # (docs deployments/staged-changes.md): that deployment is the release's, once it shows.
            self._commit(props, patch)
        self._set_triggers(props)
        if patch:
            deployment_id = self._registered(props, before, wait)
            release.commit_pending = deployment_id is None
        if deployment_id is None:
            deployment_id = self._deploy(props, before, wait)
        release.ours.add(deployment_id)
        deployment_id, status = self._wait(props, deployment_id, release)
        return self.outputs(props, deployment_id=deployment_id, status=status)

    def _deploy(self, props: dict[str, Any], before: str | None, wait: float) -> str:
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return self.client.execute(
                    "ServiceInstanceDeploy", {**self._ids(props), "commitSha": props.get("commit_sha")}
                )["serviceInstanceDeployV2"]
            except AmbiguousWriteError:
                # The deploy may have started; if it did, its deployment shows as the instance's newest
                # once Railway has registered it: wait for that before deploying again.
                found = self._registered(props, before, wait)
                if found is not None:
                    return found
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    # -- waiting --------------------------------------------------------------------------------
    def _status(self, deployment_id: str) -> str:
        return self.client.execute("Deployment", {"id": deployment_id})["deployment"]["status"]

    def _wait(self, props: dict[str, Any], deployment_id: str, release: _Release) -> tuple[str, str]:
        """Follow the release's deployment to its end: (the deployment that went live, its status)."""
        if props.get("wait") is False:
            return deployment_id, self._status(deployment_id)
        timeout = float(props.get("timeout_seconds") or 600)
        started = time.monotonic()
        approved: set[str] = set()
        watch = self.session.watch
        shown = None
        try:
            while True:
                status = watch.status(deployment_id, _pace(props))["status"]
                waited = time.monotonic() - started
                if (deployment_id, status) != shown:
                    shown = (deployment_id, status)
                    PROGRESS.report(self.urn, f"deployment {deployment_id[:8]}: {status} ({waited:.0f} s)")
                if status in LIVE:
                    return deployment_id, status
                if status in REPLACED:
                    deployment_id = self._successor(props, deployment_id, release, waited)
                    continue
                if status in APPROVAL:
                    if not (self.approve_deployments and deployment_id in release.ours):
                        raise self._held(props, deployment_id, status, waited)
                    if deployment_id not in approved:
                        self.client.execute("DeploymentApprove", {"id": deployment_id})
                        approved.add(deployment_id)
                if status in ENDED_BADLY:
                    raise self._failure(props, deployment_id, status, waited)
                if waited >= timeout:
                    raise self._failure(
                        props, deployment_id, f"still {status} after the timeout of {timeout:.0f} s", waited
                    )
        finally:
            watch.done(*(("deployment", d) for d in release.ours))

    def _successor(self, props: dict[str, Any], deployment_id: str, release: _Release, waited: float) -> str:
        """The deployment that replaced `deployment_id` when it is railstack's; else the release fails
        naming who replaced it."""
        data = self.client.execute("InstanceDeployments", {**self._ids(props), "first": 10})
        nodes = [edge["node"] for edge in data["deployments"]["edges"]]
        ids = [node["id"] for node in nodes]
        newer = nodes[: ids.index(deployment_id)] if deployment_id in ids else nodes[:1]
        if not newer:
            raise self._failure(props, deployment_id, "REMOVED", waited)
        newest = newer[0]
        if newest["id"] in release.ours:
            return newest["id"]
        repo = bool(props.get("source_repo"))
        if release.commit_pending and all(node["id"] in release.ours or _railway_started(node, repo) for node in newer):
            # The release's own commit deployed after all, later than it was waited for.
            release.commit_pending = False
            release.ours.add(newest["id"])
            return newest["id"]
        who = f"{props.get('stack') or 'stack'}: service {props.get('service_name') or props['service_id']}"
        raise DeploymentFailed(
            "ServiceInstanceDeploy",
            f"{who}: railstack's deployment {deployment_id} was replaced by deployment {newest['id']}, which railstack "
            f"did not start ({_origin(newest)}); nothing railstack released is live. Let that deployment finish or stop "
            "what starts it (a GitHub push with Auto Deploy on, an image auto-update, a redeploy from the dashboard), "
            "then run `pulumi up` again.",
        )

    def _held(self, props: dict[str, Any], deployment_id: str, status: str, waited: float) -> DeploymentFailed:
        who = f"{props.get('stack') or 'stack'}: service {props.get('service_name') or props['service_id']}"
        return DeploymentFailed(
            "ServiceInstanceDeploy",
            f"{who}: deployment {deployment_id} is {status}: Railway holds it until someone approves it, because the "
            "token's user may not deploy on its own (it lacks the Deployer role in the workspace, or has no GitHub "
            "account linked; docs projects/workspaces.md). Approve it in Railway's dashboard, or give the token's "
            "user the Deployer role and link its GitHub account, or let railstack approve its own deployments with "
            "`pulumi config set railway:approveDeployments true`; then run `pulumi up` again.",
        )

    def _failure(self, props: dict[str, Any], deployment_id: str, status: str, waited: float) -> DeploymentFailed:
        who = f"{props.get('stack') or 'stack'}: service {props.get('service_name') or props['service_id']}"
        secrets = self._secrets(props)
        # A deployment that failed before DEPLOYING has its reason in the build log (railwayapp/cli PR #1222).
        build = self._log_tail("BuildLogs", "buildLogs", deployment_id, secrets)
        runtime = self._log_tail("DeploymentLogs", "deploymentLogs", deployment_id, secrets)
        parts = []
        if build:
            parts.append(f"Last {len(build)} build log lines (secrets redacted):\n" + _indent(build))
        if runtime or not build:
            parts.append(
                f"Last {len(runtime)} deploy log lines (secrets redacted):\n"
                + (_indent(runtime) or "    (no log lines)")
            )
        return DeploymentFailed(
            "ServiceInstanceDeploy",
            f"{who}: deployment {deployment_id} ended {status} ({waited:.0f} s); what deploys after it was not "
            "deployed and keeps its previous deployment. " + "\n".join(parts) + "\n"
            "  Fix the cause (see the service's build and deploy logs in Railway), then run `pulumi up` again.",
        )

    def _log_tail(self, operation: str, field_name: str, deployment_id: str, secrets: list[str]) -> list[str]:
        try:
            logs = self.client.execute(operation, {"deploymentId": deployment_id, "limit": LOG_LINES})
        except RailwayError as err:
            return [f"(the log could not be read: {err.railway_message})"]
        return [redact(str(entry.get("message", "")), secrets) for entry in logs.get(field_name) or []][-LOG_LINES:]

    def _secrets(self, props: dict[str, Any]) -> list[str]:
        """Every value the service sees that must not be shown: the environment's shared variables
        (railstack's generated secrets) and the service's secret-looking variables, rendered."""
        scope = {"projectId": props.get("project_id"), "environmentId": props["environment_id"]}
        found: list[str] = []
        try:
            shared = self.client.execute("RenderedVariables", {**scope, "serviceId": None})["variables"] or {}
            rendered = (
                self.client.execute("RenderedVariables", {**scope, "serviceId": props["service_id"]})["variables"] or {}
            )
        except (RailwayError, KeyError):
            return found
        found += [str(v) for v in shared.values()]
        for name, value in rendered.items():
            value = str(value)
            url = URL_PASSWORD.search(value)
            if url:
                found.append(url["password"])  # the host and user of a URL help to debug; its password never shows
            elif names_secret(name) or any(s and s in value for s in found):
                found.append(value)
        return found

    # -- the resource's life ----------------------------------------------------------------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._release(props, None)
        return CreateResult(id_=outs["deployment_id"], outs=outs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        changed = {k for k in self.UPDATE_ON if self.normalize(k, olds.get(k)) != self.normalize(k, news.get(k))}
        if changed and changed <= set(TRIGGER_KEYS):
            # Only auto-deploy changed: the trigger is written, nothing is deployed.
            self._set_triggers(news)
            return UpdateResult(
                outs=self.outputs(news, deployment_id=olds.get("deployment_id") or id_, status=olds.get("status"))
            )
        return UpdateResult(outs=self._release(news, olds))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        data = self.read_or_gone("Deployment", {"id": props.get("deployment_id") or id_}, Where.of(props))
        deployment = (data or {}).get("deployment")
        if deployment is None:
            return ReadResult(None, {})
        current = dict(props)
        instance = (self.read_or_gone("ServiceInstanceLatestDeployment", self._ids(props), Where.of(props)) or {}).get(
            "serviceInstance"
        )
        if instance is not None:
            source = instance.get("source") or {}
            current.update(source_image=source.get("image"), source_repo=source.get("repo"))
            config = self.client.execute("EnvironmentConfig", {"id": props["environment_id"]})
            service = (((config.get("environment") or {}).get("config") or {}).get("services") or {}).get(
                props["service_id"]
            ) or {}
            if source.get("repo"):
                current["branch"] = (service.get("source") or {}).get("branch")
                triggers = [t for t in self._triggers(props) if t.get("branch") == current["branch"]]
                current["auto_deploy"] = bool(triggers)
                current["check_suites"] = bool(triggers and triggers[0].get("checkSuites"))
                latest = instance.get("latestDeployment") or {}
                deployed = (latest.get("meta") or {}).get("commitHash")
                ended = ENDED_BADLY | REPLACED
                if (
                    props.get("commit_sha")
                    and deployed
                    and deployed != props["commit_sha"]
                    and latest.get("status") not in ended
                ):
                    # Railway deployed another commit (a push with auto-deploy on): the pin wins at the next up.
                    current["commit_sha"] = deployed
            containers = ((service.get("deploy") or {}).get("limitOverride") or {}).get("containers") or {}
            memory = containers.get("memoryBytes")
            remote = {"vcpus": containers.get("cpu"), "memory_gb": None if memory is None else round(memory / 1e9, 6)}
            for key, value in remote.items():
                if self.normalize(key, value) != self.normalize(key, props.get(key)):
                    current[key] = value
        return ReadResult(id_, self.outputs(current, deployment_id=id_, status=deployment["status"]))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Deployments are history; they go with their service.
        return None
