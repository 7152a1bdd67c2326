"""Stack configuration: profiles merged under overrides, and bad configuration rejected with the
stack, the key path and what is allowed."""

from __future__ import annotations

import pytest

from railstack.stacks.load import ConfigError, environments, json_schema, load_stack_config

IMAGE = {"app": {"image": "ghcr.io/acme/app:1"}}
LOCAL = {"app": {"path": "app"}}


@pytest.mark.parametrize("stack", ["demo", "staging", "prod"])
def test_each_railway_environment_loads_from_its_profile(stack: str) -> None:
    config = load_stack_config(stack, IMAGE)
    assert config.target == "railway"
    assert sorted(config.workers) == ["content_generation", "logs"]
    assert config.beat.sizing.replicas == 1


def test_dev_runs_on_docker_with_loopback_ports_and_numbers_as_variable_text() -> None:
    config = load_stack_config("dev", {**LOCAL, "variables": {"HEARTBEAT_SECONDS": 3}})
    assert (config.target, config.environment) == ("docker", "development")
    assert (config.docker.api_port, config.docker.postgres_port, config.docker.keep_volumes) == (8000, None, False)
    assert config.variables == {"HEARTBEAT_SECONDS": "3"}, "a YAML number becomes the variable's text"


def test_production_profile_protects_and_backs_up_the_database() -> None:
    config = load_stack_config("prod", IMAGE)
    assert (config.postgres.volume, config.postgres.protect) == (True, True)
    assert set(config.postgres.backups) == {"DAILY", "WEEKLY"}
    assert config.api.sizing.replicas >= 2


def test_overrides_win_over_the_profile_and_worker_defaults_apply_to_every_queue() -> None:
    config = load_stack_config(
        "staging", {**IMAGE, "workers": {"logs": {"concurrency": 9}, "emails": {}}, "api": {"sizing": {"replicas": 3}}}
    )
    assert config.workers["logs"].concurrency == 9
    assert config.workers["emails"].concurrency == 2, "a new queue gets the profile's worker defaults"
    assert config.api.sizing.replicas == 3
    assert config.api.sizing.vcpus == 1, "sizing keys not overridden keep the profile's values"


BAD = [
    (
        "staging",
        {**IMAGE, "beat": {"sizing": {"replicas": 2}}},
        "staging: beat: sizing.replicas = 2: beat must run exactly 1 replica",
    ),
    (
        "staging",
        {**IMAGE, "api": {"replicas": 2}},
        "staging: api.replicas: unknown key; allowed keys here: custom_domains, draining_seconds, healthcheck_timeout, liveness",
    ),
    ("demo", {}, "demo: app: required, not set"),
    (
        "demo",
        {"app": {"image": "x:1", "repo": "acme/app"}},
        "demo: app: set exactly one of app.image, app.repo or app.path",
    ),
    ("staging", {**IMAGE, "target": "heroku"}, "staging: target = 'heroku': Input should be 'railway' or 'docker'"),
    (
        "prod",
        {**IMAGE, "postgres": {"protect": False}},
        "prod: postgres: production needs volume: true, backups and protect: true (now volume: True, backups: ['DAILY', 'WEEKLY'], protect: False)",
    ),
    (
        "staging",
        {**IMAGE, "workers": {"logs": {"concurrency": 0}}},
        "staging: workers.logs.concurrency = 0: Input should be greater than or equal to 1",
    ),
    (
        "staging",
        {**IMAGE, "workers": {"logs": {"enabled": False}, "content_generation": None}},
        "staging: workers: at least one enabled worker is needed",
    ),
    (
        "staging",
        {**IMAGE, "variables": {"ANALYTICS_DSN": "postgresql://app:hunter2-but-longer@db.example.com/x"}},
        "staging: variables.ANALYTICS_DSN: the value is a URL with a password; a secret must not be a plain value: "
        "list ANALYTICS_DSN in sensitive_variables",
    ),
    (
        "staging",
        {**IMAGE, "variables": {"PORT": "9000"}},
        "staging: variables: PORT is set by railstack from the role's port",
    ),
    ("staging", {**IMAGE, "redis": {"mode": "external"}}, "staging: redis: mode external needs external_url_key"),
    (
        "staging",
        {**IMAGE, "api": {"liveness": {"kind": "http"}}},
        "staging: api.liveness: kind http needs path, e.g. path: /health",
    ),
    (
        "staging",
        {**IMAGE, "beat": {"liveness": {"kind": "celery-ping", "max_age_seconds": 5}}},
        "staging: beat.liveness: max_age_seconds: only for kind beat-schedule, not celery-ping",
    ),
    (
        "staging",
        {**IMAGE, "api": {"custom_domains": ["API.Example.com"]}},
        "staging: api.custom_domains: 'API.Example.com' is not a lowercase DNS name",
    ),
    (
        "mystack",
        IMAGE,
        "mystack: environment is not set: a stack not named dev, demo, staging, prod must set environment",
    ),
    (
        "staging",
        {**IMAGE, "environment": "qa"},
        "staging: environment = 'qa': allowed values are demo, development, production, staging",
    ),
    (
        "staging",
        {**IMAGE, "postgres": {"volume": False, "backups": ["DAILY"]}},
        "staging: postgres: backups need volume: true",
    ),
    (
        "demo",
        {**IMAGE, "target": "docker"},
        "demo: target = 'docker': docker is for the development environment, not demo",
    ),
    (
        "dev",
        {"app": {"repo": "acme/app"}},
        "dev: app.repo: Railway builds repositories; on target docker set app.path (built locally) or app.image",
    ),
    (
        "staging",
        {"app": {"path": "app"}},
        "staging: app.path: only the local Docker target builds from a directory; on Railway set app.image or app.repo",
    ),
    ("staging", {**IMAGE, "docker": {"api_port": 9000}}, "staging: docker: these settings are for target docker only"),
    (
        "staging",
        {"app": {"image": "x:1", "watch_patterns": ["/backend/**"], "commit": "a" * 40}},
        "staging: app: app.commit, app.watch_patterns: only for a repo source (set app.repo)",
    ),
    (
        "staging",
        {"app": {"repo": "acme/shop", "build_command": "make"}},
        "staging: app: app.build_command: a Dockerfile build runs only its Dockerfile; put the step in the "
        "Dockerfile, or set app.builder to railpack or nixpacks",
    ),
    (
        "staging",
        {"app": {"repo": "acme/shop", "commit": "4f2c8e1"}},
        "staging: app.commit = '4f2c8e1': String should match pattern '^[0-9a-f]{40}$'",
    ),
    (
        "staging",
        {"app": {"repo": "acme/shop", "role_watch_patterns": {"worker-emails": ["/backend/**"]}}},
        "staging: app.role_watch_patterns: worker-emails is not a role of this stack; roles: api, beat, flower, "
        "worker-content-generation, worker-logs",
    ),
    (
        "staging",
        {"app": {"repo": "acme/shop", "auto_deploy": False, "wait_for_ci": True}},
        "staging: app: app.wait_for_ci: Railway waits for CI before deploying a push; with auto_deploy false no push deploys",
    ),
    (
        "staging",
        {"app": {"repo": "acme/shop", "builder": "nixpacks", "dockerfile_path": "Dockerfile.railway"}},
        "staging: app: app.dockerfile_path: only for builder dockerfile, not nixpacks",
    ),
    (
        "dev",
        {**LOCAL, "api": {"sizing": {"replicas": 2}}},
        "dev: api.sizing.replicas = 2: on target docker the API publishes one host port, so 1 replica",
    ),
    ("dev", {**LOCAL, "docker": {"api_port": 5555}}, "dev: docker: host ports must differ, got [5555, 5555]"),
    (
        "dev",
        {**LOCAL, "docker": {"api_port": 80}},
        "dev: docker.api_port = 80: Input should be greater than or equal to 1024",
    ),
    (
        "dev",
        {"app": {"path": "/srv/app"}},
        "dev: app: app.path = '/srv/app' must be a directory relative to the project, e.g. app or ..",
    ),
    (
        "dev",
        {"app": {"image": "x:1", "build_args": {"BASE_IMAGE": "y"}}},
        "dev: app: app.build_args only apply when building from app.path",
    ),
]


@pytest.mark.parametrize(
    ("stack", "overrides", "expected"), BAD, ids=[b[2].split(":")[1].strip() + f"-{i}" for i, b in enumerate(BAD)]
)
def test_bad_configuration_is_rejected_naming_stack_key_and_what_is_allowed(
    stack: str, overrides: dict, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(stack, overrides)
    assert any(p.startswith(expected) or expected in p for p in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config("staging", {**IMAGE, "api": {"port": 0, "threads": 0}})
    assert len(caught.value.problems) == 2, caught.value.problems


def test_a_value_under_a_secret_looking_key_is_never_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        load_stack_config("staging", {**IMAGE, "secrets": {"rotation": {"secret_key": "hunter2-value"}}})
    message = str(caught.value)
    assert "secrets.rotation.secret_key = <redacted>" in message
    assert "hunter2-value" not in message


def test_json_schema_describes_every_field() -> None:
    schema = json_schema()

    def walk(node: dict, path: str) -> None:
        for name, prop in node.get("properties", {}).items():
            assert prop.get("description") or "$ref" in prop or "allOf" in prop, f"{path}.{name} has no description"

    walk(schema, "stack")
    for name, definition in schema.get("$defs", {}).items():
        walk(definition, name)
    assert set(environments()) == {"demo", "staging", "production", "development"}


def test_committed_json_schema_matches_the_model() -> None:
    import json
    from pathlib import Path

    committed = json.loads(
        (Path(__file__).resolve().parents[2] / "railstack" / "stacks" / "stack-config.schema.json").read_text()
    )
    assert committed == json_schema(), "railstack/stacks/stack-config.schema.json is stale: run scripts/config-schema"


def test_only_the_dev_stack_file_carries_a_committed_salt() -> None:
    """A passphrase salt belongs to whoever created the stack; a committed one makes every other
    checkout fail with "incorrect passphrase". The exception is dev, whose passphrase is public:
    its salt is committed so that `scripts/up-dev` leaves Pulumi.dev.yaml unchanged (issue 26 item 7;
    tests/engine/test_toolchain_engine.py proves the salt is that passphrase's)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    names = sorted(p.name for p in root.glob("Pulumi.*.yaml"))
    committed = {}
    for name in names:
        shown = subprocess.run(["git", "-C", str(root), "show", f"HEAD:{name}"], capture_output=True, text=True)
        committed[name] = shown.stdout if shown.returncode == 0 else (root / name).read_text()
    salted = [name for name, text in committed.items() if "encryptionsalt:" in text]
    assert salted == ["Pulumi.dev.yaml"], f"only the dev stack's salt is committed, not those of {salted}"


def test_a_key_renamed_for_the_pulumi_cli_names_its_new_name() -> None:
    with pytest.raises(ConfigError) as err:
        load_stack_config(
            "staging",
            {
                **IMAGE,
                "secret_variables": ["STRIPE_API_KEY"],
                "redis": {"mode": "external", "external_url_secret": "redisUrl"},
            },
        )
    assert err.value.problems == [
        "staging: secret_variables: renamed sensitive_variables (the Pulumi CLI refuses to set a plain value "
        "under a key named like a secret)",
        "staging: redis.external_url_secret: renamed redis.external_url_key (the Pulumi CLI refuses to set a "
        "plain value under a key named like a secret)",
    ]
