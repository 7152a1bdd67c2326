"""Throwaway PostgreSQL and Redis servers on free 127.0.0.1 ports, for the app's tests.

Real servers from Debian's packages, never mocks; a missing binary is a failure that says how to
install it. PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from support.ports import free_port

POSTGRES_INSTALL = "apt-get update && apt-get install -y postgresql"
REDIS_INSTALL = "apt-get update && apt-get install -y redis-server"


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        pytest.fail(f"PostgreSQL's {name} is missing: install the server with `{POSTGRES_INSTALL}`")
    return found


@dataclass
class Postgres:
    """A running cluster; `url(db)` is a postgresql:// URL with the superuser's password."""

    datadir: Path
    port: int
    user: str
    password: str
    run_as: list[str]

    def url(self, database: str = "postgres", password: str | None = None) -> str:
        return f"postgresql://{self.user}:{password or self.password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, _postgres_bin("pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_postgres() -> Postgres:
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="railstack-pg-"))
    datadir, pwfile = root / "data", root / "pwfile"
    password = "pg-" + os.urandom(8).hex()
    pwfile.write_text(password + "\n")
    run_as: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")  # created by the postgresql package
        os.chown(root, owner.pw_uid, owner.pw_gid)
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [
            *run_as,
            initdb,
            "-D",
            str(datadir),
            "-U",
            "railstack",
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "--encoding=UTF8",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {datadir} -c fsync=off"
    started = subprocess.run(
        [*run_as, pg_ctl, "-D", str(datadir), "-o", options, "-l", str(root / "log"), "-w", "-t", "30", "start"],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log}")
    return Postgres(datadir=datadir, port=port, user="railstack", password=password, run_as=run_as)


@dataclass
class Redis:
    """A running redis-server requiring a password."""

    process: subprocess.Popen[bytes]
    port: int
    password: str

    def url(self, db: int = 0) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_redis() -> Redis:
    binary = shutil.which("redis-server")
    if not binary:
        pytest.fail(f"redis-server is missing: install it with `{REDIS_INSTALL}`")
    port, password = free_port(), "redis-" + os.urandom(8).hex()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--requirepass",
            password,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Redis(process=process, port=port, password=password)
    client = redis.Redis.from_url(server.url(), socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                pytest.fail(f"redis-server did not start on port {port} (exit code {process.poll()})")
            time.sleep(0.05)
        finally:
            client.close()
