"""The HTTP API: health, and endpoints that queue work for the Celery workers.

`uvicorn --factory railstack_app.api:create_app` builds it from the environment; tests pass
Settings directly. Endpoints are sync and run in the thread pool, sized by THREADS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal

import anyio.to_thread
import redis
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.backoff import NoBackoff
from redis.retry import Retry

from railstack_app import db
from railstack_app.settings import Settings, load_settings
from railstack_app.worker import generate_content, record_log

#: Seconds a health check waits for Redis; the database's limit is in db.make_engine.
REDIS_TIMEOUT = 2.0


class ContentRequest(BaseModel):
    topic: str = Field(min_length=1, max_length=200, description="What the article is about.")


class LogRequest(BaseModel):
    message: str = Field(min_length=1, max_length=2000)
    level: Literal["debug", "info", "warning", "error"] = "info"


class Queued(BaseModel):
    id: int


class TaskOut(BaseModel):
    id: int
    kind: str
    status: str
    payload: dict[str, Any]
    result: Any
    created_at: datetime
    finished_at: datetime | None


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API bound to `settings` (default: the api role's settings from the environment)."""
    settings = settings or load_settings(kind="api")
    threads = settings.threads or 1

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # THREADS bounds concurrent requests per process; the pool gives each a connection.
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        app.state.engine = db.make_engine(settings.database_url, pool_size=threads)
        app.state.redis = redis.Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        try:
            yield
        finally:
            app.state.redis.close()
            app.state.engine.dispose()

    app = FastAPI(title="railstack reference app", lifespan=lifespan)

    @app.get("/health")
    def health(request: Request) -> JSONResponse:
        """200 when the database and Redis both answer, else 503 naming the one that did not."""
        database = db.ping(request.app.state.engine)
        try:
            cache = bool(request.app.state.redis.ping())
        except redis.RedisError:
            cache = False
        body = {"status": "ok" if database and cache else "unavailable", "database": database, "redis": cache}
        return JSONResponse(body, status_code=200 if database and cache else 503)

    @app.post("/tasks/content", status_code=202)
    def queue_content(body: ContentRequest, request: Request) -> Queued:
        """Record a content task and queue it for the content_generation workers."""
        task_id = db.create_task(request.app.state.engine, "content", {"topic": body.topic})
        generate_content.delay(task_id)
        return Queued(id=task_id)

    @app.post("/logs", status_code=202)
    def queue_log(body: LogRequest, request: Request) -> Queued:
        """Record a log task and queue it for the logs workers."""
        task_id = db.create_task(request.app.state.engine, "log", body.model_dump())
        record_log.delay(task_id)
        return Queued(id=task_id)

    @app.get("/tasks/{task_id}")
    def read_task(task_id: int, request: Request) -> TaskOut:
        """The task's row: its status and, once done, its result."""
        row = db.get_task(request.app.state.engine, task_id)
        if row is None:
            raise HTTPException(status_code=404, detail=f"no task {task_id}")
        return TaskOut(**row)

    return app
