"""The data stores, each defined once: what Postgres and Redis are, on both targets.

A store's definition names its user, database, port, where its data lives, the command it runs and
the values it offers the app (`${postgres.url}`): each offer's name on Railway (the variable the
store's Railway service defines, which `${{Postgres.DATABASE_URL}}` references read) and its
definition there, and its value on Docker (where the store's network alias is its host). The plan
(railstack/plan.py), both targets' store components, adoption (adopt/) and the policy pack read these;
nothing else spells them. The shapes follow Railway's database templates (docs/railway-api.md,
"Railway's database templates").
"""

from __future__ import annotations

from dataclasses import dataclass

from railstack.components.commands import shell_exec


@dataclass(frozen=True)
class OfferSpec:
    """One value a store offers the app, before the stack's references are resolved."""

    name: str
    """The reference's name: `${postgres.<name>}`."""
    railway_variable: str
    """The variable of the store's Railway service that holds it (PGHOST, REDIS_URL, ...)."""
    railway_value: str
    """How the store's Railway service defines that variable (Railway references, `${{...}}`)."""
    docker_value: str
    """What it is on Docker, in the plan's reference syntax (`${secrets.postgres_password}`); the
    store's network alias is its host there."""
    description: str
    secret: bool = False


@dataclass(frozen=True)
class StoreSpec:
    """What one data store is, on both targets."""

    name: str
    """Reference source, Docker network alias and role: postgres, redis."""
    default_service_name: str
    """Railway service name unless the stack names another (Railway's templates': Postgres, Redis)."""
    user: str
    port: int
    data_dir: str
    """Where the data lives: the volume's mount path when the store has a volume."""
    password_secret: str
    """The generated secret that is its password."""
    offers: tuple[OfferSpec, ...]
    database: str | None = None
    command: str | None = None
    """The server command (a shell command: the password is expanded inside the container); None: the image's."""

    def offer(self, name: str) -> OfferSpec:
        return next(o for o in self.offers if o.name == name)


_PRIVATE_HOST = "${{RAILWAY_PRIVATE_DOMAIN}}"

POSTGRES = StoreSpec(
    name="postgres",
    default_service_name="Postgres",
    # Railway's Postgres template's user and database, on both targets: one DATABASE_URL shape.
    user="postgres",
    database="railway",
    port=5432,
    data_dir="/var/lib/postgresql/data",
    password_secret="postgres_password",
    offers=(
        OfferSpec("host", "PGHOST", _PRIVATE_HOST, "postgres", "host name on the private network"),
        OfferSpec("port", "PGPORT", "5432", "5432", "port"),
        OfferSpec("user", "PGUSER", "${{POSTGRES_USER}}", "postgres", "user"),
        OfferSpec(
            "password",
            "PGPASSWORD",
            "${{POSTGRES_PASSWORD}}",
            "${secrets.postgres_password}",
            "the generated password",
            secret=True,
        ),
        OfferSpec("database", "PGDATABASE", "${{POSTGRES_DB}}", "railway", "database name"),
        OfferSpec(
            "url",
            "DATABASE_URL",
            "postgresql://${{PGUSER}}:${{POSTGRES_PASSWORD}}@" + _PRIVATE_HOST + ":5432/${{PGDATABASE}}",
            "postgresql://postgres:${secrets.postgres_password}@postgres:5432/railway",
            "postgresql:// URL with the password",
            secret=True,
        ),
    ),
)

REDIS = StoreSpec(
    name="redis",
    default_service_name="Redis",
    # Redis's ACL user that a plain requirepass password belongs to.
    user="default",
    port=6379,
    data_dir="/data",
    password_secret="redis_password",
    offers=(
        OfferSpec("host", "REDISHOST", _PRIVATE_HOST, "redis", "host name on the private network"),
        OfferSpec("port", "REDISPORT", "6379", "6379", "port"),
        OfferSpec("user", "REDISUSER", "default", "default", "user"),
        OfferSpec(
            "password",
            "REDISPASSWORD",
            "${{REDIS_PASSWORD}}",
            "${secrets.redis_password}",
            "the generated password",
            secret=True,
        ),
        OfferSpec(
            "url",
            "REDIS_URL",
            "redis://default:${{REDIS_PASSWORD}}@" + _PRIVATE_HOST + ":6379",
            "redis://default:${secrets.redis_password}@redis:6379",
            "redis:// URL with the password",
            secret=True,
        ),
    ),
    # A password is mandatory: Redis must never accept unauthenticated clients. Neither platform
    # expands variables in exec form, so a shell expands it (railstack/components/commands.py).
    command='redis-server --requirepass "$REDIS_PASSWORD" --appendonly yes --dir /data',
)

STORES = {store.name: store for store in (POSTGRES, REDIS)}


def server_argv(store: StoreSpec, *extra: str) -> list[str] | None:
    """The store's command in exec form, shell-wrapped, with target-specific arguments appended."""
    if store.command is None:
        return None
    return shell_exec(" ".join((store.command, *extra)))
