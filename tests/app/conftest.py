"""Fixtures for the reference app's tests: real PostgreSQL and Redis, and the role contract's env.

The app is imported as `railstack_app` from app/, exactly as the image runs it from /app.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy

APP_DIR = Path(__file__).resolve().parents[2] / "app"
sys.path.insert(0, str(APP_DIR))

from railstack_app import db  # noqa: E402
from railstack_app.settings import Settings, load_settings  # noqa: E402
from tests.app.servers import Postgres, Redis, start_postgres, start_redis  # noqa: E402

#: Values of the contract's secrets in tests: distinctive, so a test can assert none is ever shown.
SECRETS = {
    "SECRET_KEY": "sk-test-do-not-print-1",
    "JWT_SECRET_KEY": "jwt-test-do-not-print-2",
    "ADMIN_PASSWORD": "admin-test-do-not-print-3",
}


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Redis]:
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def database_url(postgres: Postgres) -> str:
    """The session's database, migrated once."""
    admin = sqlalchemy.create_engine(db.sqlalchemy_url(postgres.url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("CREATE DATABASE app")
    admin.dispose()
    url = postgres.url("app")
    engine = db.make_engine(url)
    db.migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def fresh_database(postgres: Postgres) -> Iterator[str]:
    """URL of a new, empty database, dropped after the test."""
    name = f"fresh_{os.urandom(4).hex()}"
    admin = sqlalchemy.create_engine(db.sqlalchemy_url(postgres.url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield postgres.url(name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(scope="session")
def contract_env(database_url: str, redis_server: Redis) -> dict[str, str]:
    """Every variable of the contract, as the stack would give the api role, pointing at the test servers."""
    return {
        "SERVICE_TYPE": "api",
        "PORT": "8000",
        "WEB_CONCURRENCY": "1",
        "THREADS": "4",
        "CELERY_QUEUES": "",
        "CELERY_CONCURRENCY": "1",
        "CELERY_MAX_TASKS_PER_CHILD": "10",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url(0),
        "CELERY_BROKER_URL": redis_server.url(1),
        "CELERY_RESULT_BACKEND": redis_server.url(2),
        "FLOWER_BASIC_AUTH": "admin:flower-test-do-not-print-4",
        **SECRETS,
    }


@pytest.fixture(scope="session", autouse=True)
def process_env(request: pytest.FixtureRequest) -> Iterator[None]:
    """The contract in os.environ, as in a container: the Celery app and the tasks read it from there."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in request.getfixturevalue("contract_env").items():
            patch.setenv(name, value)
        yield


@pytest.fixture
def settings(contract_env: dict[str, str]) -> Settings:
    return load_settings(contract_env, kind="api")


@pytest.fixture
def broker(redis_server: Redis) -> Iterator[redis.Redis]:
    """A client on the broker's database, emptied before and after the test."""
    client = redis.Redis.from_url(redis_server.url(1))
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def run_entrypoint(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run app/entrypoint as the image does, with only `env` (plus PATH to this venv's python)."""
    full_env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", **env}
    return subprocess.run(
        [str(APP_DIR / "entrypoint"), *args], env=full_env, capture_output=True, text=True, timeout=timeout
    )


def start_entrypoint(*args: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a long-running role in the background, its output in `log`."""
    full_env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", **env}
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(APP_DIR / "entrypoint"), *args], env=full_env, stdout=out, stderr=subprocess.STDOUT
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    log: Path | None = None,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Poll `check` until true; fail after `timeout` s, or at once if `process` exits, with its log."""
    deadline = time.monotonic() + timeout
    while not check():
        code = process.poll() if process is not None else None
        if code is not None or time.monotonic() > deadline:
            detail = f"\n--- log ---\n{log.read_text(errors='replace')[-4000:]}" if log and log.exists() else ""
            reason = f"the process exited with {code}" if code is not None else f"timed out after {timeout}s"
            pytest.fail(f"{reason} waiting for {what}{detail}")
        time.sleep(0.2)
