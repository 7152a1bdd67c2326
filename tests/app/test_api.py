"""The HTTP API against real PostgreSQL and Redis, with the real broker for queued tasks."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from railstack_app.api import create_app
from railstack_app.settings import Settings
from railstack_app.worker import generate_content, record_log
from tests.app.servers import start_redis


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def queued_messages(broker: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The Celery messages waiting in `queue` on the Redis broker: task name and arguments."""
    messages = []
    for raw in broker.lrange(queue, 0, -1):
        message = json.loads(raw)
        args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        messages.append({"task": message["headers"]["task"], "args": args, "kwargs": kwargs})
    return messages


def test_health_is_200_when_database_and_redis_answer(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": True, "redis": True})


def test_health_is_503_with_redis_false_once_redis_stops(settings: Settings) -> None:
    own_redis = start_redis()
    try:
        with TestClient(create_app(replace(settings, redis_url=own_redis.url()))) as client:
            assert client.get("/health").status_code == 200
            own_redis.stop()
            response = client.get("/health")
    finally:
        own_redis.stop()
    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": True, "redis": False})


def test_health_is_503_with_database_false_for_a_wrong_database_password(settings: Settings) -> None:
    wrong = settings.database_url.replace("://railstack:", "://railstack:not-the-password", 1)
    assert wrong != settings.database_url
    with TestClient(create_app(replace(settings, database_url=wrong))) as client:
        response = client.get("/health")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": False, "redis": True})


def test_content_task_is_queued_on_content_generation_then_done_with_the_article(
    client: TestClient, broker: redis.Redis
) -> None:
    response = client.post("/tasks/content", json={"topic": "railways"})
    assert response.status_code == 202
    task_id = response.json()["id"]

    queued = client.get(f"/tasks/{task_id}").json()
    assert (queued["kind"], queued["status"], queued["result"]) == ("content", "queued", None)
    messages = queued_messages(broker, "content_generation")
    assert messages == [{"task": "railstack.generate_content", "args": [task_id], "kwargs": {}}]
    assert broker.llen("logs") == 0

    # What a content_generation worker does with that message.
    generate_content(*messages[0]["args"], **messages[0]["kwargs"])

    done = client.get(f"/tasks/{task_id}").json()
    assert done["status"] == "done"
    assert done["result"] == {"text": "article about railways", "length": len("article about railways")}
    assert done["finished_at"] is not None


def test_log_is_queued_on_the_logs_queue_and_recorded(client: TestClient, broker: redis.Redis) -> None:
    response = client.post("/logs", json={"message": "hello", "level": "warning"})
    assert response.status_code == 202
    task_id = response.json()["id"]
    messages = queued_messages(broker, "logs")
    assert messages == [{"task": "railstack.record_log", "args": [task_id], "kwargs": {}}]
    assert broker.llen("content_generation") == 0

    record_log(*messages[0]["args"])

    row = client.get(f"/tasks/{task_id}").json()
    assert (row["kind"], row["payload"], row["status"], row["result"]) == (
        "log",
        {"message": "hello", "level": "warning"},
        "done",
        {"logged": True},
    )


def test_with_eager_celery_posting_content_runs_the_task_to_done(client: TestClient) -> None:
    from railstack_app.worker import celery_app

    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        task_id = client.post("/tasks/content", json={"topic": "beat"}).json()["id"]
    finally:
        celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)
    assert client.get(f"/tasks/{task_id}").json()["result"]["text"] == "article about beat"


def test_unknown_task_is_404(client: TestClient) -> None:
    assert client.get("/tasks/999999999").status_code == 404


@pytest.mark.parametrize("body", [{"topic": ""}, {}, {"topic": "x" * 201}])
def test_invalid_content_request_is_422_and_creates_nothing(
    client: TestClient, broker: redis.Redis, body: dict[str, str]
) -> None:
    assert client.post("/tasks/content", json=body).status_code == 422
    assert broker.llen("content_generation") == 0
