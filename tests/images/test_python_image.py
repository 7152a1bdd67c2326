"""railstack/python:3.11 (images/python) is a drop-in for python:3.11-slim in an ordinary Dockerfile.

A throwaway Dockerfile, written as a user writes one for python:3.11-slim, is built on the local
image with the Docker SDK: `pip install -r requirements.txt` as root with no flags (Debian's own
python3 refuses that: PEP 668), then a non-root user runs python, the installed package and its
console script from PATH. The image it builds is removed afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

pytestmark = [pytest.mark.docker]

BASE = "railstack/python:3.11"
# Small pure-Python packages from PyPI: six to import, pyflakes for its console script.
REQUIREMENTS = "six==1.17.0\npyflakes==3.4.0\n"
DOCKERFILE = f"""\
FROM {BASE}
WORKDIR /srv
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN useradd --create-home app
USER app
"""


@pytest.fixture(scope="module")
def engine() -> docker.DockerClient:
    client = docker.from_env(timeout=600)
    client.images.get(BASE)  # scripts/base-images builds it; missing is a failure, not a skip
    return client


@pytest.fixture(scope="module")
def user_image(engine: docker.DockerClient, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    context: Path = tmp_path_factory.mktemp("python-image-check")
    (context / "Dockerfile").write_text(DOCKERFILE)
    (context / "requirements.txt").write_text(REQUIREMENTS)
    tag = f"railstack/python-image-check:{uuid.uuid4().hex[:12]}"
    try:
        engine.images.build(path=str(context), tag=tag, rm=True, forcerm=True)
    except docker.errors.BuildError as exc:
        log = "".join(str(chunk.get("stream", chunk.get("error", ""))) for chunk in exc.build_log)
        pytest.fail(f"a python:3.11-slim style Dockerfile does not build on {BASE}: {exc.msg}\n{log[-3000:]}")
    try:
        yield tag
    finally:
        engine.images.remove(tag, force=True)


def run(engine: docker.DockerClient, image: str, *command: str) -> str:
    try:
        out = engine.containers.run(image, list(command), remove=True, stdout=True, stderr=True)
    except docker.errors.ContainerError as exc:
        pytest.fail(f"`{' '.join(command)}` exited {exc.exit_status} in {image}: {exc.stderr!r}")
    return out.decode().strip()


def test_installed_package_imports_as_non_root_user(engine: docker.DockerClient, user_image: str) -> None:
    assert run(engine, user_image, "id", "-un") == "app"
    assert run(engine, user_image, "python", "-c", "import six; print(six.__version__)") == "1.17.0"


def test_pip_on_path(engine: docker.DockerClient, user_image: str) -> None:
    out = run(engine, user_image, "pip", "--version")
    assert out.startswith("pip ") and out.endswith("(python 3.11)"), out
    assert run(engine, user_image, "pip3", "--version") == out


def test_python_pip_and_console_scripts_on_path(engine: docker.DockerClient, user_image: str) -> None:
    which = "for c in python python3 pip pip3 pyflakes; do command -v $c; done"
    found = run(engine, user_image, "sh", "-c", which).splitlines()
    assert len(found) == 5 and all(path.startswith("/") for path in found), found
    assert run(engine, user_image, "python", "--version").startswith("Python 3.11.")
    assert run(engine, user_image, "python3", "--version").startswith("Python 3.11.")
    assert run(engine, user_image, "pyflakes", "--version").startswith("3.4.0")


def test_environment_like_the_official_image(engine: docker.DockerClient) -> None:
    env = dict(item.split("=", 1) for item in engine.images.get(BASE).attrs["Config"]["Env"])
    assert env.get("PIP_DISABLE_PIP_VERSION_CHECK") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("LANG") == "C.UTF-8"


def test_shelve_is_gnu_dbm_like_the_official_image(engine: docker.DockerClient, user_image: str) -> None:
    """celery beat's --schedule file: named as given (no `.db`) and rewritten on every sync."""
    script = (
        "import dbm, os, shelve, time\n"
        "s = shelve.open('/tmp/schedule', writeback=True); s['n'] = 0; s.sync()\n"
        "before = os.stat('/tmp/schedule').st_mtime_ns; time.sleep(0.05)\n"
        "s['n'] = 1; s.sync()\n"
        "print(dbm.whichdb('/tmp/schedule'), sorted(os.listdir('/tmp')),"
        " os.stat('/tmp/schedule').st_mtime_ns > before)\n"
    )
    assert run(engine, user_image, "python", "-c", script) == "dbm.gnu ['schedule'] True"
