"""The toolchain bootstrap builds what the Python SDK pins ask for; these pins must agree."""

from __future__ import annotations

import re
import tomllib

from support.pulumi_cli import ROOT


def _pinned(name: str) -> str:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = dict(dep.split("==", 1) for dep in deps)
    assert name in pins, f"{name} must be pinned with == in pyproject.toml, found {deps}"
    return pins[name]


def test_cli_wrapper_module_requires_the_pulumi_sdk_version() -> None:
    gomod = (ROOT / "toolchain" / "pulumi" / "go.mod").read_text()
    required = dict(re.findall(r"^\s*(github\.com/pulumi/pulumi/(?:pkg|sdk)/v3) (v\S+)", gomod, re.M))
    want = "v" + _pinned("pulumi")
    assert required == {
        "github.com/pulumi/pulumi/pkg/v3": want,
        "github.com/pulumi/pulumi/sdk/v3": want,
    }, f"toolchain/pulumi/go.mod must build the CLI at the pulumi SDK's version {want}"


def test_installed_sdks_are_the_pinned_versions() -> None:
    from importlib.metadata import version

    for name in ("pulumi", "pulumi-random", "pulumi-docker", "pulumi-policy"):
        assert version(name) == _pinned(name), f"the virtualenv has {name} {version(name)}, pyproject pins another"
