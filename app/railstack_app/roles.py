"""The image's roles: which exist, what each needs from the contract, and the command it runs.

`command_for` is pure (settings in, argv out) so the mapping is tested without starting anything;
`__main__` execs the argv, so the server is PID 1's direct replacement and gets its signals.
"""

from __future__ import annotations

import sys

from railstack_app.settings import Settings, SettingsError
from railstack_app.worker import BEAT_SCHEDULE_FILE, QUEUES

CELERY_APP = "railstack_app.worker:celery_app"
WORKER_ROLES = tuple(f"celery_{queue}" for queue in QUEUES)
#: Every role the entrypoint accepts, in the order a stack starts them.
ROLES = ("migrate", "api", *WORKER_ROLES, "beat", "flower", "healthcheck-worker")


class UnknownRoleError(ValueError):
    """The role is none of ROLES; the message lists them."""

    def __init__(self, role: str | None) -> None:
        what = f"unknown role {role!r}" if role else "no role given and SERVICE_TYPE is not set"
        super().__init__(f"{what}; allowed roles: {', '.join(ROLES)}")


def role_kind(role: str | None) -> str:
    """The kind of a role as settings know it: api, worker, beat, flower, migrate or healthcheck."""
    if role in WORKER_ROLES:
        return "worker"
    if role == "healthcheck-worker":
        return "healthcheck"
    if role in ROLES:
        return str(role)
    raise UnknownRoleError(role)


def worker_queue(role: str, settings: Settings) -> str:
    """The one queue a `celery_<queue>` role consumes; CELERY_QUEUES, when set, must agree."""
    queue = role.removeprefix("celery_")
    if settings.celery_queues and settings.celery_queues != (queue,):
        raise SettingsError(
            f"CELERY_QUEUES={','.join(settings.celery_queues)} disagrees with role {role}: "
            f"a worker role consumes exactly its own queue {queue}"
        )
    return queue


def command_for(role: str, settings: Settings) -> list[str]:
    """The argv a long-running role execs (api, celery_<queue>, beat, flower)."""
    celery = [sys.executable, "-m", "celery", "-A", CELERY_APP]
    if role == "api":
        return [
            sys.executable, "-m", "uvicorn", "railstack_app.api:create_app", "--factory",
            "--host", "0.0.0.0", "--port", str(settings.port), "--workers", str(settings.web_concurrency),
        ]  # fmt: skip
    if role in WORKER_ROLES:
        # Never -B: the stack's one beat role is the only scheduler.
        return [
            *celery, "worker", "--queues", worker_queue(role, settings),
            "--concurrency", str(settings.celery_concurrency),
            "--max-tasks-per-child", str(settings.celery_max_tasks_per_child),
            "--hostname", "celery@%h", "--loglevel", "INFO",
        ]  # fmt: skip
    if role == "beat":
        return [
            *celery, "beat", "--schedule", str(BEAT_SCHEDULE_FILE),
            "--scheduler", "railstack_app.worker:LivenessScheduler", "--loglevel", "INFO",
        ]  # fmt: skip
    if role == "flower":
        # Flower reads FLOWER_BASIC_AUTH from the environment itself: keep the password out of argv.
        # Flower's options are tornado options: only the --name=value form is understood.
        return [*celery, "flower", "--address=0.0.0.0", f"--port={settings.port}"]
    role_kind(role)  # raises for an unknown role
    raise ValueError(f"role {role} runs in-process, not as a command")
