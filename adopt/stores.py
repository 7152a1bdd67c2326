"""Adoption's first step: which services are the data stores (Postgres, Redis), their part of the
stack's configuration, and the passwords kept so the apps keep reaching the existing data.

What a store must already be for railstack to take it over without losing its data (user, database,
mount, PGDATA) is railstack's Postgres and Redis as they run (railstack/components/railway/postgres.py,
redis.py, railstack/plan.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from adopt.common import Findings, Placed, Problem, Role, literal, resolve
from adopt.inventory import Inventory, ServiceInfo
from railstack.stores import POSTGRES, REDIS

#: What railstack's Postgres runs, from the store's one definition (railstack/stores.py).
PG_MOUNT = POSTGRES.data_dir
PG_DATA = f"{PG_MOUNT}/pgdata"
PG_USER = POSTGRES.user
PG_DATABASE = POSTGRES.database or POSTGRES.user
#: Where railstack's Redis keeps its data (railstack/stores.py).
REDIS_MOUNT = REDIS.data_dir

_UNRESOLVED = "(only ${{shared.X}}, ${{Service.X}} and ${{X}} of the project's own variables)"

#: How strongly a service looks like a store, and what says so; None: not at all.
Evidence = Callable[[ServiceInfo], "tuple[int, str] | None"]


@dataclass(frozen=True)
class Stores:
    """The data stores found, and what adopting them writes and keeps."""

    placed: tuple[Placed, ...]
    """Postgres, then Redis, when found."""
    config: dict[str, dict[str, Any]]
    """`postgres:` and `redis:` of the stack, sizing aside."""
    passwords: dict[str, str]
    """`postgres_password` / `redis_password` -> the store's password (`secrets.provided`)."""
    others: tuple[ServiceInfo, ...]
    """Every service no store rule points at: the app roles'."""


def postgres_evidence(service: ServiceInfo) -> tuple[int, str] | None:
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


def redis_evidence(service: ServiceInfo) -> tuple[int, str] | None:
    if service.image and "redis" in service.image.lower():
        return 2, f"its image {service.image}"
    if "REDIS_PASSWORD" in service.variables and "redis-server" in (service.start_command or ""):
        return 2, "its REDIS_PASSWORD variable and redis-server start command"
    return None


def pick_store(
    role: Role, what: str, services: Iterable[ServiceInfo], evidence: Evidence, findings: Findings
) -> tuple[Placed | None, list[ServiceInfo]]:
    """The one service the strongest evidence points at (None: none, or several, each a problem), and
    every candidate (none of them is an app role)."""
    found = [(e, s) for s in services if (e := evidence(s)) is not None]
    if not found:
        return None, []
    strongest = max(strength for (strength, _), _ in found)
    candidates = [(why, s) for (strength, why), s in found if strength == strongest]
    if len(candidates) == 1:
        why, service = candidates[0]
        return Placed(service, role, why), [service]
    others = ", ".join(f'"{s.name}"' for _, s in candidates)
    for _, s in candidates:
        findings.problem(s.label, f"one of {len(candidates)} {what} services ({others}): railstack runs one {what}")
    return None, [s for _, s in candidates]


def place_stores(inventory: Inventory, profile: Mapping[str, Any], findings: Findings) -> Stores:
    """The step: Postgres first, then Redis among the rest; a store not found is one railstack creates."""
    services = list(inventory.services)
    postgres, pg_candidates = pick_store("postgres", "Postgres", services, postgres_evidence, findings)
    rest = [s for s in services if s not in pg_candidates]
    redis, redis_candidates = pick_store("redis", "Redis", rest, redis_evidence, findings)
    placed: list[Placed] = []
    config: dict[str, dict[str, Any]] = {}
    passwords: dict[str, str] = {}
    if postgres is not None:
        placed.append(postgres)
        config["postgres"] = adopt_postgres(postgres.service, inventory, profile, passwords, findings)
    else:
        findings.notes.append("no Postgres service found: railstack creates a new, empty database (Postgres)")
    if redis is not None:
        placed.append(redis)
        config["redis"] = adopt_redis(redis.service, inventory, passwords, findings)
    else:
        findings.notes.append("no Redis service found: railstack creates one (Redis)")
    others = tuple(s for s in rest if s not in redis_candidates)
    return Stores(tuple(placed), config, passwords, others)


def _provided(service: ServiceInfo) -> dict[str, str]:
    """The variables Railway provides a store that its own may reference."""
    return {"RAILWAY_VOLUME_MOUNT_PATH": service.volume.mount_path} if service.volume else {}


def store_password(service: ServiceInfo, variable: str, inventory: Inventory) -> str | Problem:
    """The value of a store's password variable (which must be there), its references resolved."""
    password = resolve(service.variables[variable], service, inventory, _provided(service))
    if password:
        return password
    return Problem(service.label, f"its {variable} is a reference adopt cannot resolve to a value " + _UNRESOLVED)


def adopt_postgres(
    service: ServiceInfo,
    inventory: Inventory,
    profile: Mapping[str, Any],
    passwords: dict[str, str],
    findings: Findings,
) -> dict[str, Any]:
    """`postgres:` of the stack; its password goes to `passwords`; what would lose the data is a problem."""
    if "POSTGRES_PASSWORD" not in service.variables:
        findings.problem(
            service.label,
            "it has no POSTGRES_PASSWORD variable: railstack cannot keep the database's password "
            "(a new one would lock the apps out of the existing data)",
        )
    else:
        password = store_password(service, "POSTGRES_PASSWORD", inventory)
        if isinstance(password, Problem):
            findings.problems.append(password)
        else:
            passwords["postgres_password"] = password
    check_postgres_login(service, inventory, findings)
    check_postgres_volume(service, inventory, profile, findings)
    if service.replicas != 1:
        findings.notes.append(f"{service.name} runs {service.replicas} replicas: railstack runs 1 database instance")
    return {"service_name": service.name, "image": service.image, "volume": service.volume is not None}


def check_postgres_login(service: ServiceInfo, inventory: Inventory, findings: Findings) -> None:
    """The user and database railstack's apps connect with must be the hand-made ones."""
    variables, provided = service.variables, _provided(service)
    user = resolve(variables.get("POSTGRES_USER", PG_USER), service, inventory, provided)
    database = resolve(variables.get("POSTGRES_DB", user or PG_USER), service, inventory, provided)
    if user != PG_USER:
        findings.problem(service.label, f"its POSTGRES_USER is {user!r}: railstack's apps connect as {PG_USER!r}")
    if database != PG_DATABASE:
        findings.problem(
            service.label, f"its POSTGRES_DB is {database!r}: railstack's apps use the database {PG_DATABASE!r}"
        )


def check_postgres_volume(
    service: ServiceInfo, inventory: Inventory, profile: Mapping[str, Any], findings: Findings
) -> None:
    """The data must stay where railstack's Postgres looks for it; backups the profile changes are noted."""
    volume = service.volume
    if volume is None:
        findings.notes.append(
            f"{service.name} has no volume: its data does not survive a redeploy (postgres.volume: false)"
        )
        return
    if volume.mount_path.rstrip("/") != PG_MOUNT:
        findings.problem(
            service.label,
            f"its volume is mounted at {volume.mount_path}: railstack mounts the database's volume at "
            f"{PG_MOUNT} (moving it would start an empty database)",
        )
    pgdata = resolve(service.variables.get("PGDATA"), service, inventory, _provided(service))
    if pgdata is None or pgdata.rstrip("/") != PG_DATA:
        shown = "not set" if "PGDATA" not in service.variables else repr(pgdata or service.variables["PGDATA"])
        findings.problem(
            service.label,
            f"its PGDATA is {shown}: railstack runs Postgres with PGDATA={PG_DATA} (another data "
            "directory would start an empty database)",
        )
    wanted = tuple(sorted(profile_list(profile, "postgres", "backups")))
    if volume.backups != wanted:
        findings.notes.append(
            f"{service.name}'s volume backups are {list(volume.backups) or 'none'}; the profile sets "
            f"{list(wanted) or 'none'}: `pulumi up` changes them (postgres.backups)"
        )


def adopt_redis(
    service: ServiceInfo, inventory: Inventory, passwords: dict[str, str], findings: Findings
) -> dict[str, Any]:
    """`redis:` of the stack; its password, when it has one, goes to `passwords`."""
    if "REDIS_PASSWORD" in service.variables:
        password = store_password(service, "REDIS_PASSWORD", inventory)
        if isinstance(password, Problem):
            findings.problems.append(password)
        else:
            passwords["redis_password"] = password
    else:
        findings.notes.append(
            f"{service.name} has no REDIS_PASSWORD: railstack generates one (its clients get the new URL)"
        )
    if service.volume is not None and service.volume.mount_path.rstrip("/") != REDIS_MOUNT:
        findings.notes.append(
            f"{service.name}'s volume is mounted at {service.volume.mount_path}; railstack's Redis keeps its data in "
            f"{REDIS_MOUNT}: after `pulumi up` Redis starts with an empty dataset"
        )
    if service.replicas != 1:
        findings.notes.append(f"{service.name} runs {service.replicas} replicas: railstack runs 1 Redis instance")
    return {"service_name": service.name, "image": service.image, "volume": service.volume is not None}


def profile_list(profile: Mapping[str, Any], *path: str) -> list[str]:
    """The list at `path` of the profile, as text; [] when there is none."""
    node: Any = profile
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    return [str(v) for v in node] if isinstance(node, list) else []
