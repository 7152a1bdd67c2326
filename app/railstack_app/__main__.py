"""`python -m railstack_app [role]`: run one role of the image (default: $SERVICE_TYPE).

Exit codes: 0 done or healthy, 1 unhealthy or failed, 2 unknown role or bad configuration.
"""

from __future__ import annotations

import os
import socket
import sys
import time

from railstack_app import db
from railstack_app.roles import UnknownRoleError, command_for, role_kind
from railstack_app.settings import Settings, SettingsError, load_settings

USAGE_ERROR = 2


#: How long the migrations wait for the database to accept connections (DATABASE_WAIT_SECONDS): a
#: platform may start them the moment the database's container runs, before it is ready (Railway
#: marks a database without a healthcheck live as soon as it started).
DATABASE_WAIT_SECONDS = 60.0


def _migrate(settings: Settings) -> None:
    engine = db.make_engine(settings.database_url, pool_size=1)
    deadline = time.monotonic() + float(os.environ.get("DATABASE_WAIT_SECONDS") or DATABASE_WAIT_SECONDS)
    try:
        while not db.ping(engine):
            if time.monotonic() >= deadline:
                raise SettingsError("the database did not accept connections within DATABASE_WAIT_SECONDS")
            print("migrations: waiting for the database to accept connections", flush=True)
            time.sleep(1)
        applied = db.migrate(engine)
    finally:
        engine.dispose()
    print(f"migrations applied: {', '.join(map(str, applied)) or 'none (up to date)'}", flush=True)


def _healthcheck(settings: Settings) -> int:
    """Liveness of a worker (answers a ping) or of beat (ticked recently), for SERVICE_TYPE."""
    from railstack_app.worker import beat_is_alive, celery_app

    service = settings.service_type
    kind = role_kind(service)
    if kind == "beat":
        alive = beat_is_alive()
    elif kind == "worker":
        node = f"celery@{socket.gethostname()}"
        try:
            alive = bool(celery_app.control.ping(destination=[node], timeout=3.0))
        except Exception as error:  # broker unreachable: the worker cannot be working either
            print(f"healthcheck-worker: cannot reach the broker: {type(error).__name__}", file=sys.stderr)
            alive = False
    else:
        raise SettingsError(f"healthcheck-worker checks a celery_<queue> or beat role, not SERVICE_TYPE={service}")
    print(f"healthcheck-worker: {service} {'alive' if alive else 'NOT alive'}", flush=True)
    return 0 if alive else 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    role = args[0] if args else os.environ.get("SERVICE_TYPE", "").strip() or None
    try:
        kind = role_kind(role)
        settings = load_settings(kind=kind)
        if role == "migrate":
            _migrate(settings)
            return 0
        if role == "healthcheck-worker":
            return _healthcheck(settings)
        if role == "api":
            _migrate(settings)
        command = command_for(str(role), settings)
    except (SettingsError, UnknownRoleError) as error:
        print(f"railstack_app: {error}", file=sys.stderr)
        return USAGE_ERROR
    sys.stdout.flush()
    os.execv(command[0], command)
    return 1  # not reached: execv replaces the process


if __name__ == "__main__":
    sys.exit(main())
