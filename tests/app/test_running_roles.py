"""Each long-running role started through app/entrypoint, as a container would, against the test servers.

Slower than the rest (a few seconds per role): these are the proof that the argv of each role
really starts a working server, worker or scheduler.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import redis
import sqlalchemy
from fastapi.testclient import TestClient

from railstack_app import db
from railstack_app.api import create_app
from railstack_app.settings import Settings
from support.ports import free_port
from tests.app.conftest import run_entrypoint, start_entrypoint, stop, wait_for


def test_api_role_migrates_then_serves_health_on_port(
    fresh_database: str, contract_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**contract_env, "DATABASE_URL": fresh_database, "PORT": str(port), "WEB_CONCURRENCY": "2"}
    log = tmp_path / "api.log"
    api = start_entrypoint("api", env=env, log=log)
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, 30, "the api role to answer /health", log, api)
    finally:
        stop(api)
    engine = db.make_engine(fresh_database)
    try:
        assert {"tasks", "heartbeats", "schema_version"} <= set(sqlalchemy.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_content_worker_role_runs_a_queued_task_to_done_and_answers_its_healthcheck(
    settings: Settings, contract_env: dict[str, str], broker: redis.Redis, tmp_path: Path
) -> None:
    env = {**contract_env, "SERVICE_TYPE": "celery_content_generation", "CELERY_QUEUES": "content_generation"}
    log = tmp_path / "worker.log"
    worker = start_entrypoint(env=env, log=log)
    try:
        with TestClient(create_app(settings)) as client:
            task_id = client.post("/tasks/content", json={"topic": "containers"}).json()["id"]
            wait_for(
                lambda: client.get(f"/tasks/{task_id}").json()["status"] == "done",
                30,
                f"the worker to finish task {task_id}",
                log,
                worker,
            )
            assert client.get(f"/tasks/{task_id}").json()["result"]["text"] == "article about containers"
        check = run_entrypoint("healthcheck-worker", env=env)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        stop(worker)
    check = run_entrypoint("healthcheck-worker", env=env)
    assert check.returncode == 1, check.stdout + check.stderr


def test_beat_and_logs_worker_record_heartbeats_and_beat_answers_its_healthcheck(
    contract_env: dict[str, str], broker: redis.Redis, tmp_path: Path
) -> None:
    env = {**contract_env, "HEARTBEAT_SECONDS": "1", "TMPDIR": str(tmp_path)}
    engine = db.make_engine(contract_env["DATABASE_URL"])

    def heartbeats() -> int:
        with engine.connect() as conn:
            return int(conn.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(db.heartbeats)).scalar_one())

    before = heartbeats()
    worker = start_entrypoint("celery_logs", env={**env, "SERVICE_TYPE": "celery_logs"}, log=tmp_path / "logs.log")
    beat = start_entrypoint("beat", env={**env, "SERVICE_TYPE": "beat"}, log=tmp_path / "beat.log")
    try:
        wait_for(lambda: heartbeats() >= before + 2, 40, "two heartbeats", tmp_path / "beat.log", beat)
        check = run_entrypoint("healthcheck-worker", env={**env, "SERVICE_TYPE": "beat"})
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        stop(beat)
        stop(worker)
        engine.dispose()
    other_tmp = tmp_path / "no-beat-here"
    other_tmp.mkdir()
    check = run_entrypoint("healthcheck-worker", env={**env, "SERVICE_TYPE": "beat", "TMPDIR": str(other_tmp)})
    assert check.returncode == 1, check.stdout + check.stderr


def test_flower_role_requires_its_basic_auth(contract_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env = {**contract_env, "SERVICE_TYPE": "flower", "PORT": str(port)}
    log = tmp_path / "flower.log"
    flower = start_entrypoint(env=env, log=log)
    try:

        def answers() -> bool:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                return True
            except httpx.TransportError:
                return False

        wait_for(answers, 30, "flower to listen", log, flower)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 401
        user, password = contract_env["FLOWER_BASIC_AUTH"].split(":", 1)
        assert httpx.get(f"http://127.0.0.1:{port}/", auth=(user, password), timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/", auth=(user, "wrong"), timeout=5).status_code == 401
    finally:
        stop(flower)
