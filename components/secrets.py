"""SecretSet: every secret the stack generates, from pulumi-random, rotated one at a time.

Each secret's keepers hold its rotation counter from the stack config: bumping one counter
regenerates exactly that secret. `rotations` exposes the counters (not the values), which
deployments use as triggers so only services using a rotated secret redeploy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_random as random

#: Secrets every stack has; Flower's only when Flower is enabled.
SECRET_NAMES = ("secret_key", "jwt_secret_key", "admin_password", "postgres_password", "redis_password")
FLOWER_SECRET = "flower_password"


@dataclass(frozen=True)
class SecretSetArgs:
    names: tuple[str, ...]
    """Which secrets to generate (lowercase names; the variable is the uppercase name)."""
    length: int = 48
    """Length of every generated secret."""
    rotation: dict[str, int] = field(default_factory=dict)
    """Rotation counter per secret name (0 when absent)."""


class SecretSet(pulumi.ComponentResource):
    """Generated secrets, stored encrypted in the state."""

    values: dict[str, pulumi.Output[str]]
    """Secret outputs, by secret name."""
    rotations: dict[str, str]
    """The rotation counter of each secret, as text (not secret): a deployment trigger."""

    def __init__(self, name: str, args: SecretSetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:secrets:SecretSet", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.values = {}
        self.rotations = {}
        for secret in args.names:
            counter = str(args.rotation.get(secret, 0))
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
        self.register_outputs({"values": self.values, "rotations": self.rotations})
