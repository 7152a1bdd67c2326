"""The role variable contract (see `default_variables` in railstack/plan.py), read from the environment.

Every role gets the connection strings and the app secrets; a role also needs the plain variables
it uses (the API its port and process counts, a worker its concurrency, Flower its port and basic
auth). Errors name the variable and never show a value: most values here embed a password.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

#: Variables every role receives.
COMMON = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "SECRET_KEY",
    "JWT_SECRET_KEY",
)

#: Extra variables a kind of role needs, beyond COMMON.
ROLE_VARIABLES: dict[str, tuple[str, ...]] = {
    "api": ("PORT", "WEB_CONCURRENCY", "THREADS"),
    "worker": ("CELERY_CONCURRENCY", "CELERY_MAX_TASKS_PER_CHILD"),
    "flower": ("PORT", "FLOWER_BASIC_AUTH"),
}

_SCHEMES = {
    "DATABASE_URL": ("postgresql://", "postgres://", "postgresql+psycopg://"),
    "REDIS_URL": ("redis://", "rediss://"),
    "CELERY_BROKER_URL": ("redis://", "rediss://"),
    "CELERY_RESULT_BACKEND": ("redis://", "rediss://"),
}


class SettingsError(ValueError):
    """The environment does not satisfy the contract; the message names variables, never values."""


@dataclass(frozen=True)
class Settings:
    """The contract's values; secrets are left out of repr so a logged Settings leaks nothing."""

    database_url: str = field(repr=False)
    redis_url: str = field(repr=False)
    celery_broker_url: str = field(repr=False)
    celery_result_backend: str = field(repr=False)
    secret_key: str = field(repr=False)
    jwt_secret_key: str = field(repr=False)
    service_type: str | None = None
    port: int | None = None
    web_concurrency: int | None = None
    threads: int | None = None
    celery_queues: tuple[str, ...] = ()
    celery_concurrency: int | None = None
    celery_max_tasks_per_child: int | None = None
    admin_password: str | None = field(default=None, repr=False)
    flower_basic_auth: str | None = field(default=None, repr=False)
    heartbeat_seconds: float = 10.0
    """Beat's heartbeat period (HEARTBEAT_SECONDS); not part of the contract, so it has a default."""


def _int(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a positive integer, got {raw!r}") from None
    if value < 1:
        raise SettingsError(f"{name} must be a positive integer, got {value}")
    return value


def heartbeat_seconds(env: Mapping[str, str]) -> float:
    """HEARTBEAT_SECONDS, beat's heartbeat period: 10 when unset."""
    raw = env.get("HEARTBEAT_SECONDS", "").strip() or "10"
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"HEARTBEAT_SECONDS must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"HEARTBEAT_SECONDS must be positive, got {value}")
    return value


def load_settings(env: Mapping[str, str] | None = None, kind: str | None = None) -> Settings:
    """Read the contract from `env` (default os.environ) for a role of `kind` (api, worker, flower…)."""
    env = os.environ if env is None else env
    required = COMMON + ROLE_VARIABLES.get(kind or "", ())
    missing = [name for name in required if not env.get(name, "").strip()]
    if missing:
        role = f" (role kind {kind})" if kind else ""
        raise SettingsError(
            f"missing environment variable{'s' if len(missing) > 1 else ''}{role}: {', '.join(missing)}"
        )
    for name, schemes in _SCHEMES.items():
        if not env[name].startswith(schemes):
            raise SettingsError(f"{name} must start with one of {', '.join(schemes)} (value not shown)")
    return Settings(
        database_url=env["DATABASE_URL"],
        redis_url=env["REDIS_URL"],
        celery_broker_url=env["CELERY_BROKER_URL"],
        celery_result_backend=env["CELERY_RESULT_BACKEND"],
        secret_key=env["SECRET_KEY"],
        jwt_secret_key=env["JWT_SECRET_KEY"],
        service_type=env.get("SERVICE_TYPE") or None,
        port=_int(env, "PORT"),
        web_concurrency=_int(env, "WEB_CONCURRENCY"),
        threads=_int(env, "THREADS"),
        celery_queues=tuple(q.strip() for q in env.get("CELERY_QUEUES", "").split(",") if q.strip()),
        celery_concurrency=_int(env, "CELERY_CONCURRENCY"),
        celery_max_tasks_per_child=_int(env, "CELERY_MAX_TASKS_PER_CHILD"),
        admin_password=env.get("ADMIN_PASSWORD") or None,
        flower_basic_auth=env.get("FLOWER_BASIC_AUTH") or None,
        heartbeat_seconds=heartbeat_seconds(env),
    )
