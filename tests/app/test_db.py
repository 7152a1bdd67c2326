"""Database URL handling and the versioned migrations, against a real PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy

from railstack_app import db
from tests.app.conftest import run_entrypoint


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgres://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
        ("postgresql+psycopg://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
    ],
)
def test_postgres_urls_use_the_psycopg3_driver(given: str, expected: str) -> None:
    assert db.sqlalchemy_url(given) == expected
    assert db.make_engine(given).dialect.driver == "psycopg"


def _columns(engine: sqlalchemy.Engine, table: str) -> set[str]:
    return {c["name"] for c in sqlalchemy.inspect(engine).get_columns(table)}


def test_migrate_creates_the_tables_and_records_the_version(fresh_database: str) -> None:
    engine = db.make_engine(fresh_database)
    try:
        assert db.migrate(engine) == [1]
        assert _columns(engine, "tasks") == {"id", "kind", "payload", "status", "result", "created_at", "finished_at"}
        assert _columns(engine, "heartbeats") == {"id", "at"}
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("SELECT version, name FROM schema_version")).all() == [
                (1, "tasks_and_heartbeats")
            ]
    finally:
        engine.dispose()


def test_migrate_twice_applies_nothing_the_second_time(fresh_database: str) -> None:
    engine = db.make_engine(fresh_database)
    try:
        db.migrate(engine)
        task_id = db.create_task(engine, "content", {"topic": "kept"})
        assert db.migrate(engine) == []
        task = db.get_task(engine, task_id)
        assert task is not None and task["payload"] == {"topic": "kept"}
    finally:
        engine.dispose()


def test_concurrent_migrations_apply_each_version_once(fresh_database: str) -> None:
    """Two API replicas starting together: the advisory lock makes one wait for the other."""
    engines = [db.make_engine(fresh_database, pool_size=1) for _ in range(4)]
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(db.migrate, engines))
        assert sorted(results) == [[], [], [], [1]]
    finally:
        for engine in engines:
            engine.dispose()


def test_new_task_is_queued_with_a_creation_time(database_url: str) -> None:
    engine = db.make_engine(database_url)
    try:
        row = db.get_task(engine, db.create_task(engine, "content", {"topic": "x"}))
        assert row is not None
        assert (row["status"], row["result"], row["finished_at"]) == ("queued", None, None)
        assert row["created_at"] is not None
    finally:
        engine.dispose()


def test_migrate_role_exits_0_and_is_idempotent(fresh_database: str, contract_env: dict[str, str]) -> None:
    env = {**contract_env, "DATABASE_URL": fresh_database}
    first = run_entrypoint("migrate", env=env)
    assert (first.returncode, first.stdout.strip()) == (0, "migrations applied: 1"), first.stderr
    second = run_entrypoint("migrate", env=env)
    assert (second.returncode, second.stdout.strip()) == (0, "migrations applied: none (up to date)"), second.stderr
