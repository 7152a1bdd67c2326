"""scripts/railway-emulator as a process: its announced URL, its token, and a clean stop on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from support.pulumi_cli import ROOT

LAUNCHER = ROOT / "scripts" / "railway-emulator"
LISTENING = re.compile(r"railway-emulator listening on (http://127\.0\.0\.1:(\d+)/graphql/v2)")


@contextmanager
def _launched(*args: str) -> Iterator[subprocess.Popen[str]]:
    environment = {key: value for key, value in os.environ.items() if key != "RAILWAY_EMULATOR_TOKEN"}
    process = subprocess.Popen(
        [str(LAUNCHER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_launcher_serves_on_a_free_port_with_the_given_token_and_stops_on_sigterm(http: httpx.Client) -> None:
    token = "cli-token-9b2e"
    with _launched("--port", "0", "--token", token) as process:
        assert process.stdout is not None
        first_line = process.stdout.readline().strip()
        match = LISTENING.fullmatch(first_line)
        assert match, f"unexpected first line: {first_line!r}"
        url, port = match.group(1), int(match.group(2))
        assert port > 0

        answered = http.post(
            url, json={"query": "{ projects { edges { node { id } } } }"}, headers={"Authorization": f"Bearer {token}"}
        )
        refused = http.post(url, json={"query": "{ projects { edges { node { id } } } }"})
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)

    assert answered.json() == {"data": {"projects": {"edges": []}}}
    assert refused.json() == {"data": None, "errors": [{"message": "Not Authorized"}]}
    assert process.returncode == 0
    assert token not in first_line + stdout + stderr, "a given token is never printed"


def test_launcher_without_a_token_generates_one_and_prints_it_once(http: httpx.Client) -> None:
    with _launched() as process:
        assert process.stdout is not None
        match = LISTENING.fullmatch(process.stdout.readline().strip())
        assert match
        token_line = process.stdout.readline().strip()
        assert token_line.startswith("token: ")
        token = token_line.removeprefix("token: ")

        answered = http.post(
            match.group(1),
            json={"query": "{ projects { edges { node { id } } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)

    assert answered.json() == {"data": {"projects": {"edges": []}}}
    assert process.returncode == 0


def test_container_mode_announces_its_edge_and_routes_an_unknown_domain_to_404() -> None:
    with _launched(
        "--port", "0", "--token", "cli-token-containers", "--run-containers", "--image-map", "redis:7=railstack/redis:7"
    ) as process:
        assert process.stdout is not None
        assert LISTENING.fullmatch(process.stdout.readline().strip())
        edge = process.stdout.readline().strip()
        assert re.fullmatch(r"edge: http://127\.0\.0\.1:\d+", edge), edge
        answer = httpx.get(edge.removeprefix("edge: ") + "/", headers={"Host": "nobody.up.railway.app"}, timeout=10)
        assert answer.status_code == 404 and "nobody.up.railway.app" in answer.text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_a_malformed_image_map_is_refused_with_the_expected_form() -> None:
    with _launched("--run-containers", "--image-map", "redis7") as process:
        assert process.wait(timeout=30) == 2
        assert process.stderr is not None and "expected SRC=DST" in process.stderr.read()


def test_a_malformed_repo_map_is_refused_with_the_expected_form() -> None:
    with _launched("--repo-map", "acme-app=/tmp") as process:
        assert process.wait(timeout=30) == 2
        assert process.stderr is not None and "expected OWNER/NAME=PATH" in process.stderr.read()


def test_a_repo_map_path_that_is_not_a_git_repository_is_refused(tmp_path: Path) -> None:
    with _launched("--repo-map", f"acme/app={tmp_path}") as process:
        assert process.wait(timeout=30) == 2
        assert process.stderr is not None and "not a git repository" in process.stderr.read()
