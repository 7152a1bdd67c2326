"""The plan: every workload and data store of a stack, fully described once, for every target.

`build_plan(stack, config)` turns the validated model into plain data: for each workload its
command, pre-deploy command, liveness probe, exposure, restart and draining, replicas and limits,
variables and what it deploys after; for each data store its image, mount, port, password and the
values it offers. The targets (`railstack/components/railway`, `railstack/components/docker`), the Compose twin in
`bench/compose.py` and the policy pack render or read only this; none of them branches on the
model again.

Variables are target-neutral: text with references such as `${postgres.host}`, `${redis.url}/1`,
`${secrets.secret_key}` or `https://${api.public_domain}`. A data store *offers* named values
(score-spec's resource outputs: a workload names them, each target's provisioner promises them):
on Railway a reference renders as a Railway reference (`${{Postgres.PGHOST}}`,
`${{shared.SECRET_KEY}}`), on Docker as the value itself (secret when its source is). The default
variable set (DATABASE_URL, REDIS_URL, CELERY_*, SECRET_KEY, SERVICE_TYPE... the reference app's
contract) is written in the same syntax: it is the default of this mechanism, not a special case.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar, get_args

from railstack.components.commands import needs_shell, shell_exec
from railstack.stacks.model import (
    DEFAULT_REGION,
    ApiRole,
    AppSource,
    Deployments,
    Liveness,
    LivenessKind,
    LocalDocker,
    Region,
    RoleEntry,
    RoleKind,
    SecretName,
    Sizing,
    StackConfig,
)
from railstack.stores import POSTGRES, REDIS, StoreSpec

StoreName = Literal["postgres", "redis"]
V = TypeVar("V")

#: `${source.name}`: a data store's offer, a secret, or a workload's address.
REFERENCE = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)\}")
#: Railway's own reference syntax, which only one target understands.
RAILWAY_REFERENCE = re.compile(r"\$\{\{")

#: Flower's password, generated only when Flower runs.
FLOWER_SECRET: SecretName = "flower_password"
#: Secrets every stack generates (lowercase; the shared variable is the uppercase name): the model's
#: list (`SecretName`, what `secrets.rotation` accepts) is the only spelling of them.
GENERATED_SECRETS: tuple[SecretName, ...] = tuple(n for n in get_args(SecretName) if n != FLOWER_SECRET)
#: Flower's basic-auth user; the password is the generated flower_password.
FLOWER_USER = "admin"


class PlanError(ValueError):
    """The configuration cannot be planned (an unknown reference, ...): one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Ref:
    """One reference inside a value: `${source.name}`."""

    source: str
    """postgres, redis, secrets, or a workload's name (api, flower, worker-logs, ...)."""
    name: str

    @property
    def text(self) -> str:
        return "${" + f"{self.source}.{self.name}" + "}"


Part = str | Ref


@dataclass(frozen=True)
class Value:
    """A variable's value: literal text and references, in order."""

    parts: tuple[Part, ...]
    secret: bool = False
    """True when any reference reaches a secret (a password, a generated secret, a URL with one)."""

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    @property
    def text(self) -> str:
        """The value as configured, in railstack's syntax (never a secret: references stay references)."""
        return "".join(p.text if isinstance(p, Ref) else p for p in self.parts)

    def render(self, resolve: Callable[[Ref], V]) -> list[str | V]:
        """The parts with each reference resolved by the target (`${{...}}` text, or an output)."""
        return [resolve(p) if isinstance(p, Ref) else p for p in self.parts]


@dataclass(frozen=True)
class Offer:
    """A value a data store offers to workloads (`${postgres.host}`)."""

    name: str
    railway_variable: str
    """The store's own Railway variable holding it: `${postgres.host}` is `${{Postgres.PGHOST}}`."""
    docker: Value
    """What it is on Docker, where the store's network alias is its host."""
    description: str

    @property
    def secret(self) -> bool:
        return self.docker.secret


@dataclass(frozen=True)
class DataStore:
    """Postgres or Redis as the stack runs it."""

    name: StoreName
    """Reference source and Docker role (network alias)."""
    service_name: str
    """Railway service name, what `${{Name.VAR}}` references use."""
    image: str
    port: int
    mount: str | None
    """Mount path of its data volume; None without a volume."""
    password_secret: str
    user: str
    """The user apps log in as."""
    sizing: Sizing
    database: str | None = None
    """The database apps use (Postgres)."""
    protect: bool = False
    backups: tuple[str, ...] = ()
    offers: dict[str, Offer] = field(default_factory=dict)
    spec: StoreSpec = POSTGRES
    """The store's one definition (railstack/stores.py): its data directory, command, Railway variables."""


@dataclass(frozen=True)
class Probe:
    """How a workload is checked alive (see stacks.model.Liveness), resolved for its command."""

    kind: LivenessKind
    path: str | None = None
    """HTTP path (kind http)."""
    port: int | None = None
    """Port the HTTP check uses (the workload's port)."""
    shell: str | None = None
    """The check as a shell command line (kinds command, celery-ping, beat-schedule)."""
    interval_seconds: int = 5
    summary: str = ""
    """One line saying what is checked, for messages."""

    def describe(self) -> str:
        if self.kind == "http":
            return f"http: GET {self.path} on port {self.port} answers 2xx"
        if self.kind == "none":
            return "none: running is enough"
        return f"{self.kind}: {self.summary or self.shell}"


@dataclass(frozen=True)
class Workload:
    """One app role as the stack runs it."""

    name: str
    """Service / container role name: api, worker-<name>, beat, flower."""
    kind: RoleKind
    key: str
    """Key path of its settings: api, workers.<name>, beat, flower."""
    service_name: str
    """Railway service name, what `${{Name.VAR}}` references use (the role's name unless configured)."""
    command: str | None
    """Start command as configured (replaces the image's ENTRYPOINT); None: the image's own."""
    pre_deploy: str | None
    """Runs in a one-off container of the same image before the workload goes live."""
    probe: Probe
    port: int | None
    """Port it listens on (PORT)."""
    public: bool
    """Gets a public domain (Railway) / a published loopback port (Docker)."""
    custom_domains: tuple[str, ...]
    sizing: Sizing
    variables: dict[str, Value]
    deploy_after: tuple[str, ...]
    """Workloads and data stores that must be live first."""
    draining_seconds: int | None = None
    overlap_seconds: int | None = None
    """Seconds the new deployment overlaps the old one (beat: 0, never two schedulers)."""
    healthcheck_timeout: int | None = None
    restart: Literal["ON_FAILURE", "ALWAYS"] = "ON_FAILURE"
    restart_max_retries: int = 10
    secrets_used: tuple[str, ...] = ()
    """Generated secrets its variables reach, directly or through a store's URL or password:
    rotating one redeploys it."""

    @property
    def argv(self) -> list[str] | None:
        return command_argv(self.command)

    @property
    def pre_deploy_argv(self) -> list[str] | None:
        return command_argv(self.pre_deploy)


@dataclass(frozen=True)
class SecretSettings:
    """How the generated secrets are made."""

    length: int = 48
    rotation: Mapping[str, int] = field(default_factory=dict)
    """Rotation counter per secret name: bumping one regenerates only that secret."""


@dataclass(frozen=True)
class Plan:
    """Everything a renderer needs: neither renderer reads the model (`railstack.stacks`)."""

    stack: str
    target: Literal["railway", "docker"]
    stores: dict[str, DataStore]
    workloads: list[Workload]
    """The API first; the others deploy after it."""
    generated_secrets: tuple[str, ...]
    shared_secrets: tuple[str, ...]
    """Secret variables the stack reads from its secret config (by variable name)."""
    external_redis: bool = False
    environment: str = "development"
    """The stack's environment (development, demo, staging, production)."""
    source: AppSource | None = None
    """Where the one app image comes from (image, repository, or a local directory)."""
    secrets: SecretSettings = field(default_factory=SecretSettings)
    region: Region = DEFAULT_REGION
    """Railway region of every workload whose sizing names none."""
    deployments: Deployments = field(default_factory=Deployments)
    """How Railway releases wait for their deployment."""
    local: LocalDocker | None = None
    """The local engine's settings (target docker)."""

    @property
    def protected(self) -> bool:
        """Production's project and data are protected from deletion."""
        return self.environment == "production"

    @property
    def host_ports(self) -> dict[str, int]:
        """Loopback ports the local engine publishes, by workload (target docker): the API and Flower."""
        if self.local is None:
            return {}
        return {"api": self.local.api_port, "flower": self.local.flower_port}

    def workload(self, name: str) -> Workload:
        return next(w for w in self.workloads if w.name == name)

    def known_references(self) -> list[str]:
        return sorted(
            _known(self.stores, self.external_redis, (*self.generated_secrets, *self.shared_secrets), self.workloads)
        )


def command_argv(command: str | None) -> list[str] | None:
    """The exec-form argv of a configured command: as written, or wrapped in `/bin/sh -c "exec ..."`
    when it uses `$VARIABLES` (neither Railway nor Docker expands them in exec form)."""
    if command is None:
        return None
    if needs_shell(command):
        return shell_exec(command)
    return shlex.split(command)


# --- values and references ----------------------------------------------------------------------


def parse(text: str) -> Value:
    """`text` as literal parts and references (unchecked; `resolve_value` checks them)."""
    parts: list[Part] = []
    position = 0
    for match in REFERENCE.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        parts.append(Ref(match.group(1), match.group(2)))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return Value(tuple(parts))


def lit(text: str) -> Value:
    return Value((text,))


def _secrets_of(value: Value, stores: dict[str, DataStore]) -> set[str]:
    """The generated secrets a value reaches, through the stores' offers too."""
    found = set()
    for ref in value.refs:
        if ref.source == "secrets":
            found.add(ref.name)
        elif ref.source in stores:
            found |= {r.name for r in stores[ref.source].offers[ref.name].docker.refs if r.source == "secrets"}
    return found


def _offers(store: StoreSpec) -> dict[str, Offer]:
    """The store's offers (railstack/stores.py) as the plan resolves them."""
    return {
        o.name: Offer(o.name, o.railway_variable, Value(parse(o.docker_value).parts, o.secret), o.description)
        for o in store.offers
    }


#: What a workload offers others: its private address, its port and, for a public one, its domain
#: and its host name. The two are one Railway variable, but on Docker the domain is the published
#: loopback address with its port (what a URL needs) and the host name is the address alone (what a
#: host allow-list such as Django's ALLOWED_HOSTS matches: never a port). The first offer of a
#: variable is the one a Railway reference translates back to (adopt/variables.py).
WORKLOAD_OFFERS = {
    "private_domain": "RAILWAY_PRIVATE_DOMAIN",
    "port": "PORT",
    "public_domain": "RAILWAY_PUBLIC_DOMAIN",
    "public_host": "RAILWAY_PUBLIC_DOMAIN",
}


def _known(
    stores: Mapping[str, DataStore], external_redis: bool, secrets: Iterable[str], addresses: Iterable[Workload | _Role]
) -> set[str]:
    """Every reference a value may use: the stores' offers, the secrets, the roles' addresses."""
    known = {f"${{{store}.{offer}}}" for store, s in stores.items() for offer in s.offers}
    if external_redis:
        known.add("${redis.url}")
    known |= {f"${{secrets.{name}}}" for name in secrets}
    for role in addresses:
        known.add(f"${{{role.name}.private_domain}}")
        if role.port is not None:
            known.add(f"${{{role.name}.port}}")
        if role.public:
            known.add(f"${{{role.name}.public_domain}}")
            known.add(f"${{{role.name}.public_host}}")
    return known


# --- defaults ------------------------------------------------------------------------------------


def default_variables(kind: RoleKind, config: StackConfig, worker: str | None = None) -> dict[str, str]:
    """The variables every role gets unless the configuration overrides or removes (null) them: the
    connection values, the generated secrets, and the reference app's role contract."""
    variables = {
        "DATABASE_URL": "${postgres.url}",
        "REDIS_URL": "${redis.url}",
        "CELERY_BROKER_URL": "${redis.url}",
        "CELERY_RESULT_BACKEND": "${redis.url}",
        "SECRET_KEY": "${secrets.secret_key}",
        "JWT_SECRET_KEY": "${secrets.jwt_secret_key}",
    }
    variables.update({name: f"${{secrets.{name}}}" for name in config.sensitive_variables})
    if kind == "api":
        api = config.api
        variables.update(
            SERVICE_TYPE="api",
            WEB_CONCURRENCY=str(api.web_concurrency),
            THREADS=str(api.threads),
            ADMIN_PASSWORD="${secrets.admin_password}",
        )
    elif kind == "worker":
        assert worker is not None
        spec = config.workers[worker]
        variables.update(
            SERVICE_TYPE=f"celery_{worker}",
            CELERY_QUEUES=",".join(spec.queues or [worker]),
            CELERY_POOL=spec.pool,
            CELERY_CONCURRENCY=str(spec.concurrency),
            CELERY_MAX_TASKS_PER_CHILD=str(spec.max_tasks_per_child),
        )
    elif kind == "beat":
        variables["SERVICE_TYPE"] = "beat"
    else:
        variables.update(SERVICE_TYPE="flower", FLOWER_BASIC_AUTH=f"{FLOWER_USER}:${{secrets.{FLOWER_SECRET}}}")
    return variables


# --- liveness ------------------------------------------------------------------------------------


def _option(argv: list[str], *names: str) -> str | None:
    """The value of `-A x`, `--app x` or `--app=x` in a command line."""
    for index, word in enumerate(argv):
        for name in names:
            if word == name and index + 1 < len(argv):
                return argv[index + 1]
            if name.startswith("--") and word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


def _words(command: str | None) -> list[str]:
    if command is None:
        return []
    try:
        return shlex.split(command)
    except ValueError:
        return []


#: Beat's liveness: its schedule file (and what shelve adds to the name) was rewritten within the
#: maximum age, and since the first check of this container, so a beat that wrote the file once at
#: start and then hung (a broker it cannot reach) never turns healthy.
BEAT_CHECK = """\
import glob, os, sys, time
path, max_age, state = sys.argv[1], float(sys.argv[2]), "/tmp/.railstack-beat-liveness"
times = [os.stat(p).st_mtime for p in glob.glob(glob.escape(path) + "*") if not p.endswith(".railstack")]
if not times:
    sys.exit("beat-schedule: no schedule file %s yet" % path)
newest, age = max(times), time.time() - max(times)
if age > max_age:
    sys.exit("beat-schedule: %s last written %.0f s ago (more than %.0f s)" % (path, age, max_age))
try:
    first = float(open(state).read())
except (OSError, ValueError):
    open(state, "w").write(repr(newest))
    sys.exit("beat-schedule: %s seen; waiting for beat to rewrite it" % path)
if newest <= first:
    sys.exit("beat-schedule: beat has not rewritten %s since the first check" % path)
print("beat-schedule: rewritten %.0f s ago" % age)
"""


def probe_for(liveness: Liveness, command: str | None, port: int | None, celery_app: str) -> Probe:
    """The role's liveness resolved against its command: the Celery app and node of `celery-ping`,
    the schedule file of `beat-schedule` come from the command when it names them."""
    words = _words(command)
    interval = liveness.interval_seconds
    if liveness.kind == "http":
        return Probe("http", path=liveness.path, port=port, interval_seconds=interval)
    if liveness.kind == "command":
        return Probe("command", shell=liveness.command, interval_seconds=interval)
    if liveness.kind == "celery-ping":
        app = _option(words, "-A", "--app") or celery_app
        node = _option(words, "-n", "--hostname") or "celery@%h"
        # In double quotes, with Celery's %h as the shell's $HOSTNAME (the container's host name).
        escaped = node.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
        node_text = '"' + escaped.replace("%h", "$HOSTNAME") + '"'
        shell = f"celery -A {shlex.quote(app)} inspect ping -d {node_text} --timeout 5"
        return Probe(
            "celery-ping",
            shell=shell,
            interval_seconds=interval,
            summary=f"`celery -A {app} inspect ping` reaches {node}",
        )
    if liveness.kind == "beat-schedule":
        schedule = _option(words, "-s", "--schedule") or liveness.schedule_file or "celerybeat-schedule"
        shell = " ".join(shlex.quote(w) for w in ("python3", "-c", BEAT_CHECK, schedule, str(liveness.max_age_seconds)))
        return Probe(
            "beat-schedule",
            shell=shell,
            interval_seconds=interval,
            summary=f"{schedule} rewritten within {liveness.max_age_seconds} s",
        )
    return Probe("none", interval_seconds=interval)


# --- the plan ------------------------------------------------------------------------------------


def _layered(*layers: Mapping[str, str | None]) -> dict[str, str]:
    merged: dict[str, str | None] = {}
    for layer in layers:
        merged.update(layer)
    return {name: value for name, value in merged.items() if value is not None}


def _resolve_values(
    stack: str, path_of: Callable[[str], str], raw: dict[str, str], known: set[str], secret_refs: Callable[[Ref], bool]
) -> tuple[dict[str, Value], list[str]]:
    values: dict[str, Value] = {}
    problems: list[str] = []
    for name, text in sorted(raw.items()):
        key = path_of(name)
        if RAILWAY_REFERENCE.search(text):
            problems.append(
                f"{stack}: {key}: `${{{{...}}}}` is Railway's own syntax; write railstack's "
                f"target-neutral references instead, e.g. ${{postgres.url}} or ${{secrets.secret_key}}"
            )
            continue
        value = parse(text)
        unknown = [ref.text for ref in value.refs if ref.text not in known]
        if unknown:
            problems.append(
                f"{stack}: {key}: unknown reference {', '.join(unknown)}; known references: {', '.join(sorted(known))}"
            )
            continue
        values[name] = Value(value.parts, any(secret_refs(ref) for ref in value.refs))
    return values, problems


@dataclass(frozen=True)
class _Role:
    """One role's settings as the model gives them, before its variables are resolved."""

    name: str
    kind: RoleKind
    key: str
    command: str | None
    liveness: Liveness
    sizing: Sizing
    own: Mapping[str, str | None]
    """The role's own variables (`<key>.variables`)."""
    worker: str | None = None
    pre_deploy: str | None = None
    port: int | None = None
    public: bool = False
    custom_domains: tuple[str, ...] = ()
    draining_seconds: int | None = None
    overlap_seconds: int | None = None
    healthcheck_timeout: int | None = None


def _role(entry: RoleEntry) -> _Role:
    """One role of the model as the plan takes it: what every role has, and what its kind may add."""
    role = entry.role
    api = role if isinstance(role, ApiRole) else None
    return _Role(
        name=entry.name,
        kind=entry.kind,
        key=entry.key,
        command=role.start_command,
        liveness=role.liveness,
        sizing=role.sizing,
        own=role.variables,
        worker=entry.worker,
        pre_deploy=api.pre_deploy_command if api else None,
        port=role.listens_on(),
        public=role.is_public(),
        custom_domains=tuple(api.custom_domains) if api else (),
        draining_seconds=role.grace_seconds(),
        # Beat overlaps nothing: never two schedulers, not even while a deployment replaces another.
        overlap_seconds=0 if entry.kind == "beat" else None,
        healthcheck_timeout=api.healthcheck_timeout if api else None,
    )


def _roles(config: StackConfig) -> list[_Role]:
    """The API, the enabled workers, beat and Flower (when enabled), in deployment order."""
    return [_role(entry) for entry in config.roles()]


def build_plan(stack: str, config: StackConfig, *, shared_secrets: Iterable[str] | None = None) -> Plan:
    """The plan of `stack`; PlanError lists every reference that cannot be resolved."""
    target = config.target
    external = config.redis.mode == "external"
    stores: dict[str, DataStore] = {}
    # Railway service names, the defaults and those configured, from one place (the model).
    service_names = config.railway_service_names()
    pg = config.postgres
    stores["postgres"] = DataStore(
        name="postgres",
        service_name=service_names["postgres"],
        image=pg.image
        or (
            f"ghcr.io/railwayapp-templates/postgres-ssl:{pg.version}"
            if target == "railway"
            else f"postgres:{pg.version}"
        ),
        port=POSTGRES.port,
        mount=POSTGRES.data_dir if pg.volume else None,
        password_secret=POSTGRES.password_secret,
        user=POSTGRES.user,
        database=POSTGRES.database,
        sizing=pg.sizing,
        protect=pg.protect,
        backups=tuple(pg.backups),
        offers=_offers(POSTGRES),
        spec=POSTGRES,
    )
    if not external:
        rd = config.redis
        stores["redis"] = DataStore(
            name="redis",
            service_name=service_names["redis"],
            image=rd.image or f"redis:{rd.version}",
            port=REDIS.port,
            mount=REDIS.data_dir if rd.volume else None,
            password_secret=REDIS.password_secret,
            user=REDIS.user,
            sizing=rd.sizing,
            offers=_offers(REDIS),
            spec=REDIS,
        )
    generated = GENERATED_SECRETS + ((FLOWER_SECRET,) if config.flower.enabled else ())
    shared = tuple(sorted(shared_secrets if shared_secrets is not None else config.sensitive_variables))

    # The roles first (their addresses are references too), then their variables.
    roles = _roles(config)
    known = _known(stores, external, (*generated, *shared), roles)

    def secret_ref(ref: Ref) -> bool:
        if ref.source == "secrets":
            return True
        store = stores.get(ref.source)
        if store is not None:
            return store.offers[ref.name].secret
        return ref.source == "redis" and external  # the external URL embeds its password

    store_names = tuple(stores)
    problems: list[str] = []
    workloads: list[Workload] = []
    common = config.variables
    for role in roles:
        if "PORT" in role.own:
            problems.append(f"{stack}: {role.key}.variables.PORT: set by railstack from {role.key}.port")
        raw = _layered(default_variables(role.kind, config, role.worker), dict(common), dict(role.own))
        if role.port is not None:
            raw["PORT"] = str(role.port)

        def path_of(name: str, role: _Role = role) -> str:
            if name in role.own:
                return f"{role.key}.variables.{name}"
            return f"variables.{name}" if name in common else f"{role.key} (default variable {name})"

        values, found = _resolve_values(stack, path_of, raw, known, secret_ref)
        problems.extend(found)
        reached = {n for v in values.values() for n in _secrets_of(v, stores)}
        workloads.append(
            Workload(
                name=role.name,
                kind=role.kind,
                key=role.key,
                service_name=service_names[role.key],
                command=role.command,
                pre_deploy=role.pre_deploy,
                probe=probe_for(role.liveness, role.command, role.port, config.app.celery_app),
                port=role.port,
                public=role.public,
                custom_domains=role.custom_domains,
                sizing=role.sizing,
                variables=values,
                # The API runs the migrations: everything else deploys after it.
                deploy_after=store_names if role.kind == "api" else (*store_names, "api"),
                draining_seconds=role.draining_seconds,
                overlap_seconds=role.overlap_seconds,
                healthcheck_timeout=role.healthcheck_timeout,
                secrets_used=tuple(sorted(reached & set(generated))),
            )
        )
    if problems:
        raise PlanError(sorted(dict.fromkeys(problems)))
    return Plan(
        stack,
        target,
        stores,
        workloads,
        generated,
        shared,
        external,
        environment=config.environment,
        source=config.app,
        secrets=SecretSettings(config.secrets.length, {str(k): v for k, v in config.secrets.rotation.items()}),
        region=config.region,
        deployments=config.deployments,
        local=config.docker if target == "docker" else None,
    )
