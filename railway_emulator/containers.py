"""Container mode: the emulator runs each deployment as Railway would, as containers on the local
Docker engine, through the Docker SDK for Python (never by parsing `docker` output).

What a deployment does here, and where Railway documents it:

- **Image.** The source's image, taken from the local engine only (no pulls); `--image-map SRC=DST`
  maps an image that exists only in a registry to a local one.
- **Repository build** (docs/railway-api.md, "Repository builds"): a repo source is built from the
  local git repository `--repo-map OWNER/NAME=PATH` maps it to (unmapped: FAILED, saying how to map
  it; no branch: FAILED, TF PR 21). The commit is the deployment's `meta.commitHash` (resolved when
  the deployment was recorded: the deploy's `commitSha`, else `source.commitSha`, else the branch
  head); its tree is exported with `git archive` into a scratch folder, never the working tree, and
  removed afterwards. The context is the root directory; the Dockerfile is `dockerfilePath` (or the
  service variable RAILWAY_DOCKERFILE_PATH) relative to it, or from the repository root with a
  leading `/`, else `Dockerfile` there (docs builds/dockerfiles.md); the guides' ambiguous form and a
  missing Dockerfile fail (the emulator never approximates Railpack or Nixpacks). Build args are the
  rendered and Railway-provided variables the Dockerfile declares with `ARG` ("Using variables at
  build time"). `docker build` runs through the SDK's low-level API, streamed into the build log
  (`buildLogs`) while BUILDING; a failed build ends FAILED with its error last, nothing runs and the
  previous deployment stays live. The image, tagged and labelled per deployment, then runs as an
  image source does, and goes with its deployment and the runtime's cleanup. `buildCommand` is not
  run by a Dockerfile build (a warning in the build log; the emulator's reading).
- **Start command** (docs deployments/start-command.md): for an image it replaces the image's
  ENTRYPOINT in exec form, split like a shell would split it but with no variable expansion
  (`shlex.split`); no start command runs the image's own ENTRYPOINT and CMD.
- **Variables** (docs variables/reference.md, "Railway-provided variables"): the service's variables
  rendered as Railway renders references (`resolvers/variables.render`), plus the variables Railway
  provides (RAILWAY_PRIVATE_DOMAIN, RAILWAY_SERVICE_NAME, RAILWAY_ENVIRONMENT_NAME, ...,
  RAILWAY_DEPLOYMENT_ID, and per container RAILWAY_REPLICA_ID and RAILWAY_REPLICA_REGION). The
  "user-provided configuration variables" of the same page, when the service sets them, take the
  place of their settings: RAILWAY_DEPLOYMENT_OVERLAP_SECONDS, RAILWAY_DEPLOYMENT_DRAINING_SECONDS,
  RAILWAY_HEALTHCHECK_TIMEOUT_SEC (docs deployments/deployment-teardown.md, healthchecks.md).
- **Private networking** (docs networking/private-networking.md): one network per project
  environment, in which `<service>.railway.internal` resolves to the service's containers.
- **Volume** (docs volumes/reference.md): a named Docker volume per volume instance, mounted at its
  mount path; it survives redeploys and goes with `volumeDelete` or the service.
- **Pre-deploy command** (docs deployments/pre-deploy-command.md): runs first, in a one-off container
  with the same image, variables, network and volume; a non-zero exit fails the deployment and
  nothing else starts.
- **Healthcheck** (docs deployments/healthchecks.md): `GET healthcheckPath` on `PORT`, with
  `Host: healthcheck.railway.app` (an app restricting hosts must allow it), until it answers 200 within `healthcheckTimeout` (Railway's default 300 s) → SUCCESS, else FAILED; without a
  healthcheck path, still running after a short settle time → SUCCESS. A container that exits later
  makes the deployment CRASHED; Docker restarts it per the restart policy (docs
  deployments/restart-policy.md: ON_FAILURE with its max retries, ALWAYS, NEVER).
- **Replicas** (docs deployments/scaling.md): the total of `multiRegionConfig` (regions are not
  modelled), one container each.
- **Redeploy** (docs deployments/deployment-teardown.md): the new deployment starts, and once it is
  live the old one keeps running for `overlapSeconds`, then gets SIGTERM and `drainingSeconds`
  before SIGKILL (RAILWAY_DEPLOYMENT_OVERLAP_SECONDS / _DRAINING_SECONDS, docs
  variables/reference.md); it then reads REMOVED. A failed deployment leaves the old one live.
- **Logs**: `deploymentLogs` returns the deployment's container output, the pre-deploy's included.
- **Timings**: `timings()` (`/_emulator/runtime`) gives each deployment's duration, whether a build ran
  (`built`) and its wall time (`build_seconds`); `builds` counts the builds run.

Everything the runtime starts or builds (containers, networks, volumes, images) carries the label
`railway-emulator.instance=<id>` (and the pid of the emulator process), so stopping the emulator removes all of it and the next start sweeps what a
crashed run left behind. Deployments of independent services run in parallel, each on its own
thread; every change to the emulator's records happens under the emulator's lock.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from railway_emulator.repos import RepoError, Repos, not_mapped

if TYPE_CHECKING:
    from railway_emulator.state import Deployment, State

LABEL = "railway-emulator.instance"
PID_LABEL = "railway-emulator.pid"
DEPLOYMENT_LABEL = "railway-emulator.deployment"
SERVICE_LABEL = "railway-emulator.service"
ENVIRONMENT_LABEL = "railway-emulator.environment"
VOLUME_LABEL = "railway-emulator.volume-instance"
BUILD_LABEL = "railway-emulator.build"

#: The Host Railway's healthchecks are sent with (docs/railway-api.md, "Repository sources").
HEALTHCHECK_HOST = "healthcheck.railway.app"
#: Railway's default healthcheck timeout when a path is set without one (docs deployments/healthchecks.md).
DEFAULT_HEALTHCHECK_TIMEOUT = 300
#: A role without a healthcheck is live once it has kept running this long.
SETTLE_SECONDS = 2.0
#: A pre-deploy command may run this long before it counts as failed.
PRE_DEPLOY_TIMEOUT = 900


class ContainerModeError(RuntimeError):
    """Container mode cannot start (no Docker engine, or no Docker SDK)."""


class BuildRefused(RuntimeError):
    """A repository source the emulator cannot build; `lines` go to the build log."""

    def __init__(self, *lines: str) -> None:
        super().__init__(" ".join(lines))
        self.lines = list(lines)


def _inside(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def locate_dockerfile(
    checkout: Path, root_directory: str | None, dockerfile_path: str | None, setting: str, builder: str
) -> tuple[Path, Path]:
    """(build context, Dockerfile) of a checked-out commit (docs/railway-api.md, "Repository builds").

    The context is the root directory (leading `/` optional; default the repository root). A
    Dockerfile path is read relative to the root directory, or from the repository root when it
    starts with `/` (docs builds/dockerfiles.md, "Custom Dockerfile path"); unset, `Dockerfile` at the
    root directory. A relative path that resolves only from the repository root (the guides' form,
    `backend/Dockerfile.railway` with root `backend`) fails naming both readings: the docs do not say
    which applies, and the stricter reading refuses. `setting` names where the path came from
    (`dockerfilePath` or the service variable `RAILWAY_DOCKERFILE_PATH`).
    """
    checkout = checkout.resolve()
    root = (root_directory or "").strip().strip("/")
    context = (checkout / root).resolve()
    if not _inside(checkout, context) or not context.is_dir():
        raise BuildRefused(f"The root directory {root_directory} does not exist in the commit")
    shown_root = f"/{root}" if root else "/"
    if dockerfile_path:
        if dockerfile_path.startswith("/"):
            candidate = (checkout / dockerfile_path.lstrip("/")).resolve()
            if _inside(checkout, candidate) and candidate.is_file():
                return context, candidate
            raise BuildRefused(f"{setting} {dockerfile_path}: no such file from the repository root")
        candidate = (context / dockerfile_path).resolve()
        if _inside(checkout, candidate) and candidate.is_file():
            return context, candidate
        from_repo_root = (checkout / dockerfile_path).resolve()
        if root and _inside(checkout, from_repo_root) and from_repo_root.is_file():
            raise BuildRefused(
                f"{setting} {dockerfile_path} is ambiguous with the root directory {shown_root}: read relative to "
                f"the root directory it is {shown_root.rstrip('/')}/{dockerfile_path}, which does not exist; read "
                f"from the repository root it is /{dockerfile_path}, which exists. Railway's docs do not say "
                "which reading applies, so the emulator takes neither: write it relative to the root directory, "
                f"or from the repository root with a leading / (/{dockerfile_path})"
            )
        raise BuildRefused(f"{setting} {dockerfile_path}: no such file relative to the root directory {shown_root}")
    candidate = context / "Dockerfile"
    if candidate.is_file():
        return context, candidate
    raise BuildRefused(
        f"No Dockerfile at the root directory {shown_root}: Railway would build it with its builder "
        f"{builder}, which the emulator cannot run (it builds Dockerfiles only and never approximates a builder)"
    )


_ARG = re.compile(r"^\s*ARG\s+(.*)$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def declared_args(dockerfile: str) -> set[str]:
    """The names a Dockerfile declares with `ARG`, in any stage (docs builds/dockerfiles.md, "Using
    variables at build time": only those get a build-time value)."""
    joined = re.sub(r"\\[ \t]*\r?\n", " ", dockerfile)
    names = set()
    for line in joined.splitlines():
        match = _ARG.match(line)
        if not match:
            continue
        try:
            words = shlex.split(match.group(1), comments=True)
        except ValueError:
            words = match.group(1).split()
        for word in words:
            name = word.split("=", 1)[0]
            if _NAME.match(name):
                names.add(name)
    return names


def _docker() -> Any:
    try:
        import docker
    except ImportError as error:  # pragma: no cover - the SDK is a dependency of the project
        raise ContainerModeError("container mode needs the Docker SDK for Python (`pip install docker`)") from error
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure to reach the engine means the same
        raise ContainerModeError(f"container mode needs a Docker engine: {error}") from error
    return client


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class _Plan:
    """Everything one deployment needs, read from the emulator's records under its lock."""

    deployment_id: str
    service_id: str
    environment_id: str
    project_id: str
    service_name: str
    alias: str
    image: str | None
    refused: list[str] | None
    """Lines saying why the deployment cannot run (error lines of the build log for a repo source)."""
    refused_stream: str
    entrypoint: list[str] | None
    pre_deploy: list[str] | None
    environment: dict[str, str]
    volume: tuple[str, str] | None
    """(volume instance id, mount path)."""
    replicas: int
    healthcheck_path: str | None
    healthcheck_timeout: float
    port: int | None
    restart_policy: dict[str, Any]
    overlap_seconds: float
    draining_seconds: float
    region: str
    build: _Build | None = None


@dataclass
class _Build:
    """What building a repository source needs (docs/railway-api.md, "Repository builds")."""

    repo: str
    branch: str
    commit: str
    root_directory: str | None
    dockerfile_path: str | None
    dockerfile_setting: str
    build_command: str | None
    builder: str


@dataclass
class _Run:
    """What the runtime knows of one deployment it ran."""

    plan: _Plan
    containers: list[str] = field(default_factory=list)
    pre_deploy_output: list[tuple[float, str]] = field(default_factory=list)
    started: float = 0.0
    finished: float | None = None
    log_cursor: dict[str, float] = field(default_factory=dict)
    built: bool = False
    """Whether a build ran (a repository source), whatever its outcome."""
    build_seconds: float | None = None
    image: str | None = None
    """The image this deployment built, removed with it."""


class ContainerRuntime:
    """Runs the emulator's deployments as containers. `lock` is the emulator's lock."""

    def __init__(
        self, lock: threading.RLock, image_map: dict[str, str] | None = None, repo_map: dict[str, str] | None = None
    ) -> None:
        self.repos = Repos(repo_map)
        self.client = _docker()
        self.lock = lock
        self.image_map = dict(image_map or {})
        self.builds = 0
        """How many builds ran (counters' `builds`)."""
        self.instance_id = uuid.uuid4().hex[:12]
        self.labels = {LABEL: self.instance_id, PID_LABEL: str(os.getpid())}
        self.runs: dict[str, _Run] = {}
        self.records: dict[str, Deployment] = {}
        """The emulator's deployment records this runtime runs, by id."""
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        # Docker lets two networks share a name: parallel deployments create them one at a time.
        self._setup = threading.Lock()
        self.sweep_leftovers()
        self._monitor = threading.Thread(target=self._watch, name="railway-emulator-monitor", daemon=True)
        self._monitor.start()

    # --- housekeeping ------------------------------------------------------------------------------------

    def sweep_leftovers(self) -> dict[str, int]:
        """Remove what emulators that are no longer running left behind (a crashed run)."""
        removed = {"containers": 0, "networks": 0, "volumes": 0}
        for container in self.client.containers.list(all=True, filters={"label": LABEL}):
            if not _pid_alive(int(container.labels.get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    container.remove(force=True)
                    removed["containers"] += 1
        for network in self.client.networks.list(filters={"label": LABEL}):
            if not _pid_alive(int((network.attrs.get("Labels") or {}).get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    network.remove()
                    removed["networks"] += 1
        for volume in self.client.volumes.list(filters={"label": LABEL}):
            if not _pid_alive(int((volume.attrs.get("Labels") or {}).get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    volume.remove(force=True)
                    removed["volumes"] += 1
        removed["images"] = 0
        for image in self.client.images.list(filters={"label": LABEL}):
            if not _pid_alive(int((image.labels or {}).get(PID_LABEL, "0") or 0)):
                with contextlib.suppress(Exception):
                    self.client.images.remove(image.id, force=True)
                    removed["images"] += 1
        return removed

    def owned(self) -> dict[str, list[str]]:
        """Names of the containers, networks and volumes this runtime has, by kind."""
        mine = {"label": f"{LABEL}={self.instance_id}"}
        return {
            "containers": [c.name for c in self.client.containers.list(all=True, filters=mine)],
            "networks": [n.name for n in self.client.networks.list(filters=mine)],
            "volumes": [v.name for v in self.client.volumes.list(filters=mine)],
            "images": [tag for i in self.client.images.list(filters=mine) for tag in (i.tags or [i.id])],
        }

    def reset(self) -> None:
        """Remove everything this runtime started and forget its deployments (the emulator's reset)."""
        self._remove({}, networks=True, volumes=True, images=True)
        self.runs.clear()
        self.records.clear()
        self.builds = 0

    def close(self) -> None:
        """Stop and remove everything this runtime started."""
        self._closed.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._remove({}, networks=True, volumes=True, images=True)

    def _remove(
        self, labels: dict[str, str], networks: bool = False, volumes: bool = False, images: bool = False
    ) -> None:
        """Remove this runtime's containers (and, if asked, networks, volumes and built images) carrying
        `labels`."""
        selector = {"label": [f"{k}={v}" for k, v in {LABEL: self.instance_id, **labels}.items()]}
        # Containers first: a network or a volume in use cannot go. Anything gone meanwhile is fine.
        for container in self.client.containers.list(all=True, filters=selector):
            with contextlib.suppress(Exception):
                container.remove(force=True)
        for network in self.client.networks.list(filters=selector) if networks else []:
            with contextlib.suppress(Exception):
                network.remove()
        for volume in self.client.volumes.list(filters=selector) if volumes else []:
            with contextlib.suppress(Exception):
                volume.remove(force=True)
        for image in self.client.images.list(filters=selector) if images else []:
            with contextlib.suppress(Exception):
                self.client.images.remove(image.id, force=True)

    # Called by the state's cascading deletes (under the emulator's lock): what Railway removes with
    # a service instance, a volume or an environment stops running here too.
    def instance_deleted(self, service_id: str, environment_id: str) -> None:
        self._remove({SERVICE_LABEL: service_id, ENVIRONMENT_LABEL: environment_id}, images=True)

    def volume_instance_deleted(self, volume_instance_id: str) -> None:
        for container in self.client.containers.list(all=True, filters={"label": [f"{LABEL}={self.instance_id}"]}):
            mounts = container.attrs.get("Mounts") or []
            if any(m.get("Name") == self._volume_name(volume_instance_id) for m in mounts):
                with contextlib.suppress(Exception):
                    container.remove(force=True)
        with contextlib.suppress(Exception):
            self.client.volumes.get(self._volume_name(volume_instance_id)).remove(force=True)

    def environment_deleted(self, environment_id: str) -> None:
        self._remove({ENVIRONMENT_LABEL: environment_id}, networks=True, volumes=True, images=True)

    # --- names -----------------------------------------------------------------------------------------

    def _network_name(self, environment_id: str) -> str:
        return f"rwe-{self.instance_id}-{environment_id[:8]}"

    def _volume_name(self, volume_instance_id: str) -> str:
        return f"rwe-{self.instance_id}-vol-{volume_instance_id[:8]}"

    # --- deploying ----------------------------------------------------------------------------------------

    def plan(self, state: State, deployment: Deployment) -> _Plan:
        """What the deployment runs, from its settings snapshot and the variables as they are now."""
        from railway_emulator.resolvers.common import dns_label
        from railway_emulator.resolvers.variables import provided_variables, render

        manifest = deployment.meta.get("serviceManifest") or {}
        source, deploy = manifest.get("source") or {}, manifest.get("deploy") or {}
        service = state.services[deployment.service_id]
        refused: list[str] | None = None
        refused_stream = "deploy"
        image = source.get("image")
        raw = dict(state.service_variables.get((deployment.service_id, deployment.environment_id), {}))
        environment = dict(provided_variables(state, deployment.service_id, deployment.environment_id))
        for name, value in raw.items():
            environment[name] = render(state, deployment.environment_id, deployment.service_id, value)
        environment["RAILWAY_DEPLOYMENT_ID"] = deployment.id  # docs variables/reference.md, provided
        build = None
        repo = source.get("repo")
        if repo and not image:
            # A repository source is built (docs/railway-api.md, "Repository builds"); why it cannot be
            # goes to the build log.
            refused_stream = "build"
            settings = manifest.get("build") or {}
            if not source.get("branch"):
                # TF PR 21: without a branch nothing builds; the emulator fails loudly (stricter).
                refused = [f"No branch is connected to repo {repo}: nothing to build"]
            elif repo not in self.repos:
                refused = [not_mapped(repo)]
            elif deployment.failure is not None:
                refused = list(deployment.failure)
            elif not deployment.meta.get("commitHash"):
                refused = [f"Cannot build {repo}: no commit was resolved for branch {source['branch']}"]
            else:
                from_variable = environment.get("RAILWAY_DOCKERFILE_PATH") or None
                build = _Build(
                    repo=repo,
                    branch=str(source["branch"]),
                    commit=str(deployment.meta["commitHash"]),
                    root_directory=settings.get("rootDirectory"),
                    dockerfile_path=from_variable or settings.get("dockerfilePath"),
                    dockerfile_setting="RAILWAY_DOCKERFILE_PATH" if from_variable else "dockerfilePath",
                    build_command=settings.get("buildCommand"),
                    builder=str(settings.get("builder") or "RAILPACK"),
                )
        elif not image:
            refused = [f"{service.name} has no source image to run"]

        def configured(variable: str, setting: str, default: float) -> float:
            # A user-provided configuration variable the service sets takes the place of the setting.
            value = environment.get(variable)
            if value not in (None, ""):
                try:
                    return float(value)
                except ValueError:
                    pass
            return float(deploy.get(setting) or default)

        volume = state.volume_instance_for(deployment.service_id, deployment.environment_id)
        start = deploy.get("startCommand")
        pre = deploy.get("preDeployCommand")
        if isinstance(pre, list):
            pre = " && ".join(str(p) for p in pre) if len(pre) != 1 else pre[0]
        regions = deploy.get("multiRegionConfig") or {}
        replicas = (
            sum(int((c or {}).get("numReplicas") or 0) for c in regions.values())
            if regions
            else int(deploy.get("numReplicas") or 1)
        )
        region = next((r for r, c in regions.items() if (c or {}).get("numReplicas")), None) or deploy.get("region")
        policy = deploy.get("restartPolicyType") or "ON_FAILURE"
        restart = {"ALWAYS": {"Name": "always"}, "NEVER": {"Name": "no"}}.get(
            policy, {"Name": "on-failure", "MaximumRetryCount": int(deploy.get("restartPolicyMaxRetries") or 10)}
        )
        port = environment.get("PORT")
        return _Plan(
            deployment_id=deployment.id,
            service_id=deployment.service_id,
            environment_id=deployment.environment_id,
            project_id=deployment.project_id,
            service_name=service.name,
            alias=f"{dns_label(service.name)}.railway.internal",
            image=self.image_map.get(image, image) if image else None,
            refused=refused,
            refused_stream=refused_stream,
            build=build,
            entrypoint=shlex.split(start) if start else None,
            pre_deploy=shlex.split(pre) if pre else None,
            environment=environment,
            volume=(volume.id, volume.mount_path) if volume else None,
            replicas=max(replicas, 0),
            healthcheck_path=deploy.get("healthcheckPath"),
            healthcheck_timeout=configured(
                "RAILWAY_HEALTHCHECK_TIMEOUT_SEC", "healthcheckTimeout", DEFAULT_HEALTHCHECK_TIMEOUT
            ),
            port=int(port) if port and str(port).isdigit() else None,
            restart_policy=restart,
            overlap_seconds=configured("RAILWAY_DEPLOYMENT_OVERLAP_SECONDS", "overlapSeconds", 0),
            draining_seconds=configured("RAILWAY_DEPLOYMENT_DRAINING_SECONDS", "drainingSeconds", 0),
            region=region or "us-west2",
        )

    def start(self, state: State, deployment: Deployment) -> None:
        """Begin running `deployment` (called under the emulator's lock, right after it is recorded)."""
        plan = self.plan(state, deployment)
        deployment.live_status = "BUILDING"
        run = _Run(plan=plan, started=time.time())
        self.runs[deployment.id] = run
        self.records[deployment.id] = deployment
        thread = threading.Thread(
            target=self._deploy, args=(state, deployment, run), name=f"deploy-{plan.service_name}", daemon=True
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _log(self, deployment: Deployment, message: str, severity: str = "info", stream: str = "deploy") -> None:
        now = time.time()
        with self.lock:
            deployment.log_lines.append(
                {"at": now, "ts": now, "stream": stream, "severity": severity, "message": message}
            )

    def _set(self, deployment: Deployment, status: str) -> None:
        with self.lock:
            deployment.live_status = status
            if status in ("SUCCESS", "FAILED", "CRASHED", "REMOVED"):
                run = self.runs.get(deployment.id)
                if run is not None and run.finished is None:
                    run.finished = time.time()

    def _deploy(self, state: State, deployment: Deployment, run: _Run) -> None:
        plan = run.plan
        try:
            if plan.refused:
                for line in plan.refused:
                    self._log(deployment, line, "error", stream=plan.refused_stream)
                self._set(deployment, "FAILED")
                return
            if plan.build is not None and not self._build(deployment, run):
                self._set(deployment, "FAILED")
                return
            try:
                self.client.images.get(plan.image)
            except Exception:  # noqa: BLE001 - docker.errors.ImageNotFound and friends
                self._log(
                    deployment,
                    f"image {plan.image} is not on the local engine: container mode never pulls; "
                    "build it, or map it with --image-map SRC=DST",
                    "error",
                )
                self._set(deployment, "FAILED")
                return
            network = self._network(plan)
            volumes = self._volumes(plan)
            self._set(deployment, "DEPLOYING")
            if plan.pre_deploy and not self._pre_deploy(deployment, run, network, volumes):
                self._set(deployment, "FAILED")
                return
            for index in range(plan.replicas):
                run.containers.append(self._container(plan, index, network, volumes).id)
            if self._healthy(deployment, run, network):
                previous = self._live_before(state, deployment)
                self._set(deployment, "SUCCESS")
                for old in previous:
                    self._retire(old, plan)
            else:
                self._capture(deployment)
                self._set(deployment, "FAILED")
                for container_id in run.containers:
                    with contextlib.suppress(Exception):
                        self.client.containers.get(container_id).remove(force=True)
                self._drop_image(run)
        except Exception as error:  # noqa: BLE001 - a deployment that breaks the runtime fails, loudly
            self._log(deployment, f"emulator: deployment failed: {type(error).__name__}: {error}", "error")
            self._set(deployment, "FAILED")

    # --- building a repository source (docs/railway-api.md, "Repository builds") ----------------------------

    def _build(self, deployment: Deployment, run: _Run) -> bool:
        """Build the deployment's commit into an image (`plan.image`); False when it fails, its output
        and the error in the build log."""
        plan, build = run.plan, run.plan.build
        assert build is not None
        started = time.time()
        run.built = True
        with self.lock:
            self.builds += 1
        scratch = Path(tempfile.mkdtemp(prefix=f"rwe-{self.instance_id}-build-"))
        try:
            self._log(deployment, f"Building {build.repo} at {build.commit} (branch {build.branch})", stream="build")
            self.repos.export(build.repo, build.commit, scratch)
            context, dockerfile = locate_dockerfile(
                scratch, build.root_directory, build.dockerfile_path, build.dockerfile_setting, build.builder
            )
            # docs builds/dockerfiles.md, "How it works": Railway announces the Dockerfile it uses.
            self._log(deployment, "Using detected Dockerfile!", stream="build")
            if build.build_command:
                self._log(
                    deployment,
                    f"Warning: the build command {build.build_command!r} is not run by a Dockerfile build "
                    "(the emulator's reading: a Dockerfile build runs only the Dockerfile)",
                    "error",
                    stream="build",
                )
            declared = declared_args(dockerfile.read_text(errors="replace"))
            buildargs = {name: value for name, value in plan.environment.items() if name in declared}
            tag = f"rwe-{self.instance_id}-build:{plan.deployment_id}"
            relative = dockerfile.relative_to(context) if _inside(context, dockerfile) else None
            error = None
            for chunk in self.client.api.build(
                path=str(context),
                # Outside the context, the SDK sends the Dockerfile's text along with the context.
                dockerfile=str(relative) if relative is not None else str(dockerfile),
                tag=tag,
                buildargs=buildargs,
                labels={**self._labels(plan), BUILD_LABEL: plan.deployment_id},
                rm=True,
                forcerm=True,
                pull=False,
                decode=True,
            ):
                if "stream" in chunk:
                    for line in str(chunk["stream"]).splitlines():
                        if line.strip():
                            self._log(deployment, line, stream="build")
                elif "status" in chunk:
                    self._log(deployment, str(chunk["status"]), stream="build")
                if chunk.get("error"):
                    error = str(chunk["error"]).strip()
            if error is not None:
                self._log(deployment, error, "error", stream="build")
                self._log(deployment, "Build Failed", "error", stream="build")
                return False
            run.image = tag
            plan.image = tag
            return True
        except BuildRefused as refused:
            for line in refused.lines:
                self._log(deployment, line, "error", stream="build")
            return False
        except RepoError as error:
            self._log(deployment, f"Cannot check out {build.repo} at {build.commit}: {error}", "error", stream="build")
            return False
        except Exception as error:  # noqa: BLE001 - docker.errors.BuildError, APIError: the build failed
            self._log(deployment, f"Build failed: {type(error).__name__}: {error}", "error", stream="build")
            return False
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            run.build_seconds = round(time.time() - started, 3)

    def _drop_image(self, run: _Run) -> None:
        if run.image is not None:
            with contextlib.suppress(Exception):
                self.client.images.remove(run.image, force=True)

    def _network(self, plan: _Plan) -> str:
        name = self._network_name(plan.environment_id)
        with self._setup:
            if not self.client.networks.list(names=[name]):
                self.client.networks.create(
                    name, driver="bridge", labels={**self.labels, ENVIRONMENT_LABEL: plan.environment_id}
                )
        return name

    def _volumes(self, plan: _Plan) -> dict[str, dict[str, str]]:
        if plan.volume is None:
            return {}
        volume_instance_id, mount = plan.volume
        name = self._volume_name(volume_instance_id)
        with self._setup:
            try:
                self.client.volumes.get(name)
            except Exception:  # noqa: BLE001 - docker.errors.NotFound
                self.client.volumes.create(
                    name,
                    labels={**self.labels, ENVIRONMENT_LABEL: plan.environment_id, VOLUME_LABEL: volume_instance_id},
                )
        return {name: {"bind": mount, "mode": "rw"}}

    def _labels(self, plan: _Plan) -> dict[str, str]:
        return {
            **self.labels,
            DEPLOYMENT_LABEL: plan.deployment_id,
            SERVICE_LABEL: plan.service_id,
            ENVIRONMENT_LABEL: plan.environment_id,
        }

    def _endpoint(self, network: str, plan: _Plan) -> dict[str, Any]:
        return {network: self.client.api.create_endpoint_config(aliases=[plan.alias])}

    def _pre_deploy(self, deployment: Deployment, run: _Run, network: str, volumes: dict[str, Any]) -> bool:
        plan = run.plan
        self._log(deployment, f"Running pre-deploy command: {shlex.join(plan.pre_deploy or [])}")
        container = self.client.containers.create(
            plan.image,
            entrypoint=plan.pre_deploy,
            command=[],
            environment=plan.environment,
            network=network,
            volumes=volumes,
            labels={**self._labels(plan), "railway-emulator.role": "pre-deploy"},
            name=f"rwe-{self.instance_id}-{plan.deployment_id[:8]}-pre",
        )
        try:
            container.start()
            result = container.wait(timeout=PRE_DEPLOY_TIMEOUT)
            for line in container.logs(stdout=True, stderr=True).decode(errors="replace").splitlines():
                self._log(deployment, line)
            code = int(result.get("StatusCode", 1))
        finally:
            with contextlib.suppress(Exception):
                container.remove(force=True)
        if code != 0:
            self._log(deployment, f"Pre-deploy command failed with exit code {code}", "error")
            return False
        return True

    def _container(self, plan: _Plan, index: int, network: str, volumes: dict[str, Any]) -> Any:
        kwargs: dict[str, Any] = {}
        if plan.entrypoint is not None:
            # The start command replaces ENTRYPOINT and the image's CMD is not used (exec form).
            kwargs.update(entrypoint=plan.entrypoint, command=[])
        replica = {"RAILWAY_REPLICA_ID": uuid.uuid4().hex, "RAILWAY_REPLICA_REGION": plan.region}
        container = self.client.containers.create(
            plan.image,
            environment={**plan.environment, **replica},
            network=network,
            volumes=volumes,
            labels=self._labels(plan),
            restart_policy=plan.restart_policy,
            name=f"rwe-{self.instance_id}-{plan.deployment_id[:8]}-{index}",
            networking_config=self._endpoint(network, plan),
            **kwargs,
        )
        container.start()
        return container

    def _address(self, container_id: str, network: str) -> str | None:
        container = self.client.containers.get(container_id)
        return ((container.attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(network, {}).get(
            "IPAddress"
        ) or None

    def _healthy(self, deployment: Deployment, run: _Run, network: str) -> bool:
        plan = run.plan
        deadline = time.time() + (plan.healthcheck_timeout if plan.healthcheck_path else SETTLE_SECONDS)
        if plan.healthcheck_path and plan.port is None:
            self._log(deployment, "healthcheck: the service has no PORT variable to check", "error")
            return False
        if plan.healthcheck_path:
            self._log(deployment, f"Starting Healthcheck: path {plan.healthcheck_path}")
        while not self._closed.is_set():
            states = [self.client.containers.get(c) for c in run.containers]
            if any(c.status in ("exited", "dead") for c in states):
                self._log(deployment, "Container exited before it was healthy", "error")
                return False
            if not plan.healthcheck_path:
                if time.time() >= deadline:
                    return True
            else:
                addresses = [self._address(c, network) for c in run.containers]
                known = [a for a in addresses if a]
                if addresses and len(known) == len(addresses) and all(self._answers(a, plan) for a in known):
                    self._log(deployment, "Healthcheck succeeded!")
                    return True
                if time.time() >= deadline:
                    self._log(deployment, "Healthcheck failed!", "error")
                    return False
            time.sleep(0.5)
        return False

    def _answers(self, address: str, plan: _Plan) -> bool:
        url = f"http://{address}:{plan.port}{plan.healthcheck_path}"
        try:
            return httpx.get(url, headers={"Host": HEALTHCHECK_HOST}, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _live_before(self, state: State, deployment: Deployment) -> list[Deployment]:
        with self.lock:
            return [
                d
                for d in state.deployments_of(deployment.service_id, deployment.environment_id)
                if d.id != deployment.id and d.live_status == "SUCCESS" and d.created_ts < deployment.created_ts
            ]

    def _retire(self, old: Deployment, new_plan: _Plan) -> None:
        """Overlap, then SIGTERM and the old deployment's draining time before SIGKILL."""
        if new_plan.overlap_seconds:
            time.sleep(new_plan.overlap_seconds)
        run = self.runs.get(old.id)
        draining = run.plan.draining_seconds if run else 0
        self._capture(old)
        for container_id in run.containers if run else []:
            with contextlib.suppress(Exception):
                container = self.client.containers.get(container_id)
                container.stop(timeout=int(draining))
                container.remove(force=True)
        if run is not None:
            self._drop_image(run)
        self._set(old, "REMOVED")

    # --- after SUCCESS --------------------------------------------------------------------------------

    def _watch(self) -> None:
        """A live deployment whose container exited (and is not being restarted) is CRASHED."""
        while not self._closed.wait(1.0):
            for deployment_id, run in list(self.runs.items()):
                if run.finished is None or not run.containers:
                    continue
                with self.lock:
                    status = self._status_of(deployment_id)
                if status != "SUCCESS":
                    continue
                for container_id in run.containers:
                    try:
                        container = self.client.containers.get(container_id)
                    except Exception:  # noqa: BLE001 - removed meanwhile
                        continue
                    if container.status in ("exited", "dead"):
                        self._crashed(deployment_id)
                        break

    def _status_of(self, deployment_id: str) -> str | None:
        record = self.records.get(deployment_id)
        return record.live_status if record is not None else None

    def _crashed(self, deployment_id: str) -> None:
        record = self.records.get(deployment_id)
        if record is not None:
            self._log(record, "Container exited", "error")
            self._set(record, "CRASHED")

    # --- reading -------------------------------------------------------------------------------------

    def _capture(self, deployment: Deployment) -> None:
        """Keep the output of containers about to be removed."""
        with self.lock:
            self.refresh_logs(deployment)

    def refresh_logs(self, deployment: Deployment) -> None:
        """Append the deployment's container output since the last read (under the emulator's lock)."""
        run = self.runs.get(deployment.id)
        if run is None:
            return
        for container_id in run.containers:
            since = run.log_cursor.get(container_id, run.started - 1)
            try:
                raw = self.client.containers.get(container_id).logs(
                    stdout=True, stderr=True, timestamps=True, since=since
                )
            except Exception:  # noqa: BLE001 - gone: its output was read before or never came
                continue
            for line in raw.decode(errors="replace").splitlines():
                stamp, _, message = line.partition(" ")
                moment = _parse_docker_time(stamp) or time.time()
                if moment <= since:
                    continue
                run.log_cursor[container_id] = moment
                deployment.log_lines.append({"at": moment, "ts": moment, "severity": "info", "message": message})

    def containers_of(self, deployment_id: str) -> list[str]:
        run = self.runs.get(deployment_id)
        return list(run.containers) if run else []

    def addresses(self, service_id: str, environment_id: str) -> Iterator[str]:
        """Addresses of the live containers of a service instance, for the edge."""
        network = self._network_name(environment_id)
        for run in list(self.runs.values()):
            plan = run.plan
            if (plan.service_id, plan.environment_id) != (service_id, environment_id):
                continue
            if self._status_of(plan.deployment_id) != "SUCCESS":
                continue
            for container_id in run.containers:
                with contextlib.suppress(Exception):
                    address = self._address(container_id, network)
                    if address:
                        yield address

    def timings(self) -> list[dict[str, Any]]:
        """Each deployment this runtime ran: service, status, start, end and duration."""
        rows = []
        for deployment_id, run in self.runs.items():
            rows.append(
                {
                    "deploymentId": deployment_id,
                    "serviceId": run.plan.service_id,
                    "serviceName": run.plan.service_name,
                    "status": self._status_of(deployment_id),
                    "startedAt": run.started,
                    "finishedAt": run.finished,
                    "seconds": None if run.finished is None else round(run.finished - run.started, 3),
                    "built": run.built,
                    "build_seconds": run.build_seconds,
                    "containers": list(run.containers),
                }
            )
        return rows


def _parse_docker_time(stamp: str) -> float | None:
    from datetime import datetime

    try:
        head, _, fraction = stamp.rstrip("Z").partition(".")
        moment = datetime.fromisoformat(head + "+00:00").timestamp()
        return moment + (float("0." + fraction[:6]) if fraction else 0.0)
    except ValueError:
        return None
