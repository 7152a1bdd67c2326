"""The stack's config keys outside `railstack:stack`: which `railstack:` keys the program reads, and
whether a Railway stack has a token, judged before any resource is registered.

A key the program never reads is a mistake that would otherwise pass silently: `pulumi config set
railstack:stack.workers.logs.concurrency 4` without `--path` writes a literal key of that name, and
`railstack:stak` is a typo. A Railway stack without a token previews fine (the provider is only asked
to talk to Railway on `up`) and fails its `up` after the random passwords were created.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from railstack.stacks.model import StackConfig

NAMESPACE = "railstack"

#: The keys every program reads: the stack's configuration and the Railway objects to adopt.
BASE_KEYS = ("stack", "import")

#: Where the Railway provider finds its token (railstack/providers/railway/client.py, client_from_settings).
TOKEN_KEY = "railway:token"
TOKEN_ENVIRONMENT = ("RAILWAY_API_TOKEN", "RAILWAY_TOKEN")


def read_keys(config: StackConfig) -> set[str]:
    """The `railstack:<key>` names the program reads for `config`: its base keys and the secrets the
    configuration names (sensitive_variables, secrets.provided, redis.external_url_key)."""
    keys = set(BASE_KEYS) | set(config.sensitive_variables) | set(config.secrets.provided)
    if config.redis.external_url_key:
        keys.add(config.redis.external_url_key)
    return keys


def key_problems(stack: str, keys: Iterable[str], read: Iterable[str] | None, *, in_code: bool = False) -> list[str]:
    """One line per `railstack:` key the program would ignore. `keys` are the stack's config keys
    (`railstack:stak`, `railway:token`, ...); `read` the names it reads, or None when the configuration
    did not load (then only the keys that are surely mistakes are reported: a dotted key under a key
    the program reads, a near miss of one). `in_code`: the configuration is built in code, so
    `railstack:stack` is not read either."""
    known = set(BASE_KEYS) if read is None else set(read)
    if in_code:
        known.discard("stack")
    problems = []
    for full in sorted(keys):
        namespace, _, name = full.partition(":")
        if namespace != NAMESPACE or name in known:
            continue
        head = name.split(".", 1)[0]
        if name == "stack" and in_code:
            problems.append(
                f"{stack}: {full}: ignored: this program builds its configuration in code (deploy got a "
                f"StackConfig); remove it with `pulumi config rm {full} -s {stack}` or set it in the code"
            )
        elif "." in name and head in known:
            problems.append(
                f"{stack}: {full}: a key of that literal name (set without --path), which railstack never reads; "
                f"use `pulumi config set --path {full} <value> -s {stack}` and remove this one with "
                f"`pulumi config rm {full} -s {stack}`"
            )
        elif close := difflib.get_close_matches(head, sorted(known), n=1, cutoff=0.75):
            problems.append(
                f"{stack}: {full}: unknown key (did you mean {NAMESPACE}:{close[0]}?); railstack reads {_listed(known)}"
            )
        elif read is not None:
            problems.append(
                f"{stack}: {full}: unknown key; railstack reads {_listed(known)} (a secret is read only when "
                "the configuration names it: sensitive_variables, secrets.provided, redis.external_url_key)"
            )
    return problems


def _listed(known: Iterable[str]) -> str:
    return ", ".join(f"{NAMESPACE}:{k}" for k in sorted(known))


def token_problem(stack: str, keys: Iterable[str], environ: Mapping[str, str]) -> str | None:
    """For a Railway stack: the missing token, named with the key and how to set it; None when the
    stack config or the environment gives the provider one."""
    if TOKEN_KEY in set(keys) or any(environ.get(name) for name in TOKEN_ENVIRONMENT):
        return None
    return (
        f"{stack}: {TOKEN_KEY}: no Railway token (target railway): set it with "
        f"`pulumi config set --secret {TOKEN_KEY} <token> -s {stack}`, or export RAILWAY_API_TOKEN "
        "(an account or workspace token) or RAILWAY_TOKEN (a project token)"
    )
