"""The Celery app's configuration, the heartbeat task and beat's liveness file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import func, select

from railstack_app import db
from railstack_app.worker import alive_file, beat_is_alive, celery_app, engine, heartbeat


def test_celery_uses_the_contract_broker_and_result_backend(contract_env: dict[str, str]) -> None:
    assert celery_app.conf.broker_url == contract_env["CELERY_BROKER_URL"]
    assert celery_app.conf.result_backend == contract_env["CELERY_RESULT_BACKEND"]


def test_beat_schedules_the_heartbeat_every_heartbeat_seconds_on_the_logs_queue() -> None:
    entry = celery_app.conf.beat_schedule["heartbeat"]
    assert (entry["task"], entry["schedule"], entry["options"]["queue"]) == ("railstack.heartbeat", 10.0, "logs")


def test_each_task_is_routed_to_its_queue() -> None:
    router = celery_app.amqp.router
    queues = {
        name: router.route({}, name)["queue"].name
        for name in ("railstack.generate_content", "railstack.record_log", "railstack.heartbeat")
    }
    assert queues == {
        "railstack.generate_content": "content_generation",
        "railstack.record_log": "logs",
        "railstack.heartbeat": "logs",
    }


def test_heartbeat_task_inserts_a_row() -> None:
    def count() -> int:
        with engine().connect() as conn:
            return int(conn.execute(select(func.count()).select_from(db.heartbeats)).scalar_one())

    before = count()
    heartbeat_id = heartbeat()
    assert count() == before + 1
    with engine().connect() as conn:
        assert conn.scalar(select(db.heartbeats.c.at).where(db.heartbeats.c.id == heartbeat_id)) is not None


def test_beat_is_alive_only_while_its_alive_file_is_fresh(tmp_path: Path) -> None:
    schedule = tmp_path / "celerybeat-schedule"
    assert not beat_is_alive(schedule)
    alive_file(schedule).touch()
    assert beat_is_alive(schedule, max_age_seconds=30)
    old = time.time() - 60
    os.utime(alive_file(schedule), (old, old))
    assert not beat_is_alive(schedule, max_age_seconds=30)
