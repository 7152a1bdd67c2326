"""The typed model of a railstack stack: one app image in several roles, Postgres, Redis, sizing.

Every field has a type and a description; unknown keys are errors (`extra="forbid"`), so a typo in
`Pulumi.<stack>.yaml` fails instead of being ignored. Defaults that differ between environments are
not here but in the environment profiles (`railstack/stacks/profiles/*.yaml`), which `stacks.load` merges
under the stack's own config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME = r"^[a-z][a-z0-9_-]{0,30}$"
ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
#: A Railway service name railstack can reference as `${{Name.VAR}}` (letters, digits, - and _).
SERVICE_NAME = r"^[A-Za-z][A-Za-z0-9_-]{0,62}$"


def _service_name(default: str) -> Any:
    return Field(
        default=None,
        pattern=SERVICE_NAME,
        description=(
            f"Railway service name (what `${{{{Name.VAR}}}}` references use); default {default}. Set it to keep "
            "the name of a service made by hand (scripts/adopt). Target railway only."
        ),
    )


BackupKind = Literal["DAILY", "WEEKLY", "MONTHLY"]

#: Railway's deploy regions (Railway docs, deployments/regions.md), by their region identifiers.
Region = Literal["us-west2", "us-east4-eqdc4a", "europe-west4-drams3a", "asia-southeast1-eqsg3a"]
#: Where Railway places a service nobody chose a region for (the first region of the docs' table).
DEFAULT_REGION: Region = "us-west2"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: A role's variables: plain text, or text with railstack references such as `${postgres.host}`,
#: `${redis.url}/1`, `${secrets.secret_key}` or `https://${api.public_domain}` (railstack/plan.py
#: lists them). Numbers are written as text; `null` removes a variable the defaults would set.
Variables = dict[Annotated[str, Field(pattern=ENV_VAR)], Annotated[str | None, Field(coerce_numbers_to_str=True)]]

LivenessKind = Literal["http", "command", "celery-ping", "beat-schedule", "none"]


class Liveness(Model):
    """How a platform tells that a role is alive.

    `http`: GET `path` answers 2xx. `command`: a command run in the role's container exits 0.
    `celery-ping`: `celery inspect ping` reaches the worker's own node (the Celery app from the role's
    command, `-A`, else `app.celery_app`). `beat-schedule`: beat rewrote its schedule file (the
    command's `--schedule`, else `schedule_file`) within `max_age_seconds` and since the container
    started checking. `none`: running is enough. On Railway only `http` exists (its healthcheck);
    the other kinds apply on Docker, where Railway restarts a crashed process by its restart policy.
    """

    kind: LivenessKind = Field(description="http, command, celery-ping, beat-schedule or none.")
    path: Annotated[
        str | None, Field(pattern=r"^/", description="HTTP path answering 2xx when healthy (kind http).")
    ] = None
    command: str | None = Field(
        default=None, min_length=1, description="Command exiting 0 when healthy, run in the container (kind command)."
    )
    schedule_file: str | None = Field(
        default=None,
        min_length=1,
        description="Beat's schedule file when the command sets no --schedule (kind beat-schedule).",
    )
    max_age_seconds: Annotated[
        int,
        Field(
            ge=2,
            le=3600,
            description=("Beat must have rewritten its schedule file within this many seconds (kind beat-schedule)."),
        ),
    ] = 60
    interval_seconds: Annotated[int, Field(ge=1, le=300, description="Seconds between checks (Docker).")] = 5

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Liveness:
        if self.kind == "http" and self.path is None:
            raise ValueError("kind http needs path, e.g. path: /health")
        if self.kind == "command" and self.command is None:
            raise ValueError("kind command needs command, e.g. command: python -m myapp.check")
        if self.kind != "http" and self.path is not None:
            raise ValueError(f"path is only for kind http, not {self.kind}")
        if self.kind != "command" and self.command is not None:
            raise ValueError(f"command is only for kind command, not {self.kind}")
        extra = {"schedule_file", "max_age_seconds"} & self.model_fields_set
        if self.kind != "beat-schedule" and extra:
            raise ValueError(f"{', '.join(sorted(extra))}: only for kind beat-schedule, not {self.kind}")
        return self


def _liveness(**kwargs: object) -> Liveness:
    return Liveness.model_validate(kwargs)


CommandText = Annotated[str | None, Field(min_length=1)]


class Sizing(Model):
    """How much of the platform one role gets."""

    replicas: Annotated[int, Field(ge=1, le=50, description="Number of instances of the role.")] = 1
    vcpus: Annotated[float, Field(gt=0, le=32, description="vCPU limit per instance.")] = 1
    memory_gb: Annotated[float, Field(gt=0, le=32, description="Memory limit per instance, in GB.")] = 1
    region: Region | None = Field(
        default=None, description="Railway region of the role's replicas; unset: the stack's region (target railway)."
    )


class AppSource(Model):
    """Where the one app image comes from: a built image, a repository Railway builds, or a local
    directory the local Docker engine builds."""

    image: str | None = Field(default=None, description="Container image reference, e.g. ghcr.io/acme/app:1.4.2.")
    repo: str | None = Field(
        default=None, description="GitHub repository `owner/name` Railway builds from (target railway)."
    )
    path: str | None = Field(
        default=None,
        description=(
            "Directory holding the app and its Dockerfile, relative to this project (`..` when railstack "
            "lives in a subfolder of the app's repository), built on the local engine (target docker)."
        ),
    )
    branch: str = Field(
        default="main",
        min_length=1,
        description="Branch of `repo` Railway builds and deploys (a repo source without one never deploys).",
    )
    root_directory: str = Field(
        default="/", description="Directory of `repo` holding the app (Railway's root directory)."
    )
    dockerfile_path: str = Field(
        default="Dockerfile",
        min_length=1,
        description=(
            "Dockerfile, relative to root_directory (repo; a leading / starts at the repository's root) or to path. "
            "With a root directory, the guides' `backend/Dockerfile.railway` form is written `/backend/Dockerfile.railway` "
            '(docs/railway-api.md, "Repository builds").'
        ),
    )
    builder: Literal["dockerfile", "railpack", "nixpacks"] = Field(
        default="dockerfile",
        description=(
            "How Railway builds a repo source: from the Dockerfile at dockerfile_path, or with Railway's Railpack or "
            "Nixpacks builders (no Dockerfile; the emulator cannot run those)."
        ),
    )
    build_command: CommandText = Field(
        default=None,
        description="Build command of a railpack or nixpacks build (a Dockerfile build runs its Dockerfile only).",
    )
    watch_patterns: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list,
        description=(
            "Gitignore-style paths from the repository's root (even with a root directory) whose changes deploy a "
            "push, e.g. /backend/**; empty: every push deploys (Railway's Watch Paths)."
        ),
    )
    role_watch_patterns: dict[str, list[Annotated[str, Field(min_length=1)]]] = Field(
        default_factory=dict,
        description=(
            "Watch paths of single roles (api, worker-<name>, beat, flower) in place of watch_patterns, e.g. "
            "worker-logs: [/backend/worker/**]."
        ),
    )
    auto_deploy: bool = Field(
        default=True,
        description=(
            "Railway deploys each push to `branch` by itself (its Auto Deploy). railstack then does not count such "
            "a deployment as drift; with `commit` pinned, railstack's commit wins at the next up."
        ),
    )
    wait_for_ci: bool = Field(
        default=False,
        description="A push deploys only once the commit's GitHub checks passed (Railway's Wait for CI).",
    )
    commit: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{40}$",
        description=(
            "Pin every role to this commit of `repo` (a full 40-character SHA); unset: the branch's head, as Railway "
            "associates it with the service."
        ),
    )
    celery_app: str = Field(
        default="railstack_app.worker:celery_app",
        min_length=1,
        description="The Celery app (`-A`) liveness checks use when a role's command names none; default the reference app's.",
    )
    build_args: dict[Annotated[str, Field(pattern=ENV_VAR)], str] = Field(
        default_factory=dict, description="Docker build arguments when building from path, e.g. BASE_IMAGE."
    )

    @model_validator(mode="after")
    def _one_source(self) -> AppSource:
        if sum(v is not None for v in (self.image, self.repo, self.path)) != 1:
            raise ValueError("set exactly one of app.image, app.repo or app.path")
        if self.repo is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", self.repo):
            raise ValueError(f"app.repo = {self.repo!r} must look like owner/name")
        if self.path is not None and (self.path.startswith("/") or not self.path.strip()):
            raise ValueError(f"app.path = {self.path!r} must be a directory relative to the project, e.g. app or ..")
        if self.build_args and self.path is None:
            raise ValueError("app.build_args only apply when building from app.path")
        if self.repo is None:
            repo_only = sorted(
                {"builder", "build_command", "watch_patterns", "role_watch_patterns", "auto_deploy", "wait_for_ci",
                 "commit", "branch", "root_directory"} & self.model_fields_set
            )  # fmt: skip
            if repo_only:
                raise ValueError(f"app.{', app.'.join(repo_only)}: only for a repo source (set app.repo)")
        if self.build_command is not None and self.builder == "dockerfile":
            raise ValueError(
                "app.build_command: a Dockerfile build runs only its Dockerfile; put the step in the Dockerfile, "
                "or set app.builder to railpack or nixpacks"
            )
        if self.builder != "dockerfile" and "dockerfile_path" in self.model_fields_set:
            raise ValueError(f"app.dockerfile_path: only for builder dockerfile, not {self.builder}")
        if self.wait_for_ci and not self.auto_deploy:
            raise ValueError(
                "app.wait_for_ci: Railway waits for CI before deploying a push; with auto_deploy false no push deploys"
            )
        return self


RoleKind = Literal["api", "worker", "beat", "flower"]


class Role(Model):
    """What every app role has: a Railway service name, a command, a liveness check, its own variables
    and its sizing. The kinds below differ only by what they may have besides (a port, a
    public domain, queues) and by their defaults; `StackConfig.roles()` is the one list of them."""

    kind: ClassVar[RoleKind]
    service_name: str | None = _service_name("the role's name")
    start_command: CommandText = Field(
        default=None, description="Command that starts the role; null: the image's own ENTRYPOINT/CMD."
    )
    liveness: Liveness = Field(default_factory=lambda: _liveness(kind="none"), description="How the role is checked.")
    variables: Variables = Field(default_factory=dict, description="Variables of this role only, over the stack's.")
    sizing: Sizing = Field(default_factory=Sizing, description="Replicas and limits of the role.")

    def grace_seconds(self) -> int | None:
        """Seconds between SIGTERM and SIGKILL when a deployment is replaced; None: the platform's default."""
        return getattr(self, "draining_seconds", None)

    def listens_on(self) -> int | None:
        """The port the role listens on (PORT); None: it serves nothing over the network."""
        return None

    def is_public(self) -> bool:
        """Whether it gets a public domain (Railway) / a published loopback port (Docker)."""
        return False


class ApiRole(Role):
    """The HTTP API: the only role with a public domain."""

    kind: ClassVar[RoleKind] = "api"
    service_name: str | None = _service_name("api")
    start_command: CommandText = Field(
        default="/app/entrypoint api",
        description=(
            "Command that starts the API (replaces the image's ENTRYPOINT; `$VARS` are expanded by a shell); "
            "null: the image's own ENTRYPOINT/CMD."
        ),
    )
    pre_deploy_command: CommandText = Field(
        default="/app/entrypoint migrate",
        description=(
            "Runs before each deployment of the API goes live, in a one-off container of the same image: "
            "database migrations (Railway's pre-deploy command; on Docker a container run before the API starts)."
        ),
    )
    liveness: Liveness = Field(
        default_factory=lambda: _liveness(kind="http", path="/health"),
        description="How the API is checked; Railway needs kind http (its healthcheck).",
    )
    variables: Variables = Field(default_factory=dict, description="Variables of the API only, over the stack's.")
    healthcheck_timeout: Annotated[
        int, Field(ge=1, le=3600, description="Seconds a deployment may take to pass its healthcheck.")
    ] = 120
    port: Annotated[int, Field(ge=1, le=65535, description="Port the API listens on (PORT).")] = 8000
    public_domain: bool = Field(default=True, description="Give the API a Railway-provided public domain.")
    custom_domains: list[str] = Field(default_factory=list, description="Custom domains routed to the API.")
    web_concurrency: Annotated[int, Field(ge=1, le=64, description="Server worker processes (WEB_CONCURRENCY).")] = 2
    threads: Annotated[int, Field(ge=1, le=64, description="Threads per server process (THREADS).")] = 2
    draining_seconds: Annotated[
        int,
        Field(
            ge=0,
            le=3600,
            description=(
                "Seconds between SIGTERM and SIGKILL when a deployment is replaced (Railway's drainingSeconds, "
                "default 0): time for in-flight requests to finish."
            ),
        ),
    ] = 15
    sizing: Sizing = Field(default_factory=Sizing, description="Replicas and limits of the API.")

    def listens_on(self) -> int | None:
        return self.port

    def is_public(self) -> bool:
        return self.public_domain

    @model_validator(mode="after")
    def _probe(self) -> ApiRole:
        if self.liveness.kind == "none":
            raise ValueError("liveness.kind = 'none': the API must have a liveness check (http on Railway)")
        return self

    @field_validator("custom_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        for domain in value:
            if not re.fullmatch(r"(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}", domain):
                raise ValueError(f"{domain!r} is not a lowercase DNS name such as api.example.com")
        if len(set(value)) != len(value):
            raise ValueError("custom domains must be unique")
        return value


Pool = Literal["prefork", "threads", "gevent", "solo"]


class WorkerRole(Role):
    """A Celery worker service consuming one or more queues. Workers have no domain and no public port.

    The queues, pool and concurrency reach the app as CELERY_QUEUES (comma-separated), CELERY_POOL and
    CELERY_CONCURRENCY, so a start command can use them: `celery -A shop worker -Q $CELERY_QUEUES ...`.
    """

    kind: ClassVar[RoleKind] = "worker"
    enabled: bool = Field(
        default=True, description="Run this worker; false removes a worker the profile or the defaults define."
    )
    service_name: str | None = _service_name("worker-<name>")
    queues: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]] | None = Field(
        default=None, min_length=1, description="Queues the worker consumes; default the worker's own name."
    )
    pool: Pool = Field(
        default="prefork", description="Celery execution pool (--pool): prefork, threads, gevent or solo."
    )
    start_command: CommandText = Field(
        default=None,
        description="Command that starts the worker; null: the image's own ENTRYPOINT/CMD (the reference app's SERVICE_TYPE).",
    )
    liveness: Liveness = Field(
        default_factory=lambda: _liveness(kind="celery-ping"), description="How the worker is checked."
    )
    variables: Variables = Field(default_factory=dict, description="Variables of this worker only, over the stack's.")
    concurrency: Annotated[int, Field(ge=1, le=64, description="Celery worker processes (--concurrency).")] = 2
    max_tasks_per_child: Annotated[int, Field(ge=1, description="Tasks before a worker process is recycled.")] = 100
    draining_seconds: Annotated[
        int,
        Field(
            ge=0,
            le=3600,
            description=(
                "Seconds between SIGTERM and SIGKILL when a deployment is replaced (Railway's drainingSeconds, "
                "default 0): Celery's warm shutdown finishes the running tasks in this time."
            ),
        ),
    ] = 60
    sizing: Sizing = Field(default_factory=Sizing, description="Replicas and limits of this worker.")

    @field_validator("queues")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError(f"queues {value} repeat a queue")
        return value


class BeatRole(Role):
    """Celery beat, the scheduler: exactly one instance, or scheduled tasks run twice."""

    kind: ClassVar[RoleKind] = "beat"
    service_name: str | None = _service_name("beat")
    start_command: CommandText = Field(
        default=None,
        description="Command that starts beat; null: the image's own ENTRYPOINT/CMD (the reference app's SERVICE_TYPE).",
    )
    liveness: Liveness = Field(
        default_factory=lambda: _liveness(kind="beat-schedule", schedule_file="/tmp/celerybeat-schedule"),
        description="How beat is checked (default: its schedule file, /tmp/celerybeat-schedule unless the command sets --schedule).",
    )
    variables: Variables = Field(default_factory=dict, description="Variables of beat only, over the stack's.")
    draining_seconds: Annotated[
        int,
        Field(
            ge=0,
            le=3600,
            description=(
                "Seconds between SIGTERM and SIGKILL when beat is replaced: time to write its schedule state."
            ),
        ),
    ] = 10
    sizing: Sizing = Field(default_factory=Sizing, description="Limits of beat; replicas must stay 1.")

    @model_validator(mode="after")
    def _single(self) -> BeatRole:
        if self.sizing.replicas != 1:
            raise ValueError(f"sizing.replicas = {self.sizing.replicas}: beat must run exactly 1 replica")
        return self


class FlowerRole(Role):
    """Flower, the Celery monitor: private, behind a generated basic-auth password."""

    kind: ClassVar[RoleKind] = "flower"
    enabled: bool = Field(default=False, description="Run Flower.")
    service_name: str | None = _service_name("flower")
    start_command: CommandText = Field(
        default=None,
        description="Command that starts Flower; null: the image's own ENTRYPOINT/CMD (the reference app's SERVICE_TYPE).",
    )
    liveness: Liveness = Field(
        default_factory=lambda: _liveness(kind="http", path="/healthcheck"),
        description="How Flower is checked (Flower's /healthcheck needs no login).",
    )
    variables: Variables = Field(default_factory=dict, description="Variables of Flower only, over the stack's.")
    port: Annotated[int, Field(ge=1, le=65535, description="Port Flower listens on (private network only).")] = 5555
    sizing: Sizing = Field(default_factory=Sizing, description="Replicas and limits of Flower.")

    def listens_on(self) -> int | None:
        return self.port


class Deployments(Model):
    """How `pulumi up` waits for Railway's deployments: each deployment step waits for SUCCESS, and a
    FAILED or CRASHED deployment (or one still running at its timeout) fails the `up`, so nothing that
    depends on it is deployed. A role's timeout is `build_seconds` plus its healthcheck timeout (the
    API), or plus `start_seconds` (roles without a healthcheck)."""

    wait: bool = Field(
        default=True, description="Wait for each deployment to reach SUCCESS before deploying what depends on it."
    )
    build_seconds: Annotated[
        int,
        Field(
            ge=10,
            le=3600,
            description=("Time allowed to pull or build the image and run the pre-deploy command, per deployment."),
        ),
    ] = 600
    start_seconds: Annotated[
        int,
        Field(ge=5, le=3600, description=("Time allowed for a role without a healthcheck to start and keep running.")),
    ] = 120
    poll_seconds: Annotated[float, Field(gt=0, le=60, description="Interval between status reads.")] = 2
    expected_seconds: Annotated[
        int,
        Field(
            ge=1,
            le=3600,
            description=(
                "How long a deployment usually takes (build and start), for the estimate of an up's Railway API "
                "requests that the plan check holds against the plan's hourly budget."
            ),
        ),
    ] = 120


class Postgres(Model):
    """The PostgreSQL database."""

    service_name: str | None = _service_name("Postgres")
    version: Annotated[
        str, Field(pattern=r"^(1[3-9])$", coerce_numbers_to_str=True, description="Major version (13-19).")
    ] = "16"
    image: str | None = Field(
        default=None,
        description="Image to run; default Railway's postgres-ssl image of `version` (the official image locally).",
    )
    volume: bool = Field(default=True, description="Keep the data on a volume.")
    backups: list[BackupKind] = Field(default_factory=list, description="Volume backup schedules.")
    protect: bool = Field(default=False, description="Refuse to delete the database and its volume (Pulumi `protect`).")
    sizing: Sizing = Field(default_factory=Sizing, description="Limits of the database; replicas must stay 1.")

    @model_validator(mode="after")
    def _consistent(self) -> Postgres:
        if self.sizing.replicas != 1:
            raise ValueError(
                f"sizing.replicas = {self.sizing.replicas}: one database instance (a volume has one writer)"
            )
        if self.backups and not self.volume:
            raise ValueError("backups need volume: true (backups are volume snapshots)")
        return self


class Redis(Model):
    """Redis, the Celery broker and cache: a service of the stack, or an external one (e.g. Upstash)."""

    mode: Literal["service", "external"] = Field(
        default="service", description="Run Redis in the stack, or use an external URL."
    )
    service_name: str | None = _service_name("Redis")
    image: str | None = Field(default=None, description="Image when mode is service; default the official redis image.")
    version: Annotated[
        str, Field(pattern=r"^[6-8](\.\d+)?$", coerce_numbers_to_str=True, description="Redis major(.minor) version.")
    ] = "7"
    volume: bool = Field(default=True, description="Persist Redis data on a volume (mode service).")
    external_url_key: str | None = Field(
        default=None,
        description="Name of the (secret) stack config key holding the external rediss:// URL (mode external).",
    )
    sizing: Sizing = Field(default_factory=Sizing, description="Limits of Redis; replicas must stay 1.")

    @model_validator(mode="after")
    def _mode(self) -> Redis:
        if self.mode == "external" and not self.external_url_key:
            raise ValueError("mode external needs external_url_key (a secret config key with the rediss:// URL)")
        if self.mode == "service" and self.external_url_key:
            raise ValueError("external_url_key is only for mode external")
        if self.sizing.replicas != 1:
            raise ValueError(f"sizing.replicas = {self.sizing.replicas}: one Redis instance")
        return self


SecretName = Literal[
    "secret_key", "jwt_secret_key", "admin_password", "postgres_password", "redis_password", "flower_password"
]


class Secrets(Model):
    """Generated secrets. Bump a rotation number to generate that secret anew."""

    length: Annotated[int, Field(ge=24, le=128, description="Length of generated secrets.")] = 48
    rotation: dict[SecretName, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict, description="Rotation counter per secret; changing one regenerates only that secret."
    )
    provided: list[SecretName] = Field(
        default_factory=list,
        description=(
            "Secrets taken from the secret stack config key of the same name (railstack:<name>) instead of "
            "generated: a database adopted with its data keeps the password it was initialised with (scripts/adopt)."
        ),
    )

    @field_validator("provided")
    @classmethod
    def _once(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"provided {value} names a secret twice")
        return value


class LocalDocker(Model):
    """Settings of the local Docker target only: which host ports publish what, and volume lifetime.

    Published ports are always bound to 127.0.0.1: a development stack is never reachable from
    the network.
    """

    api_port: Annotated[int, Field(ge=1024, le=65535, description="Host port (on 127.0.0.1) of the API.")] = 8000
    flower_port: Annotated[
        int, Field(ge=1024, le=65535, description="Host port (on 127.0.0.1) of Flower, when enabled.")
    ] = 5555
    postgres_port: Annotated[
        int | None, Field(ge=1024, le=65535, description="Host port (on 127.0.0.1) of Postgres; unset: not published.")
    ] = None
    redis_port: Annotated[
        int | None, Field(ge=1024, le=65535, description="Host port (on 127.0.0.1) of Redis; unset: not published.")
    ] = None
    keep_volumes: bool = Field(
        default=False, description="Leave the Postgres and Redis volumes in place when the stack is destroyed."
    )
    start_timeout: Annotated[
        int, Field(ge=10, le=1800, description="Seconds each container may take to become healthy during `pulumi up`.")
    ] = 180

    @model_validator(mode="after")
    def _distinct_ports(self) -> LocalDocker:
        ports = [p for p in (self.api_port, self.flower_port, self.postgres_port, self.redis_port) if p is not None]
        if len(set(ports)) != len(ports):
            raise ValueError(f"host ports must differ, got {ports}")
        return self


class StackConfig(Model):
    """A railstack stack: what `railstack:stack` in Pulumi.<stack>.yaml configures, over the profile."""

    target: Literal["railway", "docker"] = Field(description="Where the stack runs.")
    environment: Literal["demo", "staging", "production", "development"] = Field(
        description="The environment profile the stack uses."
    )
    region: Region = Field(
        default=DEFAULT_REGION, description="Railway region of every role that sets no sizing.region."
    )
    deployments: Deployments = Field(default_factory=Deployments, description="How `pulumi up` waits for deployments.")
    project_name: Annotated[
        str | None,
        Field(
            pattern=NAME,
            description="Railway project name, or the prefix of local Docker names; default railstack-<stack>.",
        ),
    ] = None
    app: AppSource = Field(description="The app image every role runs.")
    api: ApiRole = Field(default_factory=ApiRole, description="The HTTP API role.")
    workers: dict[Annotated[str, Field(pattern=NAME)], WorkerRole] = Field(
        default_factory=lambda: {"logs": WorkerRole(), "content_generation": WorkerRole()},
        description="Celery worker services by name; each consumes `queues` (default its name).",
    )
    beat: BeatRole = Field(default_factory=BeatRole, description="The Celery beat scheduler.")
    flower: FlowerRole = Field(default_factory=FlowerRole, description="Optional Flower monitor.")
    postgres: Postgres = Field(default_factory=Postgres, description="The database.")
    redis: Redis = Field(default_factory=Redis, description="The broker and cache.")
    secrets: Secrets = Field(default_factory=Secrets, description="Generated secrets and their rotation.")
    docker: LocalDocker = Field(default_factory=LocalDocker, description="Local Docker settings (target docker only).")
    variables: Variables = Field(
        default_factory=dict,
        description=(
            "Variables of every app role, over the defaults (railstack/plan.py): plain text or references such as "
            "`${postgres.host}`; a value that looks like a credential is refused (use sensitive_variables)."
        ),
    )
    sensitive_variables: list[Annotated[str, Field(pattern=ENV_VAR)]] = Field(
        default_factory=list,
        description="Extra secret variables for every app role, each read from the secret stack config key of that name.",
    )

    @field_validator("workers")
    @classmethod
    def _workers(cls, value: dict[str, WorkerRole]) -> dict[str, WorkerRole]:
        if not any(worker.enabled for worker in value.values()):
            raise ValueError("at least one enabled worker is needed")
        return value

    @field_validator("variables")
    @classmethod
    def _platform(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        for name in value:
            if name in RESERVED_VARIABLES:
                raise ValueError(f"{name} is set by railstack from the role's port (api.port, flower.port)")
        return value

    @classmethod
    def for_environment(
        cls, environment: str, *, stack: str | None = None, **fields: Any
    ) -> StackConfig:  # ConfigError (a ValueError) lists every problem
        """The configuration `fields` set, merged over the profile of `environment` before it is
        validated, as a `Pulumi.<stack>.yaml` is: what `StackConfig(...)` cannot build on its own when
        the profile supplies what the environment requires (production's backups and protect).
        `fields` may be models or plain values; `stack` names the stack in error messages."""
        from railstack.stacks.load import load_code_config

        return load_code_config(stack or environment, {"environment": environment, **fields})

    def railway_service_names(self) -> dict[str, str]:
        """The Railway service name of every service the stack runs, by key path (api, workers.<name>, ...)."""
        names = {"postgres": self.postgres.service_name or "Postgres"}
        if self.redis.mode == "service":
            names["redis"] = self.redis.service_name or "Redis"
        names.update({entry.key: entry.role.service_name or entry.name for entry in self.roles()})
        return names

    def roles(self) -> list[RoleEntry]:
        """Every app role the stack runs, in deployment order (the API, the enabled workers, beat,
        Flower when enabled): the one list every other list of roles comes from."""
        found = [RoleEntry("api", "api", self.api)]
        found += [
            RoleEntry(f"worker-{name.replace('_', '-')}", f"workers.{name}", worker, worker=name)
            for name, worker in self.enabled_workers().items()
        ]
        found.append(RoleEntry("beat", "beat", self.beat))
        if self.flower.enabled:
            found.append(RoleEntry("flower", "flower", self.flower))
        return found

    def enabled_workers(self) -> dict[str, WorkerRole]:
        """The workers the stack runs (`enabled: false` removes one)."""
        return {name: worker for name, worker in self.workers.items() if worker.enabled}

    def role_variables(self) -> dict[str, dict[str, str | None]]:
        """Each role's own variables, by key path prefix (api, workers.<name>, beat, flower)."""
        found: dict[str, dict[str, str | None]] = {
            "api": self.api.variables,
            "beat": self.beat.variables,
            "flower": self.flower.variables,
        }
        found.update({f"workers.{name}": worker.variables for name, worker in self.workers.items()})
        return found

    @model_validator(mode="after")
    def _environment_rules(self) -> StackConfig:
        # Top-level rules: messages start with the key path, as field errors do.
        if self.environment == "production":
            p = self.postgres
            if not (p.volume and p.backups and p.protect):
                raise ValueError(
                    f"postgres: production needs volume: true, backups and protect: true "
                    f"(now volume: {p.volume}, backups: {list(p.backups)}, protect: {p.protect})"
                )
        names = self.railway_service_names()
        taken: dict[str, str] = {}
        for key, service in names.items():
            if service.lower() in taken:
                raise ValueError(
                    f"{key}.service_name = {service!r}: {taken[service.lower()]} has that Railway service name "
                    "(names are unique per project, whatever their case)"
                )
            taken[service.lower()] = key
        if self.target == "docker":
            if self.environment != "development":
                raise ValueError(
                    f"target = 'docker': docker is for the development environment, not {self.environment}"
                )
            if self.app.repo is not None:
                raise ValueError(
                    "app.repo: Railway builds repositories; on target docker set app.path (built locally) or app.image"
                )
            if self.api.sizing.replicas != 1:
                raise ValueError(
                    f"api.sizing.replicas = {self.api.sizing.replicas}: on target docker the API publishes one host port, so 1 replica"
                )
            if self.redis.mode == "external" and self.docker.redis_port is not None:
                raise ValueError("docker.redis_port: there is no local Redis to publish when redis.mode is external")
        else:
            roles = {entry.name for entry in self.roles()} | {"flower"}
            unknown = sorted(set(self.app.role_watch_patterns) - roles)
            if unknown:
                raise ValueError(
                    f"app.role_watch_patterns: {', '.join(unknown)} is not a role of this stack; roles: {', '.join(sorted(roles))}"
                )
            if self.app.path is not None:
                raise ValueError(
                    "app.path: only the local Docker target builds from a directory; on Railway set app.image or app.repo"
                )
            if "docker" in self.model_fields_set:
                raise ValueError("docker: these settings are for target docker only")
        return self


@dataclass(frozen=True)
class RoleEntry:
    """One app role the stack runs: its name (api, worker-<name>, beat, flower), its key path in the
    config (api, workers.<name>, beat, flower) and its settings."""

    name: str
    key: str
    role: Role
    worker: str | None = None
    """The worker's name in `workers` (kind worker)."""

    @property
    def kind(self) -> RoleKind:
        return self.role.kind


#: Variables the platform side sets from the model (the port a role's healthcheck and domain use);
#: every other default variable may be overridden or removed (`null`).
RESERVED_VARIABLES = frozenset({"PORT"})
