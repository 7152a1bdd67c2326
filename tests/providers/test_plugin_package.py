"""The Railway provider as a package: its schema, the SDK generated from it, and the installed plugin.

The schema is built from the handlers' declarations (railstack/providers/railway/schema.py); the committed SDK
(sdk/python) must be exactly what `pulumi package gen-sdk` makes of it today, and the plugin the
engine runs must print the same schema at the SDK's version.
"""

from __future__ import annotations

import filecmp
import json
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from railstack.providers.railway.handlers import HANDLERS
from railstack.providers.railway.schema import CONFIG, VERSION, camel, package_schema, schema_json
from support.pulumi_cli import PULUMI_HOME, ROOT, TOOLS_BIN

pytestmark = pytest.mark.usefixtures("pulumi_cli")

TYPES = {
    "Project", "Environment", "Service", "ServiceInstance", "VariableCollection", "ServiceDeployment", "Volume",
    "ServiceDomain", "CustomDomain", "TcpProxy",
}  # fmt: skip


def pulumi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLS_BIN / "pulumi"), *args],
        env={"PATH": f"{TOOLS_BIN}:/usr/bin:/bin", "PULUMI_HOME": str(PULUMI_HOME), "PULUMI_SKIP_UPDATE_CHECK": "1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


def test_the_schema_has_every_resource_and_the_provider_config() -> None:
    schema = package_schema()
    assert schema["name"] == "railway" and schema["version"] == VERSION
    assert set(schema["resources"]) == {f"railway:index:{t}" for t in TYPES}
    assert set(schema["config"]["variables"]) == {
        "token",
        "tokenKind",
        "workspaceId",
        "apiUrl",
        "maxRetryWaitSeconds",
        "approveDeployments",
    }
    assert schema["config"]["variables"]["token"]["secret"] is True
    assert set(schema["provider"]["inputProperties"]) == {camel(k) for k in CONFIG}


def test_diff_sets_come_from_the_declared_inputs() -> None:
    for handler in HANDLERS:
        declared = set(handler.INPUTS)
        assert declared >= handler.REPLACE_ON | handler.UPDATE_ON, handler.TYPE
        assert not handler.REPLACE_ON & handler.UPDATE_ON, handler.TYPE
        spec = package_schema()["resources"][f"railway:index:{handler.TYPE}"]
        replacing = {k for k, p in spec["inputProperties"].items() if p.get("replaceOnChanges")}
        assert replacing == {camel(k) for k in handler.REPLACE_ON}, handler.TYPE
        assert "Import ID:" in spec["description"], f"{handler.TYPE} documents its import ID"


def test_the_installed_plugin_prints_the_schema_at_the_sdks_version() -> None:
    assert version("railstack-railway") == VERSION, "one version for the plugin and the SDK (scripts/bootstrap)"
    printed = json.loads(pulumi("package", "get-schema", "railway").stdout)
    assert printed == json.loads(schema_json())
    listed = pulumi("plugin", "ls", "--json").stdout
    plugins = {(p["name"], p["kind"], p["version"]) for p in json.loads(listed)}
    assert ("railway", "resource", VERSION) in plugins


def test_the_committed_sdk_is_what_gen_sdk_makes_of_the_schema(tmp_path: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "railway-sdk"), str(tmp_path)], check=True, capture_output=True, timeout=120)
    fresh, committed = tmp_path / "python", ROOT / "sdk" / "python"

    def differences(cmp: filecmp.dircmp[str], where: str = "") -> list[str]:
        found = [f"{where}{n}" for n in cmp.diff_files + cmp.left_only + cmp.right_only if n != "__pycache__"]
        for name, sub in cmp.subdirs.items():
            found += differences(sub, f"{where}{name}/")
        return found

    stale = differences(filecmp.dircmp(fresh, committed, ignore=["__pycache__", "build", "railstack_railway.egg-info"]))
    assert stale == [], f"sdk/python is stale (run scripts/railway-sdk): {stale}"
