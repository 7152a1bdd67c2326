"""Loading a stack's configuration: the environment profile, the stack's overrides, validation.

`load_stack_config(stack, overrides)` is the only way the program gets its configuration. It runs
before any resource is registered, so bad configuration fails without touching anything, with one
line per problem naming the stack, the key path and what is allowed, e.g.
`staging: beat.sizing.replicas = 2: beat must run exactly 1 replica`.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from railstack.redaction import URL_PASSWORD, names_secret
from railstack.stacks.model import StackConfig
from railstack.stacks.secret_values import check_plain_variables

PROFILES_DIR = Path(__file__).parent / "profiles"

#: The environment profile each conventional stack name uses (a stack may name another explicitly).
ENVIRONMENT_OF_STACK = {"dev": "development", "demo": "demo", "staging": "staging", "prod": "production"}

#: The Pulumi config key holding a stack's overrides (structured YAML under `config:`).
CONFIG_KEY = "railstack:stack"


class ConfigError(ValueError):
    """The stack's configuration is invalid; `problems` are the lines of the message."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        super().__init__("invalid railstack configuration:\n" + "\n".join(f"  {p}" for p in problems))


def profile(environment: str) -> dict[str, Any]:
    """The defaults of an environment, as written in railstack/stacks/profiles/<environment>.yaml."""
    return yaml.safe_load((PROFILES_DIR / f"{environment}.yaml").read_text())


def environments() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.yaml"))


def _merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else in `override` replaces `base`."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in override.items()}}
    return override


def merged(stack: str, overrides: dict[str, Any]) -> dict[str, Any]:
    """The stack's overrides over its environment profile; worker defaults apply to every queue."""
    environment = overrides.get("environment") or ENVIRONMENT_OF_STACK.get(stack)
    if environment is None:
        raise ConfigError(
            stack,
            [
                f"{stack}: environment is not set: a stack not named {', '.join(ENVIRONMENT_OF_STACK)} must set "
                f"environment to one of {', '.join(environments())}"
            ],
        )
    if environment not in environments():
        raise ConfigError(
            stack, [f"{stack}: environment = {environment!r}: allowed values are {', '.join(environments())}"]
        )
    defaults = profile(environment)
    worker_defaults = defaults.pop("worker_defaults", {})
    result = _merge(defaults, {k: v for k, v in overrides.items() if k != "workers"})
    result["workers"] = _workers(defaults.get("workers"), overrides.get("workers"), worker_defaults)
    return result


def _workers(profile_workers: Any, stack_workers: Any, worker_defaults: dict[str, Any]) -> Any:
    """The model's workers, then the profile's, then the stack's, merged by name: setting one worker's
    key never drops another. `<name>: null` (or `enabled: false`) removes a worker explicitly."""
    names: dict[str, Any] = {name: {} for name in StackConfig.model_fields["workers"].default_factory()}  # type: ignore[misc]
    for layer in (profile_workers, stack_workers):
        if layer is None:
            continue
        if not isinstance(layer, dict):
            return layer  # not a mapping: validation reports it
        for name, spec in layer.items():
            if spec is None:
                names.pop(name, None)
            elif isinstance(spec, dict) and isinstance(names.get(name), dict):
                names[name] = _merge(names[name], spec)
            else:
                names[name] = spec
    return {name: _merge(worker_defaults, spec) if isinstance(spec, dict) else spec for name, spec in names.items()}


#: Keys renamed so that `pulumi config set --path` accepts them (the CLI refuses, without --secret
#: or --plaintext, a value under a key whose path contains "secret", "pass", "token" or "pwd").
RENAMED = {("secret_variables",): "sensitive_variables", ("redis", "external_url_secret"): "redis.external_url_key"}


def _renamed(stack: str, overrides: dict[str, Any]) -> list[str]:
    problems = []
    for path, new in RENAMED.items():
        node: Any = overrides
        for part in path:
            node = node.get(part, KeyError) if isinstance(node, dict) else KeyError
        if node is not KeyError:
            problems.append(
                f"{stack}: {'.'.join(path)}: renamed {new} (the Pulumi CLI refuses to set a plain "
                "value under a key named like a secret)"
            )
    return problems


def load_stack_config(stack: str, overrides: dict[str, Any] | None) -> StackConfig:
    """The validated configuration of `stack`, or ConfigError listing every problem."""
    if overrides is not None and not isinstance(overrides, dict):
        raise ConfigError(
            stack, [f"{stack}: {CONFIG_KEY} must be a mapping of settings, got {type(overrides).__name__}"]
        )
    if renamed := _renamed(stack, overrides or {}):
        raise ConfigError(stack, renamed)
    data = merged(stack, overrides or {})
    try:
        config = StackConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(stack, [_describe(stack, e) for e in err.errors()]) from None
    check_values(stack, config)
    return config


def overrides_of(value: Any) -> Any:
    """What code set, as `railstack:stack` would hold it: of each model only the fields its caller
    set (recursively), so the profile fills the rest exactly as it does under a YAML stack's keys."""
    if isinstance(value, BaseModel):
        return {name: overrides_of(getattr(value, name)) for name in value.model_fields_set}
    if isinstance(value, Mapping):
        return {key: overrides_of(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [overrides_of(item) for item in value]
    return value


def load_code_config(stack: str, config: StackConfig | Mapping[str, Any]) -> StackConfig:
    """A configuration built in code, merged over its environment profile as `railstack:stack` is:
    `StackConfig(environment="staging", ...)` gets staging's backups, sizing and default workers, and
    the same plan as a Pulumi.staging.yaml holding the same keys (`railstack.deploy` calls this)."""
    return load_stack_config(stack, overrides_of(config))


def near_miss_workers(stack: str, overrides: Mapping[str, Any] | None) -> list[str]:
    """A worker of the stack that the defaults and the profile do not define, but whose name is one
    edit away from one they do: most likely a typo that would run as a service of its own."""
    workers = (overrides or {}).get("workers")
    if not isinstance(workers, Mapping):
        return []
    environment = (overrides or {}).get("environment") or ENVIRONMENT_OF_STACK.get(stack)
    known = set(StackConfig.model_fields["workers"].default_factory())  # type: ignore[misc]
    if environment in environments():
        known |= set(profile(environment).get("workers") or {})
    warnings = []
    for name, spec in workers.items():
        if name in known or spec is None:
            continue
        close = sorted(k for k in known if one_edit_apart(str(name), k))
        if close:
            warnings.append(
                f"{stack}: new worker `{name}` (did you mean `{close[0]}`?): it runs as a service of its own, "
                f"next to `{close[0]}`"
            )
    return warnings


def one_edit_apart(a: str, b: str) -> bool:
    """Exactly one insertion, deletion, substitution or swap of neighbours turns `a` into `b`."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) < len(b):
        return a[start:] == b[start + 1 :]
    if a[start + 1 :] == b[start + 1 :]:
        return True
    return a[start : start + 2] == b[start : start + 2][::-1] and a[start + 2 :] == b[start + 2 :]


def check_values(stack: str, config: StackConfig) -> None:
    """Secrets judged by their value, before anything could print one (never echoed): also for a
    StackConfig built in code (railstack.deploy)."""
    problems = check_plain_variables({k: v for k, v in config.variables.items() if v is not None}, "variables")
    for path, variables in config.role_variables().items():
        problems += check_plain_variables({k: v for k, v in variables.items() if v is not None}, f"{path}.variables")
    if problems:
        raise ConfigError(stack, [f"{stack}: {problem}" for problem in problems])


def _describe(stack: str, error: ErrorDetails) -> str:
    loc = [str(part) for part in error["loc"]]
    path = ".".join(loc)
    message = error["msg"].removeprefix("Value error, ")
    if not loc:
        return f"{stack}: {message}"
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(error["loc"][:-1])
        return f"{stack}: {path}: unknown key; allowed keys here: {', '.join(allowed)}"
    if error["type"] == "missing":
        return f"{stack}: {path}: required, not set"
    value = error.get("input")
    if isinstance(value, (dict, list)) or not loc:
        return f"{stack}: {path}: {message}"
    secret = any(names_secret(str(part)) for part in loc) or bool(URL_PASSWORD.search(str(value)))
    shown = "<redacted>" if secret else repr(value)
    return f"{stack}: {path} = {shown}: {message}"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model at `loc` inside StackConfig (empty if it is not a model)."""
    current: Any = StackConfig
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` as X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation


def json_schema() -> dict[str, Any]:
    """JSON schema of `railstack:stack` (what a Pulumi.<stack>.yaml may set), for editors and review."""
    return StackConfig.model_json_schema()
