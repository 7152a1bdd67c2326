"""railstack as a library: built into wheels, installed into a virtualenv of its own, used by a
program that is not railstack's (examples/python-library), configured in code, against the emulator.

Nothing of the checkout is importable there: the program gets `railstack` and `railstack_railway`
from the wheels (their package data included: profiles, GraphQL documents), and the wheel's console
script `pulumi-resource-railway` serves the same schema as the installed plugin.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from railstack.providers.railway.schema import VERSION, schema_json
from railway_emulator import EmulatorServer
from support.pulumi_cli import PULUMI_HOME, ROOT, TOOLS_BIN, PulumiWorkspace
from tests.shared_emulator import EMULATOR_TOKEN

pytestmark = [pytest.mark.engine, pytest.mark.usefixtures("pulumi_cli")]


def run(*args: str | Path, cwd: Path | None = None) -> str:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A virtualenv with the two wheels installed; the rest of the dependencies come from the
    repository's virtualenv (a .pth line), so the test needs no download beyond the build backend."""
    root = tmp_path_factory.mktemp("library")
    dist = root / "dist"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT / "sdk" / "python")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT)
    wheels = sorted(p.name for p in dist.glob("*.whl"))
    assert [w.split("-")[:2] for w in wheels] == [["railstack", VERSION], ["railstack_railway", VERSION]], wheels
    venv = root / "venv"
    run(sys.executable, "-m", "venv", venv)
    site = next((venv / "lib").glob("python3*/site-packages"))
    deps = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"))
    (site / "railstack-test-deps.pth").write_text(f"{deps}\n")
    run(
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        "--ignore-installed",
        *dist.glob("*.whl"),
    )
    yield venv
    shutil.rmtree(root, ignore_errors=True)


def test_the_wheels_install_the_library_with_its_data(library: Path) -> None:
    where = json.loads(
        run(
            library / "bin" / "python",
            "-c",
            "import json, railstack, railstack_railway, railstack.stacks.load as load;"
            "from railstack.providers.railway.client import documents;"
            "print(json.dumps([railstack.__file__, railstack_railway.__file__, railstack.__version__,"
            " sorted(p.stem for p in load.PROFILES_DIR.glob('*.yaml')), len(documents())]))",
            cwd=Path("/"),
        )
    )
    railstack_file, sdk_file, version, profiles, documents = where
    assert railstack_file.startswith(str(library)) and sdk_file.startswith(str(library)), where
    assert version == VERSION
    assert profiles == ["demo", "development", "production", "staging"], "the profiles are package data"
    assert documents > 40, "the GraphQL documents are package data"


def test_the_wheels_console_script_is_the_plugin(library: Path) -> None:
    printed = run(
        TOOLS_BIN / "pulumi",
        "package",
        "get-schema",
        library / "bin" / "pulumi-resource-railway",
        cwd=library,
    )
    assert json.loads(printed) == json.loads(schema_json())


def test_a_program_of_its_own_configured_in_code_comes_up_and_goes(
    library: Path, tmp_path: Path, emulator: EmulatorServer
) -> None:
    program = tmp_path / "program"
    shutil.copytree(ROOT / "examples" / "python-library", program)
    (program / "Pulumi.yaml").write_text(
        (program / "Pulumi.yaml").read_text().replace("virtualenv: venv", f"virtualenv: {library}")
    )
    (tmp_path / "state").mkdir()
    ws = PulumiWorkspace(
        project_dir=program,
        state_dir=tmp_path / "state",
        extra_env={"RAILWAY_API_URL": emulator.url, "PULUMI_HOME": str(PULUMI_HOME), "PYTHONPATH": ""},
    )
    ws.run("stack", "init", "lib")
    ws.run("config", "set", "--secret", "railway:token", EMULATOR_TOKEN)
    try:
        ws.run("up", "--yes", "--skip-preview", timeout=900)
        outputs = ws.json("stack", "output")
        assert set(outputs["railway_services"]) == {"postgres", "redis", "api", "worker-orders", "beat"}
        state = emulator.state_json()
        (project,) = [p for p in state["projects"] if p["name"] == "shop-lib"]
        names = sorted(s["name"] for s in state["services"] if s["projectId"] == project["id"])
        assert names == ["Postgres", "Redis", "api", "beat", "worker-orders"]
        ws.run("preview", "--expect-no-changes")
    finally:
        ws.run("destroy", "--yes", "--skip-preview", check=False, timeout=600)
    assert [p for p in emulator.state_json()["projects"] if p["name"] == "shop-lib"] == []
