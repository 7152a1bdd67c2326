"""The one rule for secret names and the one redaction that the plugin, the Docker actions, adoption,
the config errors and the policy pack share (railstack/redaction.py)."""

from __future__ import annotations

import pytest

from railstack.redaction import names_secret, redact


@pytest.mark.parametrize(
    "name",
    ["POSTGRES_PASSWORD", "DJANGO_SECRET_KEY", "FLOWER_BASIC_AUTH", "DB_PASS", "API_TOKEN", "stripe_api_key",
     "AWS_ACCESS_KEY_ID", "KEY", "PG_PWD", "CREDENTIALS"],
)  # fmt: skip
def test_names_that_hold_a_password_key_or_token_are_secret(name: str) -> None:
    assert names_secret(name)


@pytest.mark.parametrize(
    "name", ["POSTGRES_HOST", "PORT", "MONKEY_COUNT", "PASSENGER_LIMIT", "AUTHOR", "secret:admin_password"]
)
def test_ordinary_names_are_not(name: str) -> None:
    assert not names_secret(name)


def test_redact_hides_each_secret_longest_first_and_every_url_password() -> None:
    text = "connect postgresql://app:s3cr3t-pw@db:5432/x with token abcd1234 and abcd1234-extended; port 80"
    shown = redact(text, ["abcd1234", "abcd1234-extended", "80"])
    assert shown == "connect postgresql://app:***@db:5432/x with token *** and ***; port 80"
