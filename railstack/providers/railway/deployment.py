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
from dataclasses import dataclass, field, replace
from typing import Any

from railstack.providers.railway._base import CREATE_ATTEMPTS, Created, DiffResult, Handler, Where, dig
from railstack.providers.railway.client import AmbiguousWriteError, RailwayError
from railstack.providers.railway.progress import PROGRESS
from railstack.providers.railway.schema import Props, State, prop
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

    ours: set[str] = field(default_factory=set[str])
    """The deployments railstack started for it."""
    commit_pending: bool = False
    """Its commit's deployment had not shown when the release deployed itself."""


def _indent(lines: list[str]) -> str:
    return "\n".join(f"    {line}" for line in lines)


def _pace(args: ServiceDeploymentArgs) -> float | None:
    value = args.poll_seconds
    return None if value is None else float(value)


def _railway_started(node: dict[str, Any], repo: bool) -> bool:
    """A deployment Railway started from the token's own writes (not a push or an image update). A
    repo source's deployments all carry their commit, so there only the reason tells a push apart."""
    meta: dict[str, Any] = node.get("meta") or {}
    if node.get("creator") is None or meta.get("reason") in ("redeploy", "push"):
        return False
    return repo or not meta.get("commitHash")


def _origin(node: dict[str, Any]) -> str:
    """Who started a deployment, as far as its record says."""
    meta: dict[str, Any] = node.get("meta") or {}
    creator: dict[str, Any] = node.get("creator") or {}
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


def _source(args: ServiceDeploymentArgs) -> dict[str, str | None]:
    repo = args.source_repo
    source = {"image": args.source_image, "repo": repo, "branch": args.branch if repo else None}
    if repo and args.commit_sha:
        # The CLI's ServiceSource carries the pinned commit (src/controllers/config/environment.rs).
        source["commitSha"] = args.commit_sha
    return source


def _limits(args: ServiceDeploymentArgs) -> dict[str, Any] | None:
    cpu, memory = args.vcpus, args.memory_gb
    if cpu is None and memory is None:
        return None
    containers: dict[str, Any] = {}
    if cpu is not None:
        containers["cpu"] = float(cpu)
    if memory is not None:
        # Railway counts memory in bytes, GB as 10^9 (the CLI's example: 2 GB = 2_000_000_000).
        containers["memoryBytes"] = int(round(float(memory) * 1e9))
    return containers


def _blank(value: Any) -> Any:
    return None if value == "" else value


def _texts(triggers: dict[str, Any] | None) -> dict[str, str]:
    return {k: str(v) for k, v in (triggers or {}).items()}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _auto_deploy(value: Any) -> bool:
    return value is not False  # Railway's default: a connected branch deploys its pushes


class ServiceDeploymentArgs(Props):
    service_id: str = prop("The service.", change="replace", compare_as=_blank)
    environment_id: str = prop("The environment.", change="replace", compare_as=_blank)
    project_id: str = prop("The project.")
    triggers: dict[str, str] | None = prop(
        "Values whose change means a new release (revisions of settings, variables, secrets).",
        change="update",
        compare_as=_texts,
        default=None,
    )
    source_image: str | None = prop(
        "The image to deploy (or sourceRepo).", change="update", compare_as=_blank, default=None
    )
    source_repo: str | None = prop(
        "A GitHub repo to deploy (owner/name), with `branch`.", change="update", compare_as=_blank, default=None
    )
    branch: str | None = prop("The branch of `sourceRepo`.", change="update", compare_as=_blank, default=None)
    commit_sha: str | None = prop(
        "Deploy this commit of `sourceRepo` (a full SHA); unset: the commit Railway associates with the service.",
        change="update",
        compare_as=_blank,
        default=None,
    )
    auto_deploy: bool | None = prop(
        "Railway deploys pushes to `branch` by itself (the instance's deployment trigger; default true).",
        change="update",
        compare_as=_auto_deploy,
        default=None,
    )
    check_suites: bool | None = prop(
        "A push deploys only after the commit's GitHub checks pass (Wait for CI).",
        change="update",
        compare_as=bool,
        default=None,
    )
    vcpus: float | None = prop("CPU limit per replica (vCPUs).", change="update", compare_as=_number, default=None)
    memory_gb: float | None = prop("Memory limit per replica (GB).", change="update", compare_as=_number, default=None)
    service_name: str | None = prop("The service's name, for messages.", default=None)
    stack: str | None = prop("The Pulumi stack, for messages.", default=None)
    wait: bool | None = prop("Wait until the deployment is live (default true).", default=None)
    timeout_seconds: float | None = prop("How long to wait for the deployment (default 600).", default=None)
    poll_seconds: float | None = prop(
        "The shortest interval between two status reads while this release waits (default 2; one watch per "
        "provider process reads every awaited deployment in one request, backing off to 30 s).",
        default=None,
    )
    register_wait_seconds: float | None = prop(
        "How long the release waits for the deployment its commit started to show before it deploys itself "
        "(default 30; Railway registers deployments asynchronously).",
        default=None,
    )


class ServiceDeploymentState(State[ServiceDeploymentArgs]):
    deployment_id: str = prop("The release's deployment.", derived=True)
    status: str = prop("The deployment's last status seen.", derived=True)


def _who(args: ServiceDeploymentArgs) -> str:
    return f"{args.stack or 'stack'}: service {args.service_name or args.service_id}"


class ServiceDeploymentProvider(Handler[ServiceDeploymentArgs, ServiceDeploymentState]):
    TYPE = "ServiceDeployment"
    DESCRIPTION = (
        "A service's release: its source and CPU/memory limits, then exactly one deployment, waited for until "
        "live. Runs again only when a trigger value, the source or the limits change."
    )
    IMPORT_ID = "<serviceId>:<environmentId> (the instance's latest deployment)"
    STATE = ServiceDeploymentState

    #: Status reads keep the set interval this long, then the interval grows to MAX_POLL_SECONDS.
    STEADY_POLL_SECONDS = 60.0
    MAX_POLL_SECONDS = 10.0

    def check(self, news: ServiceDeploymentArgs) -> list[tuple[str, str]]:
        failures = super().check(news)
        if news.source_image and news.source_repo:
            failures.append(("source_repo", "set sourceImage or sourceRepo, not both"))
        if news.source_repo and not news.branch:
            failures.append(("branch", "a repo source needs a branch (Railway never deploys one without)"))
        commit = news.commit_sha
        if commit and not news.source_repo:
            failures.append(("commit_sha", "a commit pins a repo source; set sourceRepo"))
        if commit and not re.fullmatch(r"[0-9a-f]{40}", str(commit)):
            failures.append(("commit_sha", f"{commit!r} is not a full 40-character commit SHA"))
        if not news.source_repo and (news.auto_deploy is not None or news.check_suites is not None):
            failures.append(("auto_deploy", "autoDeploy and checkSuites are a repo source's; set sourceRepo"))
        return failures

    def diff(self, id_: str, olds: ServiceDeploymentState, news: ServiceDeploymentArgs) -> DiffResult:
        # An imported release has no triggers: what it was made of is unknown, so the program's are
        # taken as they are (its source and limits are still compared).
        if olds.args.triggers is None:
            news = replace(news, triggers=None)
        return super().diff(id_, olds, news)

    def import_state(self, import_id: str) -> tuple[str, ServiceDeploymentState]:
        service_id, environment_id = self.split_id(import_id, 2)
        blank = self.blank()
        args = replace(blank.args, service_id=service_id, environment_id=environment_id)
        latest = self._latest(args)
        if latest is None:
            raise RailwayError("import", f"service {service_id} has no deployment in environment {environment_id}")
        return latest, replace(blank, args=replace(args, project_id=self.project_of(environment_id)))

    # -- the release ----------------------------------------------------------------------------
    def _ids(self, args: ServiceDeploymentArgs) -> dict[str, str]:
        return {"serviceId": args.service_id, "environmentId": args.environment_id}

    def _latest(self, args: ServiceDeploymentArgs) -> str | None:
        data = self.client.execute("ServiceInstanceLatestDeployment", self._ids(args))
        latest = dig(data, "serviceInstance", "latestDeployment")
        return latest["id"] if latest else None

    def _patch(self, args: ServiceDeploymentArgs, olds: ServiceDeploymentArgs | None) -> dict[str, Any]:
        """What of the source and limits must be written: all of it on create, the changes on update."""
        service: dict[str, Any] = {}
        if olds is None or any(olds.compared(k) != args.compared(k) for k in SOURCE_KEYS):
            service["source"] = _source(args)
            if olds is not None and olds.commit_sha and not args.commit_sha:
                service["source"]["commitSha"] = None  # unpinned: back to the branch's head
        limits = _limits(args)
        if (olds is None and limits is not None) or (olds is not None and limits != _limits(olds)):
            service["deploy"] = {"limitOverride": {"containers": limits} if limits else None}
        return service

    def _applied(self, args: ServiceDeploymentArgs, patch: dict[str, Any]) -> bool:
        """Whether the environment's config already holds `patch` (after a lost answer)."""
        data = self.client.execute("EnvironmentConfig", {"id": args.environment_id})
        config: dict[str, Any] = dig(data, "environment", "config", "services", args.service_id) or {}
        if "source" in patch:
            source: dict[str, Any] = config.get("source") or {}
            if any((source.get(k) or None) != (v or None) for k, v in patch["source"].items()):
                return False
        if "deploy" in patch:
            current = dig(config, "deploy", "limitOverride", "containers")
            wanted = dig(patch, "deploy", "limitOverride", "containers")
            if (current or None) != (wanted or None):
                return False
        return True

    def _commit(self, args: ServiceDeploymentArgs, patch: dict[str, Any]) -> None:
        variables = {
            "environmentId": args.environment_id,
            "patch": {"services": {args.service_id: patch}},
            "commitMessage": f"railstack: release {args.service_name or args.service_id}",
        }
        self.write("EnvironmentPatchCommit", variables, verify=lambda: self._applied(args, patch))

    def _registered(self, args: ServiceDeploymentArgs, before: str | None, wait: float) -> str | None:
        """The instance's first deployment newer than `before`, waited for up to `wait` seconds:
        Railway registers a deployment asynchronously (docs/railway-api.md, "Deployments register
        late"; railwayapp/cli PR #743)."""
        deadline = time.monotonic() + wait
        key = ("instance", args.service_id, args.environment_id)
        try:
            while True:
                latest = self.session.watch.latest(args.service_id, args.environment_id, _pace(args))
                if latest is not None and latest["id"] != before:
                    return latest["id"]
                if time.monotonic() >= deadline:
                    return None
        finally:
            self.session.watch.done(key)

    # -- auto-deploy: the instance's deployment trigger ---------------------------------------------
    def _triggers(self, args: ServiceDeploymentArgs) -> list[dict[str, Any]]:
        data = self.client.execute(
            "DeploymentTriggers",
            {"projectId": args.project_id, **self._ids(args)},
        )
        return [edge["node"] for edge in data["deploymentTriggers"]["edges"]]

    def _set_triggers(self, args: ServiceDeploymentArgs) -> None:
        """Make the instance's deployment trigger what `autoDeploy` and `checkSuites` say: Railway may
        have made one when the repo was connected, or not (docs/railway-api.md, "Auto-deploys and watch
        paths"), so it is read first and only what differs is written. Writing a trigger deploys nothing."""
        if not args.source_repo:
            return
        wanted = args.auto_deploy is not False
        check_suites = bool(args.check_suites)
        triggers = self._triggers(args)

        def delete(trigger_id: str) -> None:
            gone = lambda: all(t["id"] != trigger_id for t in self._triggers(args))  # noqa: E731
            self.write("DeploymentTriggerDelete", {"id": trigger_id}, verify=gone)

        if not wanted:
            for trigger in triggers:
                delete(trigger["id"])
            return
        ours = [t for t in triggers if t.get("branch") == args.branch and t.get("repository") == args.source_repo]
        for trigger in triggers:
            if trigger not in ours[:1]:
                # A trigger of another branch or repository would deploy what railstack does not release.
                delete(trigger["id"])
        if not ours:
            self.write(
                "DeploymentTriggerCreate",
                {
                    "input": {
                        "projectId": args.project_id,
                        **self._ids(args),
                        "provider": "github",
                        "repository": args.source_repo,
                        "branch": args.branch,
                        "checkSuites": check_suites,
                    }
                },
                verify=lambda: any(t.get("branch") == args.branch for t in self._triggers(args)),
            )
        elif bool(ours[0].get("checkSuites")) != check_suites:
            self.client.execute(
                "DeploymentTriggerUpdate", {"id": ours[0]["id"], "input": {"checkSuites": check_suites}}
            )

    def _release(self, args: ServiceDeploymentArgs, olds: ServiceDeploymentArgs | None) -> ServiceDeploymentState:
        before = self._latest(args)
        patch = self._patch(args, olds)
        release = _Release()
        deployment_id = None
        wait = float(args.register_wait_seconds or REGISTER_WAIT_SECONDS)
        if patch:
            # A committed patch deploys every service whose source or deploy settings it touches
            # (docs deployments/staged-changes.md): that deployment is the release's, once it shows.
            self._commit(args, patch)
        self._set_triggers(args)
        if patch:
            deployment_id = self._registered(args, before, wait)
            release.commit_pending = deployment_id is None
        if deployment_id is None:
            deployment_id = self._deploy(args, before, wait)
        release.ours.add(deployment_id)
        deployment_id, status = self._wait(args, deployment_id, release)
        return ServiceDeploymentState(args=args, deployment_id=deployment_id, status=status)

    def _deploy(self, args: ServiceDeploymentArgs, before: str | None, wait: float) -> str:
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return self.client.execute("ServiceInstanceDeploy", {**self._ids(args), "commitSha": args.commit_sha})[
                    "serviceInstanceDeployV2"
                ]
            except AmbiguousWriteError:
                # The deploy may have started; if it did, its deployment shows as the instance's newest
                # once Railway has registered it: wait for that before deploying again.
                found = self._registered(args, before, wait)
                if found is not None:
                    return found
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    # -- waiting --------------------------------------------------------------------------------
    def _status(self, deployment_id: str) -> str:
        return self.client.execute("Deployment", {"id": deployment_id})["deployment"]["status"]

    def _wait(self, args: ServiceDeploymentArgs, deployment_id: str, release: _Release) -> tuple[str, str]:
        """Follow the release's deployment to its end: (the deployment that went live, its status)."""
        if args.wait is False:
            return deployment_id, self._status(deployment_id)
        timeout = float(args.timeout_seconds or 600)
        started = time.monotonic()
        approved: set[str] = set()
        watch = self.session.watch
        shown = None
        try:
            while True:
                status = watch.status(deployment_id, _pace(args))["status"]
                waited = time.monotonic() - started
                if (deployment_id, status) != shown:
                    shown = (deployment_id, status)
                    PROGRESS.report(self.urn, f"deployment {deployment_id[:8]}: {status} ({waited:.0f} s)")
                if status in LIVE:
                    return deployment_id, status
                if status in REPLACED:
                    deployment_id = self._successor(args, deployment_id, release, waited)
                    continue
                if status in APPROVAL:
                    if not (self.approve_deployments and deployment_id in release.ours):
                        raise self._held(args, deployment_id, status, waited)
                    if deployment_id not in approved:
                        self.client.execute("DeploymentApprove", {"id": deployment_id})
                        approved.add(deployment_id)
                if status in ENDED_BADLY:
                    raise self._failure(args, deployment_id, status, waited)
                if waited >= timeout:
                    raise self._failure(
                        args, deployment_id, f"still {status} after the timeout of {timeout:.0f} s", waited
                    )
        finally:
            watch.done(*(("deployment", d) for d in release.ours))

    def _successor(self, args: ServiceDeploymentArgs, deployment_id: str, release: _Release, waited: float) -> str:
        """The deployment that replaced `deployment_id` when it is railstack's; else the release fails
        naming who replaced it."""
        data = self.client.execute("InstanceDeployments", {**self._ids(args), "first": 10})
        nodes = [edge["node"] for edge in data["deployments"]["edges"]]
        ids = [node["id"] for node in nodes]
        newer = nodes[: ids.index(deployment_id)] if deployment_id in ids else nodes[:1]
        if not newer:
            raise self._failure(args, deployment_id, "REMOVED", waited)
        newest = newer[0]
        if newest["id"] in release.ours:
            return newest["id"]
        repo = bool(args.source_repo)
        if release.commit_pending and all(node["id"] in release.ours or _railway_started(node, repo) for node in newer):
            # The release's own commit deployed after all, later than it was waited for.
            release.commit_pending = False
            release.ours.add(newest["id"])
            return newest["id"]
        who = _who(args)
        raise DeploymentFailed(
            "ServiceInstanceDeploy",
            f"{who}: railstack's deployment {deployment_id} was replaced by deployment {newest['id']}, which railstack "
            f"did not start ({_origin(newest)}); nothing railstack released is live. Let that deployment finish or stop "
            "what starts it (a GitHub push with Auto Deploy on, an image auto-update, a redeploy from the dashboard), "
            "then run `pulumi up` again.",
        )

    def _held(self, args: ServiceDeploymentArgs, deployment_id: str, status: str, waited: float) -> DeploymentFailed:
        who = _who(args)
        return DeploymentFailed(
            "ServiceInstanceDeploy",
            f"{who}: deployment {deployment_id} is {status}: Railway holds it until someone approves it, because the "
            "token's user may not deploy on its own (it lacks the Deployer role in the workspace, or has no GitHub "
            "account linked; docs projects/workspaces.md). Approve it in Railway's dashboard, or give the token's "
            "user the Deployer role and link its GitHub account, or let railstack approve its own deployments with "
            "`pulumi config set railway:approveDeployments true`; then run `pulumi up` again.",
        )

    def _failure(self, args: ServiceDeploymentArgs, deployment_id: str, status: str, waited: float) -> DeploymentFailed:
        who = _who(args)
        secrets = self._secrets(args)
        # A deployment that failed before DEPLOYING has its reason in the build log (railwayapp/cli PR #1222).
        build = self._log_tail("BuildLogs", "buildLogs", deployment_id, secrets)
        runtime = self._log_tail("DeploymentLogs", "deploymentLogs", deployment_id, secrets)
        parts: list[str] = []
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
        entries: list[dict[str, Any]] = logs.get(field_name) or []
        return [redact(str(entry.get("message", "")), secrets) for entry in entries][-LOG_LINES:]

    def _secrets(self, args: ServiceDeploymentArgs) -> list[str]:
        """Every value the service sees that must not be shown: the environment's shared variables
        (railstack's generated secrets) and the service's secret-looking variables, rendered."""
        scope = {"projectId": args.project_id, "environmentId": args.environment_id}
        found: list[str] = []
        try:
            shared: dict[str, Any] = (
                self.client.execute("RenderedVariables", {**scope, "serviceId": None})["variables"] or {}
            )
            rendered: dict[str, Any] = (
                self.client.execute("RenderedVariables", {**scope, "serviceId": args.service_id})["variables"] or {}
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
    def create(self, args: ServiceDeploymentArgs) -> Created[ServiceDeploymentState]:
        state = self._release(args, None)
        return Created(state.deployment_id, state)

    def update(self, id_: str, olds: ServiceDeploymentState, news: ServiceDeploymentArgs) -> ServiceDeploymentState:
        changed = {k for k in self.UPDATE_ON if olds.args.compared(k) != news.compared(k)}
        if changed and changed <= set(TRIGGER_KEYS):
            # Only auto-deploy changed: the trigger is written, nothing is deployed.
            self._set_triggers(news)
            return ServiceDeploymentState(args=news, deployment_id=olds.deployment_id or id_, status=olds.status)
        return self._release(news, olds.args)

    def read(self, id_: str, state: ServiceDeploymentState) -> ServiceDeploymentState | None:
        given = state.args
        where = Where(project_id=given.project_id, environment_id=given.environment_id, service_id=given.service_id)
        data = self.read_or_gone("Deployment", {"id": state.deployment_id or id_}, where)
        deployment = dig(data, "deployment")
        if deployment is None:
            return None
        current = given
        instance = dig(self.read_or_gone("ServiceInstanceLatestDeployment", self._ids(given), where), "serviceInstance")
        if instance is not None:
            source: dict[str, Any] = instance.get("source") or {}
            current = replace(current, source_image=source.get("image"), source_repo=source.get("repo"))
            config = self.client.execute("EnvironmentConfig", {"id": given.environment_id})
            service: dict[str, Any] = dig(config, "environment", "config", "services", given.service_id) or {}
            if source.get("repo"):
                branch = dig(service, "source", "branch")
                triggers = [t for t in self._triggers(given) if t.get("branch") == branch]
                current = replace(
                    current,
                    branch=branch,
                    auto_deploy=bool(triggers),
                    check_suites=bool(triggers and triggers[0].get("checkSuites")),
                )
                latest: dict[str, Any] = instance.get("latestDeployment") or {}
                deployed = dig(latest, "meta", "commitHash")
                ended = ENDED_BADLY | REPLACED
                if given.commit_sha and deployed and deployed != given.commit_sha and latest.get("status") not in ended:
                    # Railway deployed another commit (a push with auto-deploy on): the pin wins at the next up.
                    current = replace(current, commit_sha=deployed)
            containers: dict[str, Any] = dig(service, "deploy", "limitOverride", "containers") or {}
            memory = containers.get("memoryBytes")
            remote = {"vcpus": containers.get("cpu"), "memory_gb": None if memory is None else round(memory / 1e9, 6)}
            # Keep the program's spelling when Railway's value means the same, so no diff appears.
            changed = {k: v for k, v in remote.items() if given.compare(k, v) != given.compared(k)}
            current = replace(current, **changed)
        return ServiceDeploymentState(args=current, deployment_id=id_, status=deployment["status"])

    def delete(self, id_: str, state: ServiceDeploymentState) -> None:
        # Deployments are history; they go with their service.
        return None
