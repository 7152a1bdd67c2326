"""Whether a plain configuration value is a secret, judged by the value itself, never by its name.

This module owns the rule that a secret must not be written as a plain value (`variables:` of a
stack or a role): `secret_reason(value)` says why a value looks like a secret (or None when it is
harmless) and `check_plain_variables(variables, path)` turns that into one problem line per refused
variable, naming the key path and the fix (`sensitive_variables` + `pulumi config set --secret`).

The judgement comes from the maintained `detect-secrets` library (pinned in pyproject.toml): its
credential-format plugins (AWS, GitHub, OpenAI, Stripe, Slack, JWT, private keys...), its
Basic-Auth URL plugin and its two entropy plugins. Its `KeywordDetector` is deliberately not used:
names do not decide. The plugins are instantiated and asked to `analyze_string` directly, so no
global detect-secrets settings are touched and no verification request ever leaves the machine.

Railstack and Railway references (`${postgres.password}`, `${{shared.SECRET_KEY}}`) are not values:
they are removed before the analysis, so `redis://default:${{REDIS_PASSWORD}}@host` is accepted.

A reason never contains the value or any part of it: every reason is built from constants only.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
    HighEntropyStringsPlugin,
)
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

#: Shannon-entropy limits above which a quoted string looks random (detect-secrets' defaults).
BASE64_ENTROPY_LIMIT = 4.5
HEX_ENTROPY_LIMIT = 3.0
#: Shorter strings are never judged by entropy: words, numbers, regions, model names stay plain.
MIN_ENTROPY_LENGTH = 20

#: Plugins that recognise a credential by its format, whatever the variable is called.
FORMAT_PLUGINS: tuple[RegexBasedDetector, ...] = (
    AWSKeyDetector(),
    AzureStorageKeyDetector(),
    GitHubTokenDetector(),
    GitLabTokenDetector(),
    JwtTokenDetector(),
    OpenAIDetector(),
    SlackDetector(),
    StripeDetector(),
    TwilioKeyDetector(),
    SendGridDetector(),
    DiscordBotTokenDetector(),
    NpmDetector(),
    PypiTokenDetector(),
    MailchimpDetector(),
    SquareOAuthDetector(),
    ArtifactoryDetector(),
    IbmCloudIamDetector(),
    IbmCosHmacDetector(),
    SoftlayerDetector(),
    CloudantDetector(),
    TelegramBotTokenDetector(),
)
_PRIVATE_KEY = PrivateKeyDetector()
_BASIC_AUTH = BasicAuthDetector()
ENTROPY_PLUGINS: tuple[HighEntropyStringsPlugin, ...] = (
    Base64HighEntropyString(limit=BASE64_ENTROPY_LIMIT),
    HexHighEntropyString(limit=HEX_ENTROPY_LIMIT),
)

#: `${{...}}` (Railway) and `${...}` (railstack) references.
_REFERENCE = re.compile(r"\$\{\{[^{}]*\}\}|\$\{[^{}]*\}")
#: Anything that looks like `scheme://...`, for the URL checks the Basic-Auth plugin misses.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")

URL_WITH_PASSWORD = "is a URL with a password"
URL_WITH_TOKEN = "is a URL with a random-looking query parameter (a token)"
PRIVATE_KEY = "contains a private key"
HIGH_ENTROPY = "is a high-entropy string"


#: Artifactory's password pattern (`AP[0-9A-F]` + 8 alphanumerics) also matches plain upper-case
#: words such as `APDEVELOPMENT`; real Artifactory credentials are never a bare capitalised word.
_UPPER_CASE_WORD = re.compile(r"\s*[A-Z]+\s*")


def _found(plugin: RegexBasedDetector, text: str) -> bool:
    for match in plugin.analyze_string(text):
        if isinstance(plugin, ArtifactoryDetector) and _UPPER_CASE_WORD.fullmatch(match.strip('"=:')):
            continue
        return True
    return False


def _high_entropy(text: str) -> str | None:
    """The entropy plugin that finds `text` random-looking, if one does (plugins read quoted strings)."""
    if len(text) < MIN_ENTROPY_LENGTH:
        return None
    quote = "'" if '"' in text else '"'
    line = f"value = {quote}{text}{quote}"
    for plugin in ENTROPY_PLUGINS:
        for found in plugin.analyze_string(line):
            if len(found) >= MIN_ENTROPY_LENGTH and plugin.calculate_shannon_entropy(found) > plugin.entropy_limit:
                return plugin.secret_type
    return None


def _url_reason(text: str) -> str | None:
    """URLs carrying a password (any scheme, empty user too) or a random-looking query value."""
    for candidate in _URL.findall(text):
        try:
            parts = urlsplit(candidate)
            password = parts.password
            query = parse_qsl(parts.query)
        except ValueError:
            continue
        if password:
            return URL_WITH_PASSWORD
        if any(_high_entropy(v) for _, v in query):
            return URL_WITH_TOKEN
    return None


def secret_reason(value: str) -> str | None:
    """Why `value` looks like a secret ("is a URL with a password", ...), or None when it is harmless.

    The reason is meant to follow "the value " in a message; it never contains any part of the value.
    """
    text = _REFERENCE.sub("", str(value))
    if not text.strip():
        return None
    if _found(_PRIVATE_KEY, text):
        return f"{PRIVATE_KEY} (detect-secrets: {_PRIVATE_KEY.secret_type})"
    if _found(_BASIC_AUTH, text):
        return URL_WITH_PASSWORD
    url = _url_reason(text)
    if url:
        return url
    for plugin in FORMAT_PLUGINS:
        if _found(plugin, text):
            return f"looks like an API key or token (detect-secrets: {plugin.secret_type})"
    # The whole value, and each word of it ("Bearer <token>", a multi-line value).
    for part in dict.fromkeys([text.strip(), *text.split()]):
        kind = _high_entropy(part)
        if kind:
            return f"{HIGH_ENTROPY} (detect-secrets: {kind}), like a generated key or token"
    return None


def check_plain_variables(variables: dict[str, str], path: str) -> list[str]:
    """One problem line per plain variable whose value looks like a secret, e.g. for path `api.variables`:

    `api.variables.OPENAI_APIKEY: the value looks like an API key or token (...); a secret must not be
    a plain value: list OPENAI_APIKEY in sensitive_variables and set it with
    `pulumi config set --secret OPENAI_APIKEY ...``
    """
    problems = []
    for name, value in variables.items():
        reason = secret_reason(value)
        if reason is not None:
            problems.append(
                f"{path}.{name}: the value {reason}; a secret must not be a plain value: list {name} in "
                f"sensitive_variables and set it with `pulumi config set --secret {name} ...`"
            )
    return problems
