"""The Celery app: task routes (one queue per worker role), the tasks, and beat's schedule."""

from __future__ import annotations

import functools
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from celery import Celery
from celery.beat import PersistentScheduler
from sqlalchemy import Engine

from railstack_app import db
from railstack_app.settings import heartbeat_seconds, load_settings

log = logging.getLogger(__name__)

CONTENT_QUEUE = "content_generation"
LOGS_QUEUE = "logs"
#: Every queue a worker role may consume: `celery_<queue>`.
QUEUES = (CONTENT_QUEUE, LOGS_QUEUE)

#: Beat's schedule (shelve) file, in /tmp (or $TMPDIR): the app directory is read-only for the app user.
#: Beat touches `<schedule>.alive` on every tick for its liveness check.
BEAT_SCHEDULE_FILE = Path(tempfile.gettempdir()) / "celerybeat-schedule"
#: Longest beat sleeps between ticks, so the alive file is never older than this while beat lives.
BEAT_MAX_LOOP_SECONDS = 5.0
#: The heartbeat's period; only beat uses it, read when beat imports this module.
HEARTBEAT_SECONDS = heartbeat_seconds(os.environ)

celery_app = Celery("railstack_app", set_as_current=False)
# Static configuration only: Celery itself reads the contract's CELERY_BROKER_URL and
# CELERY_RESULT_BACKEND from the environment whenever it connects, so importing this module (the
# API does, to queue tasks) needs no environment, and nothing depends on import order.
celery_app.conf.update(
    broker_connection_retry_on_startup=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    task_routes={
        "railstack.generate_content": {"queue": CONTENT_QUEUE},
        "railstack.record_log": {"queue": LOGS_QUEUE},
        "railstack.heartbeat": {"queue": LOGS_QUEUE},
    },
    beat_schedule={
        "heartbeat": {
            "task": "railstack.heartbeat",
            "schedule": HEARTBEAT_SECONDS,
            # A heartbeat nobody consumed in time is stale: drop it rather than pile them up.
            "options": {"queue": LOGS_QUEUE, "expires": HEARTBEAT_SECONDS},
        }
    },
    beat_max_loop_interval=BEAT_MAX_LOOP_SECONDS,
    worker_hijack_root_logger=False,
)


@functools.cache
def engine() -> Engine:
    """The process's engine, made on first use (after a prefork worker has forked)."""
    return db.make_engine(load_settings().database_url, pool_size=2)


def article(topic: str) -> dict[str, Any]:
    """The deterministic "generated content" for a topic."""
    body = f"article about {topic}"
    return {"text": body, "length": len(body)}


@celery_app.task(name="railstack.generate_content")
def generate_content(task_id: int) -> dict[str, Any]:
    """Write the article for task `task_id`'s topic into its row and mark it done."""
    row = db.get_task(engine(), task_id)
    if row is None:
        raise LookupError(f"no task {task_id}")
    db.set_task_status(engine(), task_id, "running")
    result = article(str(row["payload"]["topic"]))
    db.set_task_status(engine(), task_id, "done", result)
    return result


@celery_app.task(name="railstack.record_log")
def record_log(task_id: int) -> dict[str, Any]:
    """Log the message of task `task_id` at its level and mark the task done."""
    row = db.get_task(engine(), task_id)
    if row is None:
        raise LookupError(f"no task {task_id}")
    level = logging.getLevelNamesMapping().get(str(row["payload"].get("level", "info")).upper(), logging.INFO)
    log.log(level, "%s", row["payload"]["message"])
    result = {"logged": True}
    db.set_task_status(engine(), task_id, "done", result)
    return result


@celery_app.task(name="railstack.heartbeat")
def heartbeat() -> int:
    """Record that beat and a logs worker are alive; returns the heartbeat's id."""
    return db.insert_heartbeat(engine())


def alive_file(schedule_file: Path) -> Path:
    """The file beat touches on every tick, next to its schedule file."""
    return schedule_file.with_name(schedule_file.name + ".alive")


class LivenessScheduler(PersistentScheduler):
    """Beat's persistent scheduler, touching the alive file on every tick for the liveness check.

    The shelve file itself is only rewritten every few minutes, and under a name that depends on
    the dbm backend, so its mtime says little about whether beat still ticks.
    """

    schedule_filename: str
    """Beat's schedule file (--schedule), set by PersistentScheduler (celery-types does not declare it)."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        alive_file(Path(self.schedule_filename)).touch()
        return super().tick(*args, **kwargs)


def beat_is_alive(schedule_file: Path = BEAT_SCHEDULE_FILE, max_age_seconds: float = 6 * BEAT_MAX_LOOP_SECONDS) -> bool:
    """True when the beat using `schedule_file` ticked within `max_age_seconds`."""
    try:
        age = time.time() - alive_file(schedule_file).stat().st_mtime
    except FileNotFoundError:
        return False
    return age <= max_age_seconds
