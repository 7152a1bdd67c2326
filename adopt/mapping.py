"""Which railstack role each service of a hand-made project plays, and the stack that follows: pure
functions on an `Inventory`, no I/O.

The rules (nothing is asked when they are unambiguous):

- Postgres: the service whose image contains `postgres`, or with a volume at /var/lib/postgresql/data;
  failing those, the one whose variables hold a literal POSTGRES_PASSWORD or PGDATA. Redis: the image
  contains `redis`, or REDIS_PASSWORD with a `redis-server` start command. At most one of each.
- Every other service is an app role, and they all run ONE source (an image, or a repo and branch):
  `app`. Each one's role comes from, in order, its SERVICE_TYPE variable (`api`, `beat`, `flower`,
  `celery_<worker>`, `worker`), its start command (uvicorn/gunicorn/`entrypoint api`, `celery ... beat`,
  `celery ... worker -Q a,b`, `flower`), then its name (`api`, `*-api`, `*beat*`, `*flower*`,
  `*celery*`/`*worker*`). Exactly one API, at most one beat and one Flower.
- Whatever no rule places, or the model cannot hold (two APIs, two app sources, a TCP proxy or a
  volume on an app role, ...), is a `Problem`; `plan_adoption` raises `Unmappable` with all of them.
- `pulumi up` removes every variable of a service the stack does not produce, so every variable of
  every app service is carried (`carry_variables`), except railstack's own defaults for the role
  (DATABASE_URL, REDIS_URL, CELERY_*, SECRET_KEY, SERVICE_TYPE, PORT, ...: railstack sets them, by its
  references and generated secrets). A literal goes to `<role>.variables` (to the stack-wide
  `variables` when every app role has the same), a literal that is a secret (by its value, the check
  the model applies, or by its name: *KEY*, *SECRET*, *TOKEN*, *PASSWORD*, *DSN*) to
  `sensitive_variables` with its value kept as the secret `railstack:<NAME>`, and a value with Railway
  references `${{...}}` is translated to railstack's (`${postgres.url}`, `${api.public_domain}`, ...;
  `${{shared.X}}` and another service's variable by what they are carried as). A reference with no
  railstack equivalent, or one secret name with two values, is a `Problem`.

Values of variables are secrets: no problem, note or error quotes one.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, get_args

from adopt.common import (
    Adoption,
    AppRole,
    Placed,
    Problem,
    Unmappable,
    literal,
    resolve,
)
from adopt.inventory import Inventory, ServiceInfo
from adopt.variables import GENERATED_SHARED, _App, carry_variables
from railstack.plan import (
    PlanError,
    build_plan,
    default_variables,
)
from railstack.redaction import names_secret
from railstack.stacks.load import ConfigError, load_stack_config
from railstack.stacks.model import DEFAULT_REGION, NAME, SERVICE_NAME, Region, StackConfig

#: SERVICE_TYPE values (and the reference entrypoint's arguments) that name a role by themselves.
_TYPE_ROLES: dict[str, AppRole] = {"api": "api", "beat": "beat", "flower": "flower", "worker": "worker"}

#: The environment profile of each stack name adopt accepts (Railway stacks only).
ENVIRONMENT_OF_STACK = {"demo": "demo", "staging": "staging", "prod": "production", "production": "production"}

#: The API's start command in the model (railstack/stacks/model.py ApiRole); written only when it differs.
DEFAULT_API_COMMAND = "/app/entrypoint api"
#: What railstack's Postgres runs (railstack/components/railway/postgres.py, railstack/plan.py).
PG_MOUNT = "/var/lib/postgresql/data"
PG_DATA = f"{PG_MOUNT}/pgdata"
PG_USER = "postgres"
PG_DATABASE = "railway"
#: Where railstack's Redis keeps its data (railstack/plan.py).
REDIS_MOUNT = "/data"

#: The AppStack's name in __main__.py: every resource name starts with it.
STACK_RESOURCE = "railstack"

REGIONS: tuple[str, ...] = get_args(Region)
_SERVERS = ("uvicorn", "gunicorn", "hypercorn", "daphne")


def default_workers() -> tuple[str, ...]:
    """The workers the model defines when a stack names none (logs, content_generation)."""
    return tuple(StackConfig.model_fields["workers"].get_default(call_default_factory=True))


def environment_of_stack(stack: str) -> str | None:
    """demo -> demo, staging -> staging, prod/production -> production; None for any other name."""
    return ENVIRONMENT_OF_STACK.get(stack)


# --- which role a service plays ------------------------------------------------------------------


def _words(command: str | None) -> list[str]:
    """A command line's words; a `sh -c "..."` script is split into its own words too."""
    if not command:
        return []
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    found: list[str] = []
    for word in words:
        found.extend(_words(word) if " " in word.strip() else [word])
    return found


def _queues_option(words: list[str]) -> tuple[str, ...] | None:
    """The queues of `-Q a,b`, `-Qa,b`, `--queues a,b` or `--queues=a,b`."""
    for index, word in enumerate(words):
        value: str | None = None
        if word in ("-Q", "--queues") and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith("--queues="):
            value = word.split("=", 1)[1]
        elif word.startswith("-Q") and len(word) > 2:
            value = word[2:]
        if value is not None:
            return tuple(q.strip() for q in value.split(",") if q.strip())
    return None


@dataclass(frozen=True)
class _Guess:
    role: AppRole
    how: str
    worker: str | None = None
    """A worker's name when the rule gives one (SERVICE_TYPE=celery_<name>)."""
    queues: tuple[str, ...] | None = None
    """A worker's queues when its start command names them (-Q)."""
    celery_command: bool = False
    """Placed by a `celery ... worker` start command (which, without -Q, consumes Celery's default queue)."""


def _of_type(value: str, how: str) -> _Guess | None:
    """A SERVICE_TYPE value (or the reference entrypoint's argument) as a role."""
    value = value.strip().lower()
    if value in _TYPE_ROLES:
        return _Guess(_TYPE_ROLES[value], how)
    if value.startswith("celery_") and len(value) > len("celery_"):
        return _Guess("worker", how, worker=value.removeprefix("celery_"))
    return None


def command_role(command: str | None) -> _Guess | None:
    """The role a start command runs, when it says."""
    words = _words(command)
    bases = [posixpath.basename(w).lower() for w in words]
    for index, base in enumerate(bases):
        if base in _SERVERS:
            return _Guess("api", f"its start command runs {base}")
        if base == "entrypoint" and index + 1 < len(bases):
            guess = _of_type(bases[index + 1], f"its start command runs entrypoint {bases[index + 1]}")
            if guess is not None:
                return guess
        if base == "celery":
            for sub in bases[index + 1 :]:
                if sub == "worker":
                    return _Guess(
                        "worker",
                        "its start command runs celery worker",
                        queues=_queues_option(words[index + 1 :]),
                        celery_command=True,
                    )
                if sub in ("beat", "flower"):
                    return _Guess(_TYPE_ROLES[sub], f"its start command runs celery {sub}")
        if base == "flower":
            return _Guess("flower", "its start command runs flower")
    return None


def name_role(name: str) -> _Guess | None:
    """The role a service's name says: api, *-api, *beat*, *flower*, *celery* or *worker*."""
    lowered = name.lower()
    if lowered == "api" or lowered.endswith(("-api", "_api")):
        return _Guess("api", "its name")
    for word, role in (("beat", "beat"), ("flower", "flower"), ("celery", "worker"), ("worker", "worker")):
        if word in lowered:
            return _Guess(_TYPE_ROLES[role], "its name")
    return None


def guess_role(service: ServiceInfo, inventory: Inventory) -> _Guess | Problem:
    """The role of an app service by its SERVICE_TYPE, then its start command, then its name."""
    if "SERVICE_TYPE" in service.variables:
        value = resolve(service.variables["SERVICE_TYPE"], service, inventory)
        if value is not None and value.strip():
            guess = _of_type(value, f"SERVICE_TYPE={value.strip()}")
            if guess is None:
                return Problem(
                    service.label,
                    f"SERVICE_TYPE={value.strip()!r} is none of railstack's roles "
                    "(api, beat, flower, celery_<worker>, worker)",
                )
            if guess.role == "worker":
                # The command may still name the queues.
                by_command = command_role(service.start_command)
                if by_command is not None and by_command.role == "worker":
                    return _Guess("worker", guess.how, guess.worker, by_command.queues, by_command.celery_command)
            return guess
    guess = command_role(service.start_command)
    if guess is not None:
        return guess
    guess = name_role(service.name)
    if guess is not None:
        return guess
    return Problem(
        service.label,
        "no rule places it: it has no SERVICE_TYPE variable, its start command runs none of the API, a Celery "
        "worker, beat or Flower, and its name says none of them",
    )


def _worker_name_from_service_name(name: str) -> str | None:
    match = re.fullmatch(r".*(?:celery|worker)[-_ ](.+)", name.lower())
    return match.group(1) if match else None


def _normal_name(value: str) -> str:
    return re.sub(r"[-. ]+", "_", value.strip().lower())


def worker_identity(service: ServiceInfo, guess: _Guess, inventory: Inventory) -> tuple[str, tuple[str, ...]] | Problem:
    """A worker's railstack name and queues: from SERVICE_TYPE=celery_<name>, its -Q queues or
    CELERY_QUEUES, or the suffix of its name after `celery-`/`worker-`."""
    queues = guess.queues
    if queues is None:
        listed = resolve(service.variables.get("CELERY_QUEUES"), service, inventory)
        if listed:
            queues = tuple(q.strip() for q in listed.split(",") if q.strip()) or None
    name = guess.worker
    if name is None and queues is not None and len(queues) == 1:
        name = queues[0]
    if name is None:
        name = _worker_name_from_service_name(service.name)
    if name is None and queues:
        name = queues[0]
    if name is None and guess.celery_command:
        name = "celery"  # `celery worker` without -Q consumes Celery's default queue, "celery"
    if name is None:
        return Problem(
            service.label,
            "a Celery worker, but nothing names it: set SERVICE_TYPE=celery_<name> (or CELERY_QUEUES) on it",
        )
    name = _normal_name(name)
    if not re.fullmatch(NAME, name) or "-" in name:
        return Problem(
            service.label,
            f"its worker name {name!r} is not a railstack worker name (a lowercase letter, then up to 30 "
            "lowercase letters, digits or _)",
        )
    if queues is None:
        queues = ("celery",) if guess.celery_command and guess.worker is None else (name,)
    return name, queues


# --- the data stores -----------------------------------------------------------------------------


def _postgres_evidence(service: ServiceInfo) -> tuple[int, str] | None:
    if service.image and "postgres" in service.image.lower():
        return 2, f"its image {service.image}"
    if service.volume and service.volume.mount_path.rstrip("/") == PG_MOUNT:
        return 2, f"its volume at {PG_MOUNT}"
    if "SERVICE_TYPE" not in service.variables:
        if literal(service.variables.get("POSTGRES_PASSWORD")) is not None:
            return 1, "its POSTGRES_PASSWORD variable"
        if "PGDATA" in service.variables:
            return 1, "its PGDATA variable"
    return None


def _redis_evidence(service: ServiceInfo) -> tuple[int, str] | None:
    if service.image and "redis" in service.image.lower():
        return 2, f"its image {service.image}"
    if "REDIS_PASSWORD" in service.variables and "redis-server" in (service.start_command or ""):
        return 2, "its REDIS_PASSWORD variable and redis-server start command"
    return None


def _pick_store(
    what: str, services: Iterable[ServiceInfo], evidence: Callable[[ServiceInfo], tuple[int, str] | None]
) -> tuple[ServiceInfo | None, str, list[ServiceInfo], list[Problem]]:
    """The one service the evidence points at (strongest evidence first), every candidate, problems."""
    found = [(e, s) for s in services if (e := evidence(s)) is not None]
    if not found:
        return None, "", [], []
    strongest = max(strength for (strength, _), _ in found)
    candidates = [(why, s) for (strength, why), s in found if strength == strongest]
    if len(candidates) == 1:
        why, service = candidates[0]
        return service, why, [service], []
    others = ", ".join(f'"{s.name}"' for _, s in candidates)
    problems = [
        Problem(s.label, f"one of {len(candidates)} {what} services ({others}): railstack runs one {what}")
        for _, s in candidates
    ]
    return None, "", [s for _, s in candidates], problems


# --- the whole project ---------------------------------------------------------------------------


def _source_key(service: ServiceInfo) -> tuple[str, ...] | None:
    if service.image:
        return ("image", service.image)
    if service.repo:
        return ("repo", service.repo, service.branch or "", service.root_directory or "", service.dockerfile_path or "")
    return None


def _describe_source(key: tuple[str, ...]) -> str:
    if key[0] == "image":
        return f"image {key[1]}"
    text = f"repo {key[1]}" + (f" (branch {key[2]})" if key[2] else "")
    if key[3] and key[3] != "/":
        text += f" directory {key[3]}"
    return text


def _app_source(key: tuple[str, ...]) -> dict[str, Any]:
    if key[0] == "image":
        return {"image": key[1]}
    source: dict[str, Any] = {"repo": key[1], "branch": key[2] or "main"}
    if key[3]:
        source["root_directory"] = key[3]
    if key[4]:
        source["dockerfile_path"] = key[4]
    return source


def _port(service: ServiceInfo, inventory: Inventory) -> int | None:
    value = resolve(service.variables.get("PORT"), service, inventory)
    if value is not None and value.strip().isdigit() and 1 <= int(value) <= 65535:
        return int(value)
    for domain in (*service.service_domains, *service.custom_domains):
        if domain.target_port:
            return domain.target_port
    return None


def _profile_replicas(profile: Mapping[str, Any], *path: str) -> int:
    node: Any = profile
    for part in (*path, "sizing", "replicas"):
        node = node.get(part) if isinstance(node, Mapping) else None
    return int(node) if isinstance(node, int) else 1


def _secret_values(inventory: Inventory, kept: Iterable[str]) -> list[str]:
    """Values that must never be written in plain text: the kept passwords and every literal value of a
    variable named like a secret."""
    found = [v for v in kept if v]
    for scope in (inventory.shared_variables, *(s.variables for s in inventory.services)):
        for name, value in scope.items():
            if names_secret(name) and literal(value) and len(value) >= 8:
                found.append(value)
    return found


def plan_adoption(
    inventory: Inventory, stack: str, profile: Mapping[str, Any] | None = None, environment: str | None = None
) -> Adoption:
    """The stack configuration and import IDs that adopt `inventory` as `stack`, or Unmappable.

    `profile` is the environment's profile (railstack/stacks/profiles/<environment>.yaml): replicas are written
    only where they differ from it, and notes say what it will change. The app services' variables are
    carried once the roles map (`carry_variables`): they need the stack's model, so a configuration
    the model refuses raises its ConfigError.
    """
    profile = profile or {}
    environment = environment or environment_of_stack(stack)
    problems: list[Problem] = []
    notes: list[str] = []
    project_subject = f'project "{inventory.project_name}" ({inventory.project_id})'
    if environment is None:
        problems.append(
            Problem(
                project_subject,
                f"stack {stack!r}: name its environment with --stack-environment demo, staging or production "
                "(demo, staging, prod and production name their own)",
            )
        )
    if not re.fullmatch(NAME, inventory.project_name):
        problems.append(
            Problem(
                project_subject,
                "its name is not a railstack project_name (a lowercase letter, then up to 30 lowercase letters, "
                "digits, - or _): rename the project in Railway first, or railstack would rename it",
            )
        )
    env_id = inventory.environment.id

    # Data stores first: what is left are the app roles.
    services = list(inventory.services)
    postgres, pg_how, pg_candidates, found = _pick_store("Postgres", services, _postgres_evidence)
    problems += found
    rest = [s for s in services if s not in pg_candidates]
    redis, redis_how, redis_candidates, found = _pick_store("Redis", rest, _redis_evidence)
    problems += found
    apps = [s for s in rest if s not in redis_candidates]

    placed: list[Placed] = []
    kept: dict[str, str] = {}
    config_postgres: dict[str, Any] | None = None
    config_redis: dict[str, Any] | None = None
    if postgres is not None:
        placed.append(Placed(postgres, "postgres", pg_how))
        config_postgres = _postgres(postgres, inventory, problems, notes, kept, profile)
    else:
        notes.append("no Postgres service found: railstack creates a new, empty database (Postgres)")
    if redis is not None:
        placed.append(Placed(redis, "redis", redis_how))
        config_redis = _redis(redis, inventory, problems, notes, kept)
    else:
        notes.append("no Redis service found: railstack creates one (Redis)")

    # The app roles: one source for all of them.
    sources = Counter(k for s in apps if (k := _source_key(s)) is not None)
    app_key: tuple[str, ...] | None = None
    if sources:
        ranked = sources.most_common()
        if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
            app_key = ranked[0][0]
        else:
            listed = "; ".join(_describe_source(k) for k, _ in ranked)
            for service in apps:
                key = _source_key(service)
                if key is not None:
                    problems.append(
                        Problem(
                            service.label,
                            f"the app services run {len(ranked)} sources equally often ({listed}): railstack runs "
                            "one app image in every role, and cannot tell which one",
                        )
                    )
    for service in apps:
        key = _source_key(service)
        if key is None:
            problems.append(
                Problem(service.label, "it has no source image or repo in this environment: nothing to run it from")
            )
        elif app_key is not None and key != app_key:
            problems.append(
                Problem(
                    service.label,
                    f"it runs {_describe_source(key)}, while the other app services run {_describe_source(app_key)}: "
                    "railstack runs one app image in every role",
                )
            )

    guesses: list[tuple[ServiceInfo, _Guess]] = []
    for service in apps:
        guess = guess_role(service, inventory)
        if isinstance(guess, Problem):
            problems.append(guess)
        else:
            guesses.append((service, guess))
        if service.tcp_proxies:
            problems.append(
                Problem(
                    service.label,
                    f"it has a TCP proxy ({', '.join(service.tcp_proxies)}): railstack's app roles have none "
                    "(only the API gets a public HTTP domain); remove it in the dashboard",
                )
            )
        if service.volume is not None:
            problems.append(
                Problem(
                    service.label,
                    f"it has a volume at {service.volume.mount_path}: railstack's app roles keep no data "
                    "(only Postgres and Redis have volumes)",
                )
            )

    for role in ("api", "beat", "flower"):
        of_role = [(s, g) for s, g in guesses if g.role == role]
        if len(of_role) > 1:
            names = ", ".join(f'"{s.name}"' for s, _ in of_role)
            what = {"api": "API", "beat": "beat", "flower": "Flower"}[role]
            for service, guess in of_role:
                problems.append(
                    Problem(
                        service.label,
                        f"one of {len(of_role)} {what} services ({names}; this one by {guess.how}): "
                        f"railstack runs exactly one {what}",
                    )
                )
    roles_of = {role: [(s, g) for s, g in guesses if g.role == role] for role in ("api", "beat", "flower")}
    if not roles_of["api"] and apps:
        problems.append(
            Problem(
                project_subject,
                "no service is the API (SERVICE_TYPE=api, a uvicorn/gunicorn start command, or a name api / *-api)",
            )
        )
    elif not apps:
        problems.append(Problem(project_subject, "it has no app service (API, workers, beat) to adopt"))

    workers: dict[str, Placed] = {}
    for service, guess in guesses:
        if guess.role != "worker":
            if len(roles_of[guess.role]) == 1:
                placed.append(Placed(service, guess.role, guess.how))
            continue
        identity = worker_identity(service, guess, inventory)
        if isinstance(identity, Problem):
            problems.append(identity)
            continue
        name, queues = identity
        if name in workers:
            problems.append(
                Problem(
                    service.label,
                    f'its worker name {name!r} is already that of "{workers[name].service.name}": give one of them '
                    "another SERVICE_TYPE=celery_<name>",
                )
            )
            continue
        workers[name] = Placed(service, "worker", guess.how, worker=name, queues=queues)
        placed.append(workers[name])

    # Domains belong to the API only.
    for item in placed:
        service = item.service
        if item.role == "api":
            continue
        domains = [d.domain for d in (*service.service_domains, *service.custom_domains)]
        if domains and item.role in ("postgres", "redis"):
            notes.append(
                f"{service.name} has domains ({', '.join(domains)}) that railstack does not manage: they stay as they are"
            )
        elif domains:
            problems.append(
                Problem(
                    service.label,
                    f"it has a public domain ({', '.join(domains)}): railstack gives only the API a domain; "
                    "remove it in the dashboard",
                )
            )
        if item.role in ("postgres", "redis") and service.tcp_proxies:
            notes.append(
                f"{service.name} keeps its TCP proxy ({', '.join(service.tcp_proxies)}), which railstack does not manage"
            )

    # railstack's references name services (`${{Name.VAR}}`): a name it cannot write must change first.
    for item in placed:
        if not re.fullmatch(SERVICE_NAME, item.service.name):
            problems.append(
                Problem(
                    item.service.label,
                    "its name is not one railstack can reference as ${{Name.VAR}} (a letter, then letters, digits, "
                    "- or _, at most 63): rename the service in Railway first",
                )
            )

    # Regions: the stack's is where most services run; a role elsewhere keeps its own.
    regions = Counter(item.service.region for item in placed if item.service.region)
    stack_region = regions.most_common(1)[0][0] if regions else DEFAULT_REGION
    for item in placed:
        service = item.service
        if len(service.regions) > 1:
            problems.append(
                Problem(
                    service.label,
                    f"its replicas run in {len(service.regions)} regions ({', '.join(service.regions)}): railstack "
                    "places each role's replicas in one region",
                )
            )
        elif service.region and service.region not in REGIONS:
            problems.append(
                Problem(service.label, f"it runs in region {service.region!r}, none of {', '.join(REGIONS)}")
            )

    # Never write a secret in plain text (a password typed into a start command).
    secrets = _secret_values(inventory, kept.values())
    for item in placed:
        if item.role in ("postgres", "redis"):
            continue
        for what, command in (
            ("start command", item.service.start_command),
            ("pre-deploy command", item.service.pre_deploy_command),
        ):
            if command and any(secret in command for secret in secrets):
                problems.append(
                    Problem(
                        item.service.label,
                        f"its {what} holds the value of a secret variable: railstack would write it in plain "
                        "text into Pulumi.<stack>.yaml; use the variable in the command instead",
                    )
                )

    if problems:
        _unmappable(inventory, stack, problems)
    assert environment is not None and app_key is not None

    def sizing(item: Placed, *profile_path: str, replicas: bool = True) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if replicas and item.service.replicas != _profile_replicas(profile, *profile_path):
            found["replicas"] = item.service.replicas
            notes.append(f"{item.service.name} keeps its {item.service.replicas} replicas (sizing.replicas)")
        if item.service.region and item.service.region != stack_region:
            found["region"] = item.service.region
        return {"sizing": found} if found else {}

    def one(role: str) -> Placed | None:
        return next((p for p in placed if p.role == role), None)

    config: dict[str, Any] = {
        "environment": environment,
        "target": "railway",
        "project_name": inventory.project_name,
    }
    if stack_region != DEFAULT_REGION:
        config["region"] = stack_region
    config["app"] = _app_source(app_key)

    api = one("api")
    assert api is not None
    s = api.service
    api_config: dict[str, Any] = {"service_name": s.name}
    if s.start_command != DEFAULT_API_COMMAND:
        api_config["start_command"] = s.start_command
    api_config["pre_deploy_command"] = s.pre_deploy_command
    port = _port(s, inventory)
    if port is not None:
        api_config["port"] = port
    path = s.healthcheck_path or "/health"
    api_config["liveness"] = {"kind": "http", "path": path if path.startswith("/") else f"/{path}"}
    if not s.healthcheck_path:
        notes.append(f"{s.name} has no healthcheck path: railstack checks GET /health; the API must answer it")
    api_config["public_domain"] = bool(s.service_domains)
    api_config["custom_domains"] = [d.domain for d in s.custom_domains]
    api_config.update(sizing(api, "api"))
    if len(s.service_domains) > 1:
        notes.append(
            f"{s.name} has {len(s.service_domains)} Railway domains; railstack manages the first "
            f"({s.service_domains[0].domain}) and leaves the others alone"
        )
    config["api"] = api_config

    worker_config: dict[str, Any] = {}
    profile_workers = profile.get("workers") if isinstance(profile.get("workers"), Mapping) else {}
    if workers:
        for name in (*default_workers(), *(profile_workers or {})):
            if name not in workers and name not in worker_config:
                worker_config[name] = None
    else:
        notes.append(
            f"no Celery worker service found: railstack creates its default workers ({', '.join(default_workers())})"
        )
    for name, item in workers.items():
        entry: dict[str, Any] = {
            "service_name": item.service.name,
            "queues": list(item.queues),
            "start_command": item.service.start_command,
        }
        entry.update(sizing(item, "worker_defaults"))
        worker_config[name] = entry
    if worker_config:
        config["workers"] = worker_config

    beat = one("beat")
    if beat is not None:
        config["beat"] = {
            "service_name": beat.service.name,
            "start_command": beat.service.start_command,
            **sizing(beat, replicas=False),
        }
        if beat.service.replicas != 1:
            notes.append(
                f"{beat.service.name} runs {beat.service.replicas} replicas: railstack runs exactly 1 beat "
                "(more run every scheduled task more than once), so `pulumi up` scales it to 1"
            )
    else:
        notes.append("no beat service found: railstack creates one (beat)")

    flower = one("flower")
    if flower is not None:
        flower_config: dict[str, Any] = {
            "enabled": True,
            "service_name": flower.service.name,
            "start_command": flower.service.start_command,
        }
        flower_port = _port(flower.service, inventory)
        if flower_port is not None:
            flower_config["port"] = flower_port
        flower_config.update(sizing(flower, "flower"))
        config["flower"] = flower_config
    else:
        config["flower"] = {"enabled": False}

    pg, rd = one("postgres"), one("redis")
    if pg is not None and config_postgres is not None:
        config["postgres"] = {**config_postgres, **sizing(pg, replicas=False)}
    if rd is not None and config_redis is not None:
        config["redis"] = {**config_redis, **sizing(rd, replicas=False)}
    provided = [name for name in ("postgres_password", "redis_password") if name in kept]
    if provided:
        config["secrets"] = {"provided": provided}

    # Import IDs, by the resource names railstack's components give (railstack/components/railway/).
    imports: dict[str, str] = {
        f"{STACK_RESOURCE}-project": inventory.project_id,
        f"{STACK_RESOURCE}-shared-variables": f"{env_id}:shared",
    }
    order = {"postgres": 0, "redis": 1, "api": 2, "worker": 3, "beat": 4, "flower": 5}
    placed.sort(key=lambda p: (order[p.role], p.worker or ""))
    for item in placed:
        service, prefix = item.service, f"{STACK_RESOURCE}-{item.component}"
        imports[f"{prefix}-service"] = service.id
        imports[f"{prefix}-settings"] = f"{service.id}:{env_id}"
        imports[f"{prefix}-variables"] = f"{env_id}:{service.id}"
        if service.deployment_id:
            imports[f"{prefix}-deployment"] = f"{service.id}:{env_id}"
        if item.role in ("postgres", "redis") and service.volume is not None:
            imports[f"{prefix}-volume"] = f"{env_id}:{service.volume.id}"
        if item.role == "api":
            if service.service_domains:
                imports[f"{prefix}-domain"] = f"{service.id}:{env_id}:{service.service_domains[0].id}"
            for custom in service.custom_domains:
                imports[f"{prefix}-domain-{custom.domain.replace('.', '-')}"] = f"{service.id}:{env_id}:{custom.domain}"

    # The app services' own variables: `pulumi up` removes every variable the stack does not produce.
    model = load_stack_config(stack, config)
    plan = build_plan(stack, model)
    app_roles: list[_App] = []
    for item in placed:
        if item.role not in ("postgres", "redis"):
            workload = plan.workload(item.component)
            app_roles.append(_App(item, workload.key, workload, default_variables(workload.kind, model, item.worker)))
    defaults_anywhere = {
        name
        for w in plan.workloads
        for name in default_variables(w.kind, model, w.key.removeprefix("workers.") if w.kind == "worker" else None)
    }
    stores = {item.role: item.service for item in placed if item.role in ("postgres", "redis")}
    carried = carry_variables(inventory, plan, app_roles, stores, kept, defaults_anywhere)
    problems += carried.problems
    long_secrets = [value for value in carried.secrets.values() if len(value) >= 8]
    for app in app_roles:
        for what, command in (
            ("start command", app.service.start_command),
            ("pre-deploy command", app.service.pre_deploy_command),
        ):
            if command and any(secret in command for secret in long_secrets):
                problems.append(
                    Problem(
                        app.service.label,
                        f"its {what} holds the value of a secret variable: railstack would write it in plain "
                        "text into Pulumi.<stack>.yaml; use the variable in the command instead",
                    )
                )
    if problems:
        _unmappable(inventory, stack, problems)
    roles: dict[str, dict[str, Any]] = {key: config[key] for key in ("api", "beat", "flower") if key in config}
    roles.update({f"workers.{name}": spec for name, spec in (config.get("workers") or {}).items() if spec})
    for key, own in carried.own.items():
        if own:
            roles[key]["variables"] = own
    if carried.common:
        config["variables"] = carried.common
    if carried.secrets:
        config["sensitive_variables"] = sorted(carried.secrets)
        kept.update(carried.secrets)
    try:
        build_plan(stack, load_stack_config(stack, config))
    except (ConfigError, PlanError) as err:
        _unmappable(inventory, stack, [Problem(project_subject, line) for line in err.problems])
    leftover = sorted(set(inventory.shared_variables) - set(GENERATED_SHARED) - set(carried.secrets))
    if leftover:
        notes.append(
            f"the environment's shared variables {', '.join(leftover)} are not railstack's: `pulumi up` removes them "
            "from the shared scope (the app services that referenced them keep their values, as carried)"
        )
    generated = sorted(set(inventory.shared_variables) & set(GENERATED_SHARED))
    if generated:
        notes.append(
            f"the environment's shared variables {', '.join(generated)} are railstack's generated secrets: `pulumi up` "
            "replaces them (except the stores' passwords kept in secrets.provided)"
        )

    if inventory.elsewhere:
        notes.append(f"not in environment {inventory.environment.name}, left alone: {', '.join(inventory.elsewhere)}")
    others = [e.name for e in inventory.environments if e.id != env_id]
    if others:
        notes.append(f"only environment {inventory.environment.name} is adopted; left alone: {', '.join(others)}")
    return Adoption(stack, inventory, tuple(placed), config, imports, kept, tuple(notes), tuple(carried.summary))


def _unmappable(inventory: Inventory, stack: str, problems: list[Problem]) -> NoReturn:
    """Unmappable with the project's own problems first, then each service's, in the project's order."""
    project_subject = f'project "{inventory.project_name}" ({inventory.project_id})'
    subjects = [project_subject, *(service.label for service in inventory.services)]
    problems.sort(key=lambda p: subjects.index(p.subject) if p.subject in subjects else len(subjects))
    raise Unmappable(inventory.label, stack, problems)


def _postgres(
    service: ServiceInfo,
    inventory: Inventory,
    problems: list[Problem],
    notes: list[str],
    kept: dict[str, str],
    profile: Mapping[str, Any],
) -> dict[str, Any]:
    """`postgres:` of the stack, the kept password, and what would lose the data."""
    provided = {"RAILWAY_VOLUME_MOUNT_PATH": service.volume.mount_path} if service.volume else {}
    variables = service.variables
    if "POSTGRES_PASSWORD" not in variables:
        problems.append(
            Problem(
                service.label,
                "it has no POSTGRES_PASSWORD variable: railstack cannot keep the database's password "
                "(a new one would lock the apps out of the existing data)",
            )
        )
    else:
        password = resolve(variables["POSTGRES_PASSWORD"], service, inventory, provided)
        if not password:
            problems.append(
                Problem(
                    service.label,
                    "its POSTGRES_PASSWORD is a reference adopt cannot resolve to a value (only ${{shared.X}}, "
                    "${{Service.X}} and ${{X}} of the project's own variables)",
                )
            )
        else:
            kept["postgres_password"] = password
    user = resolve(variables.get("POSTGRES_USER", PG_USER), service, inventory, provided)
    database = resolve(variables.get("POSTGRES_DB", user or PG_USER), service, inventory, provided)
    if user != PG_USER:
        problems.append(
            Problem(service.label, f"its POSTGRES_USER is {user!r}: railstack's apps connect as {PG_USER!r}")
        )
    if database != PG_DATABASE:
        problems.append(
            Problem(
                service.label, f"its POSTGRES_DB is {database!r}: railstack's apps use the database {PG_DATABASE!r}"
            )
        )
    volume = service.volume
    if volume is not None:
        if volume.mount_path.rstrip("/") != PG_MOUNT:
            problems.append(
                Problem(
                    service.label,
                    f"its volume is mounted at {volume.mount_path}: railstack mounts the database's volume at "
                    f"{PG_MOUNT} (moving it would start an empty database)",
                )
            )
        pgdata = resolve(variables.get("PGDATA"), service, inventory, provided)
        if pgdata is None or pgdata.rstrip("/") != PG_DATA:
            shown = "not set" if "PGDATA" not in variables else repr(pgdata or variables["PGDATA"])
            problems.append(
                Problem(
                    service.label,
                    f"its PGDATA is {shown}: railstack runs Postgres with PGDATA={PG_DATA} (another data "
                    "directory would start an empty database)",
                )
            )
        wanted = tuple(sorted(_profile_list(profile, "postgres", "backups")))
        if volume.backups != wanted:
            notes.append(
                f"{service.name}'s volume backups are {list(volume.backups) or 'none'}; the profile sets "
                f"{list(wanted) or 'none'}: `pulumi up` changes them (postgres.backups)"
            )
    else:
        notes.append(f"{service.name} has no volume: its data does not survive a redeploy (postgres.volume: false)")
    if service.replicas != 1:
        notes.append(f"{service.name} runs {service.replicas} replicas: railstack runs 1 database instance")
    return {"service_name": service.name, "image": service.image, "volume": volume is not None}


def _redis(
    service: ServiceInfo, inventory: Inventory, problems: list[Problem], notes: list[str], kept: dict[str, str]
) -> dict[str, Any]:
    """`redis:` of the stack and the kept password."""
    provided = {"RAILWAY_VOLUME_MOUNT_PATH": service.volume.mount_path} if service.volume else {}
    if "REDIS_PASSWORD" in service.variables:
        password = resolve(service.variables["REDIS_PASSWORD"], service, inventory, provided)
        if not password:
            problems.append(
                Problem(
                    service.label,
                    "its REDIS_PASSWORD is a reference adopt cannot resolve to a value (only ${{shared.X}}, "
                    "${{Service.X}} and ${{X}} of the project's own variables)",
                )
            )
        else:
            kept["redis_password"] = password
    else:
        notes.append(f"{service.name} has no REDIS_PASSWORD: railstack generates one (its clients get the new URL)")
    if service.volume is not None and service.volume.mount_path.rstrip("/") != REDIS_MOUNT:
        notes.append(
            f"{service.name}'s volume is mounted at {service.volume.mount_path}; railstack's Redis keeps its data in "
            f"{REDIS_MOUNT}: after `pulumi up` Redis starts with an empty dataset"
        )
    if service.replicas != 1:
        notes.append(f"{service.name} runs {service.replicas} replicas: railstack runs 1 Redis instance")
    return {"service_name": service.name, "image": service.image, "volume": service.volume is not None}


def _profile_list(profile: Mapping[str, Any], *path: str) -> list[str]:
    node: Any = profile
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return [str(v) for v in node] if isinstance(node, list) else []
