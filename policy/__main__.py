"""Entry point the Pulumi engine runs for `--policy-pack policy`."""

import sys
from pathlib import Path

# The pack runs from policy/; its modules import as `policy.*`, as in the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.rules import ALL  # noqa: E402
from policy.values import install_secret_marking  # noqa: E402

install_secret_marking()

PolicyPack(name="railstack", enforcement_level=EnforcementLevel.MANDATORY, policies=ALL)
