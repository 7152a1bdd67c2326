"""`pulumi up -s staging` from empty against the emulator in container mode, against its critical path.

The critical path is the slowest chain of dependent deployments, each deployment's own duration as
the emulator measured it (from its creation to SUCCESS): the data stores (Postgres, Redis, in
parallel), then the API, then the workers, beat and Flower (in parallel). Everything else in the wall
time of `up` is railstack's and the engine's: creating the objects, writing variables, polling.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.stats import Samples
from railway_emulator import EmulatorServer
from support.pulumi_cli import ROOT, PulumiWorkspace, copy_project, edit_stack_config

TOKEN = "bench-containers-token"
APP_IMAGE = "railstack/app:emulated"
IMAGE_MAP = {"ghcr.io/railwayapp-templates/postgres-ssl:16": "railstack/postgres:15", "redis:7": "railstack/redis:7"}
DATA_STORES = ("Postgres", "Redis")


def build_app_image() -> None:
    import docker

    docker.from_env(timeout=600).images.build(
        path=str(ROOT / "app"), buildargs={"BASE_IMAGE": "railstack/python:3.11"}, tag=APP_IMAGE, rm=True
    )


def critical_path(durations: dict[str, float]) -> float:
    """Data stores, then the API, then everything after it: the slowest of each stage, added up."""
    stores = max(durations[name] for name in DATA_STORES if name in durations)
    after = [seconds for name, seconds in durations.items() if name not in (*DATA_STORES, "api")]
    return stores + durations["api"] + (max(after) if after else 0.0)


def measure(root: Path, repeat: int) -> dict[str, Any]:
    build_app_image()
    wall, paths, runs = Samples(), Samples(), []
    for run in range(repeat):
        with EmulatorServer(token=TOKEN, run_containers=True, image_map=IMAGE_MAP) as emulator:
            project = copy_project(root / f"run-{run}" / "project", "staging")
            edit_stack_config(project, "staging", {"app": {"image": APP_IMAGE}, "deployments": {"poll_seconds": 0.25}})
            (root / f"run-{run}" / "state").mkdir()
            ws = PulumiWorkspace(project, root / f"run-{run}" / "state", {"RAILWAY_API_URL": emulator.url})
            ws.run("stack", "init", "staging")
            ws.run("config", "set", "--secret", "railway:token", TOKEN)
            started, began = time.monotonic(), time.time()
            ws.run("up", "--yes", "--skip-preview", timeout=900)
            seconds = time.monotonic() - started
            rows = emulator.emulator.runtime_view()["deployments"]
            durations = {row["serviceName"]: row["seconds"] for row in rows if row["status"] == "SUCCESS"}
            path = critical_path(durations)
            wall.values.append(seconds)
            paths.values.append(path)
            # When each deployment started and ended, from the start of `up`: where the rest of the wall goes.
            timeline = {
                row["serviceName"]: [round(row["startedAt"] - began, 2), round(row["finishedAt"] - began, 2)]
                for row in rows
                if row["finishedAt"] is not None
            }
            runs.append(
                {
                    "wall_s": round(seconds, 3),
                    "critical_path_s": round(path, 3),
                    "durations_s": durations,
                    "timeline_s": timeline,
                }
            )
            ws.run("destroy", "--yes", "--skip-preview", timeout=600)
    return {
        "up": wall.as_dict(),
        "critical_path": paths.as_dict(),
        "ratio_median": round(wall.median / paths.median, 3),
        "target_ratio": 1.15,
        "runs": runs,
    }
