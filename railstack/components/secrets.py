"""SecretSet: every secret the stack generates, from pulumi-random, rotated one at a time.

Each secret's keepers hold its rotation counter from the stack config: bumping one counter
regenerates exactly that secret. `rotations` exposes the counters (not the values), which
deployments use as triggers so only services using a rotated secret redeploy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_random as random


@dataclass(frozen=True)
class SecretSetArgs:
    names: tuple[str, ...]
    """Which secrets to generate (lowercase names; the variable is the uppercase name)."""
    length: int = 48
    """Length of every generated secret."""
    rotation: dict[str, int] = field(default_factory=dict)
    """Rotation counter per secret name (0 when absent)."""
    fingerprint_key: bool = False
    """Also generate a key for fingerprints of variable values (Railway variable collections)."""
    provided: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    """Secrets whose value is given (secret stack config) rather than generated: an adopted
    database's password, which its data directory was initialised with."""


class SecretSet(pulumi.ComponentResource):
    """Generated secrets, stored encrypted in the state."""

    values: dict[str, pulumi.Output[str]]
    """Secret outputs, by secret name."""
    rotations: dict[str, str]
    """The rotation counter of each secret, as text (not secret): a deployment trigger."""
    fingerprint_key: pulumi.Output[str] | None
    """A random key (secret, never a variable) for keyed fingerprints of variable values, which let
    a preview name the variables that change without revealing their values."""

    def __init__(self, name: str, args: SecretSetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:secrets:SecretSet", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.values = {}
        self.rotations = {}
        for secret in args.names:
            counter = str(args.rotation.get(secret, 0))
            if secret in args.provided:
                self.values[secret] = pulumi.Output.secret(args.provided[secret])
                self.rotations[secret] = counter
                continue
            password = random.RandomPassword(
                f"{name}-{secret.replace('_', '-')}",
                length=args.length,
                # URL-safe: these go into connection strings unescaped.
                special=False,
                keepers={"rotation": counter},
                opts=child,
            )
            self.values[secret] = pulumi.Output.secret(password.result)
            self.rotations[secret] = counter
        self.fingerprint_key = None
        if args.fingerprint_key:
            key = random.RandomPassword(f"{name}-fingerprint-key", length=64, special=False, opts=child)
            self.fingerprint_key = pulumi.Output.secret(key.result)
        # Secret values stay attributes, never registered outputs: the Python SDK writes registered
        # outputs to its debug log in clear text, and `pulumi preview --json` streams that log.
        self.register_outputs({"rotations": self.rotations})
