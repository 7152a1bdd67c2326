"""The database: engine construction, versioned SQL migrations and the queries the app runs.

Migrations are the numbered `migrations/NNNN_name.sql` files, applied in order inside one
transaction under an advisory lock, and recorded in `schema_version`, so two API replicas (or a
pre-deploy command racing an API start) never apply one twice.
"""

from __future__ import annotations

import re
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    MetaData,
    Table,
    Text,
    create_engine,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

#: Arbitrary constant naming railstack's migration lock among the database's advisory locks.
MIGRATION_LOCK_KEY = 0x7261696C  # "rail"

_MIGRATION_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

metadata = MetaData()

tasks = Table(
    "tasks",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("result", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)


def sqlalchemy_url(database_url: str) -> str:
    """Point a `postgresql://` (or Heroku-style `postgres://`) URL at the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return database_url


def make_engine(database_url: str, pool_size: int = 5) -> Engine:
    """An engine that gives up on an unreachable server within seconds (health checks rely on it)."""
    return create_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        pool_pre_ping=True,
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
    )


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The packaged migrations, in version order."""
    found: list[Migration] = []
    for entry in resources.files("railstack_app").joinpath("migrations").iterdir():
        match = _MIGRATION_FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions in {versions}")
    return found


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations not yet recorded; returns the versions applied by this call."""
    applied: list[int] = []
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
        )
        done = set(conn.scalars(text("SELECT version FROM schema_version")))
        for migration in migrations():
            if migration.version in done:
                continue
            # A migration file holds several statements: psycopg runs them in one call only
            # without parameters, so it goes to the driver's cursor as is.
            with closing(conn.connection.cursor()) as cursor:
                cursor.execute(migration.sql)
            conn.execute(
                text("INSERT INTO schema_version (version, name) VALUES (:v, :n)"),
                {"v": migration.version, "n": migration.name},
            )
            applied.append(migration.version)
    return applied


def create_task(engine: Engine, kind: str, payload: dict[str, Any]) -> int:
    """Insert a queued task and return its id."""
    with engine.begin() as conn:
        return int(conn.execute(insert(tasks).values(kind=kind, payload=payload).returning(tasks.c.id)).scalar_one())


def get_task(engine: Engine, task_id: int) -> dict[str, Any] | None:
    """The task row as a dict, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(tasks).where(tasks.c.id == task_id)).mappings().first()
    return dict(row) if row else None


def set_task_status(engine: Engine, task_id: int, status: str, result: Any = None) -> None:
    """Move a task to `status`; `done` and `failed` record the result and the finish time."""
    values: dict[str, Any] = {"status": status}
    if status in ("done", "failed"):
        values.update(result=result, finished_at=func.now())
    with engine.begin() as conn:
        updated = conn.execute(update(tasks).where(tasks.c.id == task_id).values(**values)).rowcount
    if updated != 1:
        raise LookupError(f"no task {task_id}")


def insert_heartbeat(engine: Engine) -> int:
    """Record one beat heartbeat and return its id."""
    with engine.begin() as conn:
        return int(conn.execute(insert(heartbeats).values().returning(heartbeats.c.id)).scalar_one())


def last_heartbeat(engine: Engine) -> datetime | None:
    """When the latest heartbeat was recorded, if ever."""
    with engine.connect() as conn:
        return conn.scalar(select(func.max(heartbeats.c.at)))


def ping(engine: Engine) -> bool:
    """True when the database answers SELECT 1."""
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT 1")) == 1
    except Exception:  # any failure to answer is "down" for a health check
        return False
