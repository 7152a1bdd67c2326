"""A plain value is refused when the value itself looks like a secret (railstack/stacks/secret_values.py).

Secret-looking fixtures are generated at test time with `secrets`, so no credential-shaped literal is
committed. Entropy fixtures draw distinct characters (`SystemRandom().sample`), so their entropy is
always above the limit and the tests cannot flake on an unlucky draw (`random_hex` likewise).
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import uuid

import pytest

from railstack.stacks.secret_values import check_plain_variables, secret_reason

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
_random = secrets.SystemRandom()


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def distinct(n: int, alphabet: str = ALNUM) -> str:
    """n distinct characters in random order: random-looking, with the highest entropy n allows."""
    return "".join(_random.sample(alphabet, n))


def random_hex(n: int) -> str:
    """n random hex digits, no digit more than 3 times: always well above the hex entropy limit."""
    return "".join(_random.sample("0123456789abcdef" * 3, n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt() -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(json.dumps({"sub": rand(12), "iat": 1700000000}).encode())
    return f"{header}.{payload}.{b64url(secrets.token_bytes(32))}"


def pem_private_key() -> str:
    body = base64.b64encode(secrets.token_bytes(96)).decode()
    kind = "RSA " + "PRIVATE KEY"
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


def leaked_parts(value: str, text: str, size: int = 6) -> set[str]:
    """Every `size`-character piece of `value` that appears in `text`."""
    return {value[i : i + size] for i in range(len(value) - size + 1) if value[i : i + size] in text}


SECRETS = {
    "a postgresql URL with a password": lambda: f"postgresql://shop_{rand(5)}:{rand(16)}@db.internal:5432/shop",
    "a redis URL with a password and no user": lambda: f"redis://:{rand(16)}@cache.internal:6379",
    "a rediss URL with user default": lambda: f"rediss://default:{rand(16)}@cache.example.net:6380",
    "a URL with a password next to a reference": lambda: "postgresql://${postgres.user}:" + rand(16) + "@db/shop",
    "an OpenAI project key": lambda: "sk-proj-" + distinct(48),
    "an OpenAI key in the legacy format": lambda: "sk-" + rand(20) + "T3Blbk" + "FJ" + rand(20),
    "an AWS access key id": lambda: "AKIA" + rand(16, string.ascii_uppercase + string.digits),
    "a GitHub token": lambda: "ghp_" + rand(36),
    "a Stripe live key": lambda: "sk_" + "live_" + rand(24),
    "a PEM private key": pem_private_key,
    "a JWT": jwt,
    "a Slack bot token": lambda: (
        "xoxb-" + rand(12, string.digits) + "-" + rand(13, string.digits) + "-" + rand(24, LOWER_ALNUM)
    ),
    "a 40-character random hex string": lambda: random_hex(40),
    "a 44-character random base64 string": lambda: distinct(43, ALNUM + "+/") + "=",
    "a bearer header with a random token": lambda: "Bearer " + distinct(44),
    "a URL with a random token in its query": lambda: "https://hooks.example.net/in?token=" + distinct(44),
}


@pytest.mark.parametrize("kind", SECRETS)
def test_a_secret_looking_value_is_refused_without_showing_any_part_of_it(kind: str) -> None:
    value = SECRETS[kind]()
    reason = secret_reason(value)
    assert reason is not None, f"{kind} was accepted"
    assert not leaked_parts(value, reason)
    [problem] = check_plain_variables({"EXTRA_SETTING": value}, "api.variables")
    assert not leaked_parts(value, problem)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (lambda: "sk-" + rand(20) + "T3Blbk" + "FJ" + rand(20), "OpenAI Token"),
        (lambda: "AKIA" + rand(16, string.ascii_uppercase + string.digits), "AWS Access Key"),
        (lambda: "ghp_" + rand(36), "GitHub Token"),
        (lambda: "sk_" + "live_" + rand(24), "Stripe Access Key"),
        (jwt, "JSON Web Token"),
        (pem_private_key, "Private Key"),
    ],
)
def test_a_known_credential_format_is_named_by_the_detect_secrets_plugin_that_found_it(value, named: str) -> None:
    reason = secret_reason(value())
    assert reason is not None and f"(detect-secrets: {named})" in reason, reason


def test_urls_with_a_password_are_refused_as_such_whatever_the_scheme_or_user() -> None:
    for url in (
        f"postgresql://app:{rand(12)}@db:5432/shop",
        f"redis://:{rand(12)}@cache:6379",
        f"rediss://default:{rand(12)}@cache:6380",
        f"amqp://guest:{rand(12)}@mq//",
    ):
        assert secret_reason(url) == "is a URL with a password", url


HARMLESS = {
    "OPENAI_MAX_TOKENS": "4096",
    "OPENAI_MODEL": "gpt-4o-mini",
    "OPENAI_TEMPERATURE": "0.25",
    "PUBLIC_URL": "https://api.example.com/v1",
    "DATABASE_HOST": "postgres.railway.internal",
    "LOG_LEVEL": "INFO",
    "REGION": "us-west2",
    "CLEANUP_CRON": "*/5 * * * *",
    "DATA_DIR": "/var/lib/app/data",
    "QUEUE_NAME": "content_generation_queue_high_priority",
    "SERVICE_NAME": "railstack-production-workers",
    "IMAGE": "ghcr.io/acme/app@sha256:" + "0123456789abcdef" * 4,
    "RELEASE_CHANNEL": "APDEVELOPMENT",
    "DB_PASSWORD_REF": "${postgres.password}",
    "CACHE_URL": "redis://${redis.host}:6379/1",
    "API_ORIGIN": "https://${api.public_domain}",
    "READONLY_DATABASE_URL": "postgresql://app@db:5432/shop",
    "RAILWAY_DATABASE_URL": "${{Postgres.DATABASE_URL}}",
    "RAILWAY_REDIS_URL": "redis://default:${{REDIS_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:6379",
    "SHARED_DATABASE_URL": "postgresql://app:${{shared.POSTGRES_PASSWORD}}@db:5432/shop",
    "EMPTY": "",
}


@pytest.mark.parametrize("name", HARMLESS)
def test_a_harmless_value_is_accepted_whatever_the_variable_is_called(name: str) -> None:
    assert secret_reason(HARMLESS[name]) is None


def test_harmless_variables_give_no_problem() -> None:
    assert check_plain_variables(HARMLESS, "variables") == []


def test_a_dashed_uuid_is_accepted_but_the_same_uuid_without_dashes_is_refused_as_hex() -> None:
    # Choice: a UUID (a Sentry project id, a tenant id) is commonly harmless. Written with dashes it is
    # not one hex run (the hex plugin cannot see it) and it is below the base64 entropy limit; the same
    # 32 hex digits without dashes cannot be told from a generated hex token, so they are refused.
    # (A fixed UUID: about 1 random uuid4 in 25,000 has hex digits repetitive enough to pass.)
    some = uuid.UUID("8c6f1a2e-3b4d-4e5f-9a7b-1c2d3e4f5a6b")
    assert secret_reason(str(some)) is None
    assert secret_reason(some.hex) is not None


def test_a_value_is_judged_by_itself_not_by_its_name() -> None:
    # Names no longer decide: a secret-sounding name with a harmless value is fine, and a harmless
    # name with a secret value is refused.
    assert check_plain_variables({"OPENAI_API_KEY_LENGTH": "4096", "PASSWORD_MIN_LENGTH": "12"}, "variables") == []
    assert len(check_plain_variables({"GREETING": "ghp_" + rand(36)}, "variables")) == 1


def test_the_problem_line_names_the_key_path_the_reason_and_the_fix() -> None:
    value = "sk-proj-" + distinct(48)
    problems = check_plain_variables({"LOG_LEVEL": "INFO", "OPENAI_APIKEY": value}, "variables")
    reason = secret_reason(value)
    assert reason is not None, "the value looks like a secret"
    assert problems == [
        "variables.OPENAI_APIKEY: the value " + reason + "; a secret must not be a plain value: "
        "list OPENAI_APIKEY in sensitive_variables and set it with `pulumi config set --secret OPENAI_APIKEY ...`"
    ]


def test_each_refused_variable_gives_its_own_problem_under_its_role_path() -> None:
    problems = check_plain_variables(
        {"A_URL": f"redis://:{rand(12)}@cache:6379", "MODEL": "gpt-4o-mini", "B_TOKEN": random_hex(40)},
        "api.variables",
    )
    assert [p.split(":", 1)[0] for p in problems] == ["api.variables.A_URL", "api.variables.B_TOKEN"]
    assert all("sensitive_variables" in p for p in problems)
