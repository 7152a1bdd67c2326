"""Every key of `railstack:stack` can be set with the ordinary `pulumi config set --path`.

The Pulumi CLI refuses a plain `pulumi config set` (no --secret, no --plaintext) when the key's name
matches `passwd|pass|password|pwd|secret|token` (case-insensitive) and the value has a high zxcvbn
entropy (`looksLikeSecret` in pkg/cmd/pulumi/config/config.go). With `--path` the name it tests is the
whole path, `stack.redis.external_url_secret`, so a field named `*secret*` that holds a plain, realistic
value such as the name of a config key (`upstashRedisUrlPrimary`) cannot be set the way the README
tells users to set everything else.

The walker below goes over the JSON schema of the stack config (stacks.load.json_schema()) and yields
every leaf key path with a value a user would realistically type; the engine test sets each of them
with the real CLI in a throwaway stack and expects exit 0. A string field without a realistic sample
makes the walker fail, so a new field gets one when it is added.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from railstack.stacks.load import CONFIG_KEY, json_schema
from support.pulumi_cli import PulumiWorkspace, copy_project

STACK = "keys"

#: The key a user would give a mapping whose keys are theirs to choose, by the mapping's field name.
MAP_KEYS = {
    "workers": "orders",
    "variables": "LOG_LEVEL",
    "build_args": "BASE_IMAGE",
    "role_watch_patterns": "worker-logs",
}

#: Realistic values of string fields: by `<parent>.<field>` first, then by `<field>`
#: (`[0]` stands for an item of a list; a mapping's own key, e.g. `variables.LOG_LEVEL`, by itself).
STRINGS = {
    "app.image": "ghcr.io/acme/shop:1.4.2",
    "app.repo": "acme/shop",
    "app.path": "..",
    "app.branch": "release",
    "app.root_directory": "/backend",
    "app.dockerfile_path": "docker/Dockerfile",
    "app.build_command": "npm run build",
    "app.commit": "4f2c8e1b9a7d6c5e3f1a0b9c8d7e6f5a4b3c2d1e",
    "watch_patterns[0]": "/backend/**",
    "role_watch_patterns.worker-logs[0]": "/backend/worker/**",
    "app.celery_app": "shop.tasks:app",
    "build_args.BASE_IMAGE": "python:3.12-slim",
    "variables.LOG_LEVEL": "info",
    "project_name": "shop",
    "postgres.version": "16",
    "postgres.image": "ghcr.io/railwayapp-templates/postgres-ssl:16",
    "redis.image": "redis:7.2-alpine",
    "redis.version": "7.2",
    "redis.external_url_key": "upstashRedisUrl",
    "liveness.path": "/healthz",
    "liveness.schedule_file": "/tmp/celerybeat-schedule",
    "custom_domains[0]": "api.shop.example.com",
    "queues[0]": "orders",
    # The name of a secret stack config key, i.e. of an environment variable of the app.
    "sensitive_variables[0]": "OPENAI_API_KEY",
    # Railway service names as a project made by hand has them (scripts/adopt keeps them).
    "api.service_name": "roadmap-api",
    "beat.service_name": "celery-beat",
    "flower.service_name": "roadmap-flower",
    "postgres.service_name": "Postgres",
    "redis.service_name": "Redis",
    "service_name": "roadmap-celery-logs",
}

#: Commands, by the role (first path segment) and field; any other command field gets the worker's.
COMMANDS = {
    ("api", "start_command"): "uvicorn shop.api:app --host 0.0.0.0 --port $PORT",
    ("api", "pre_deploy_command"): "alembic upgrade head",
    ("api", "command"): "curl -fsS http://localhost:8000/healthz",
    ("workers", "start_command"): "celery -A shop.tasks worker -Q orders",
    ("workers", "command"): "celery -A shop.tasks inspect ping",
    ("beat", "start_command"): "celery -A shop.tasks beat --schedule /tmp/celerybeat-schedule",
    ("beat", "command"): "test -f /tmp/celerybeat-schedule",
    ("flower", "start_command"): "celery -A shop.tasks flower --port=5555",
    ("flower", "command"): "curl -fsS http://localhost:5555/healthcheck",
}
ANY_COMMAND = "celery -A shop.tasks worker -Q orders"

#: Realistic numbers where the default would not be what a user types.
NUMBERS = {
    "postgres_port": 5432,
    "redis_port": 6379,
    "api_port": 8080,
    "flower_port": 5555,
    "vcpus": 0.5,
    "memory_gb": 2,
    "concurrency": 4,
}


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """`node` with its `$ref` replaced by the definition (the referring site's keys win)."""
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/$defs/")
        node = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of an `anyOf`, each with the outer description/default, or `node`."""
    if "anyOf" not in node:
        return [node]
    outer = {k: v for k, v in node.items() if k != "anyOf"}
    return [{**branch, **outer} for branch in node["anyOf"] if branch.get("type") != "null"]


def _segments(path: str) -> list[str]:
    return [s for s in path.split(".") if s]


def _string_sample(path: str, node: dict[str, Any]) -> str:
    segments = _segments(path)
    field = segments[-1]
    described_command = field.endswith("command") or str(node.get("description", "")).startswith("Command")
    if described_command:
        return COMMANDS.get((segments[0], field), ANY_COMMAND)
    parent = segments[-2] if len(segments) > 1 else ""
    for name in (f"{parent}.{field}", field):
        if name in STRINGS:
            return STRINGS[name]
    raise LookupError(f"no realistic sample for string key {path}: add one to STRINGS in {__name__}")


def _number_sample(path: str, node: dict[str, Any]) -> int | float:
    field = _segments(path)[-1]
    default = node.get("default")
    if field in NUMBERS:
        value = NUMBERS[field]
    elif isinstance(default, (int, float)) and not isinstance(default, bool):
        value = default
    else:
        value = max(node.get("minimum", 1), 1)
    return value


def _check_sample(path: str, node: dict[str, Any], value: Any) -> None:
    """The sample satisfies the schema (a value the model would take), so the walker stays realistic."""
    if isinstance(value, str) and "enum" not in node:
        if "pattern" in node:
            assert re.search(node["pattern"], value), f"{path}: sample {value!r} does not match {node['pattern']}"
        assert len(value) >= node.get("minLength", 0), f"{path}: sample {value!r} too short"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high, above = (
            node.get("minimum", value),
            node.get("maximum", value),
            node.get("exclusiveMinimum", value - 1),
        )
        assert low <= value <= high and value > above, f"{path}: sample {value} out of range"


def _leaf_value(path: str, node: dict[str, Any]) -> str:
    kind = node.get("type")
    if "enum" in node:
        value: Any = node["enum"][0]
    elif kind == "boolean":
        return "true"
    elif kind in ("integer", "number"):
        value = _number_sample(path, node)
        if kind == "integer":
            assert isinstance(value, int), f"{path}: integer sample {value!r}"
    elif kind == "string":
        value = _string_sample(path, node)
    else:
        raise LookupError(f"{path}: no sample for schema {node}")
    _check_sample(path, node, value)
    return str(value)


def leaf_keys(schema: dict[str, Any] | None = None) -> Iterator[tuple[str, str]]:
    """(key path under `railstack:stack`, realistic value) for every leaf of the schema."""
    schema = schema if schema is not None else json_schema()
    defs = schema.get("$defs", {})

    def walk(path: str, node: dict[str, Any]) -> Iterator[tuple[str, str]]:
        for branch in _branches(_resolve(node, defs)):
            branch = _resolve(branch, defs)
            kind = branch.get("type")
            if kind == "object" or "properties" in branch:
                for name, child in branch.get("properties", {}).items():
                    yield from walk(f"{path}.{name}" if path else name, child)
                field = _segments(path)[-1] if path else ""
                for pattern, child in branch.get("patternProperties", {}).items():
                    key = MAP_KEYS.get(field)
                    if key is None:
                        raise LookupError(f"{path}: no realistic key for a mapping; add one to MAP_KEYS")
                    assert re.search(pattern, key), f"{path}: key {key!r} does not match {pattern}"
                    yield from walk(f"{path}.{key}", child)
                extra = branch.get("additionalProperties")
                if isinstance(extra, dict):
                    names = branch.get("propertyNames", {}).get("enum") or [MAP_KEYS.get(field)]
                    if names == [None]:
                        raise LookupError(f"{path}: no realistic key for a mapping; add one to MAP_KEYS")
                    for key in names:
                        yield from walk(f"{path}.{key}", extra)
            elif kind == "array":
                yield from walk(f"{path}[0]", branch.get("items", {}))
            else:
                yield path, _leaf_value(path, branch)

    seen: set[str] = set()
    for path, value in walk("", schema):
        if path not in seen:
            seen.add(path)
            yield path, value


def refusals(ws: PulumiWorkspace, keys: list[tuple[str, str]]) -> list[str]:
    """One line per key the CLI refuses to `config set --path` as given (with the CLI's stderr)."""
    problems = []
    for path, value in keys:
        proc = ws.run("config", "set", "--path", f"{CONFIG_KEY}.{path}", value, check=False, timeout=60)
        if proc.returncode != 0:
            problems.append(
                f"`pulumi config set --path {CONFIG_KEY}.{path} {value!r}` exited {proc.returncode}: "
                f"{(proc.stderr or proc.stdout).strip()}"
            )
    return problems


def _lookup(document: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        document = document[int(part[1:-1])] if part.startswith("[") else document[part]
    return document


@pytest.fixture(scope="module")
def workspace() -> Iterator[PulumiWorkspace]:
    with tempfile.TemporaryDirectory(prefix="railstack-config-keys-") as tmp:
        root = Path(tmp)
        project = copy_project(root / "project", STACK)
        state = root / "state"
        state.mkdir()
        ws = PulumiWorkspace(project_dir=project, state_dir=state)
        ws.run("stack", "init", STACK)
        yield ws


# --- the walker (no CLI) ---


def test_walker_yields_every_kind_of_key_with_a_realistic_value() -> None:
    keys = dict(leaf_keys())
    assert len(keys) > 60, f"suspiciously few leaf keys: {len(keys)}"
    assert keys["target"] == "railway" and keys["deployments.wait"] == "true"
    assert keys["redis.external_url_key"] == "upstashRedisUrl"
    assert keys["workers.orders.queues[0]"] == "orders"
    assert keys["workers.orders.start_command"] == "celery -A shop.tasks worker -Q orders"
    assert keys["workers.orders.liveness.kind"] == "http"
    assert keys["variables.LOG_LEVEL"] == "info"
    assert keys["api.variables.LOG_LEVEL"] == "info"
    assert keys["postgres.backups[0]"] == "DAILY"
    assert keys["sensitive_variables[0]"] == "OPENAI_API_KEY"
    assert keys["secrets.rotation.jwt_secret_key"].isdigit()
    assert all(key not in keys for key in ("workers", "api", "secrets.rotation")), "only leaves are yielded"


def test_walker_refuses_a_string_key_without_a_realistic_sample() -> None:
    schema = {"type": "object", "properties": {"brand_new": {"type": "string"}}}
    with pytest.raises(LookupError, match="brand_new"):
        list(leaf_keys(schema))


# --- the real CLI ---


@pytest.mark.engine
@pytest.mark.usefixtures("pulumi_cli")
def test_the_cli_refuses_a_realistic_value_under_a_secret_sounding_key(workspace: PulumiWorkspace) -> None:
    """The rule this file guards is real: the walker's check fails for a `*secret*` key name holding a
    config key's name, and the same value under a neutral key name is accepted."""
    problems = refusals(workspace, [("redis.external_url_secret", "upstashRedisUrlPrimary")])
    assert len(problems) == 1 and "redis.external_url_secret" in problems[0], problems
    assert "looks like a secret" in problems[0], problems
    assert refusals(workspace, [("redis.external_url_neutral", "upstashRedisUrlPrimary")]) == []


@pytest.mark.engine
@pytest.mark.usefixtures("pulumi_cli")
def test_every_schema_key_can_be_set_with_plain_config_set_path(workspace: PulumiWorkspace) -> None:
    keys = list(leaf_keys())
    problems = refusals(workspace, keys)
    assert not problems, (
        f"{len(problems)} of {len(keys)} keys of {CONFIG_KEY} cannot be set with a plain "
        "`pulumi config set --path` (rename the field so its path has no passwd|pass|password|pwd|secret|token):\n"
        + "\n".join(problems)
    )
    # --path built the structure: every key landed where its path says, with its value.
    document = yaml.safe_load((workspace.project_dir / f"Pulumi.{STACK}.yaml").read_text())
    stored = document["config"][CONFIG_KEY]
    for path, value in keys:
        got = _lookup(stored, path)
        assert str(got).lower() == value.lower(), f"{path}: set {value!r}, the stack file holds {got!r}"
