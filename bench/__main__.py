"""`python -m bench` (scripts/bench): runs every benchmark, prints the table, writes the JSON."""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tempfile
from pathlib import Path

from bench import compose, containers, railway
from bench.report import table
from support.pulumi_cli import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--workers", default="1,5,20", help="worker-queue counts of the scale runs (default 1,5,20)")
    parser.add_argument("--output", type=Path, default=ROOT / ".results" / "bench.json", help="where the JSON goes")
    parser.add_argument("--no-docker", action="store_true", help="skip the local stack vs Docker Compose runs")
    args = parser.parse_args(argv)
    try:
        counts = sorted({int(n) for n in args.workers.split(",")})
    except ValueError:
        parser.error(f"--workers {args.workers!r}: expected numbers such as 1,5,20")
    if args.repeat < 1 or not counts or counts[0] < 1:
        parser.error("--repeat and every --workers count must be at least 1")

    results: dict = {
        "meta": {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"), "repeat": args.repeat}
    }
    with tempfile.TemporaryDirectory(prefix="railstack-bench-") as tmp:
        root = Path(tmp)
        print("bench: Railway API economy (staging)", file=sys.stderr)
        staging = railway.measure_stack(root / "economy", args.repeat)
        results["railway_economy"] = {name: s.as_dict() for name, s in staging.items() if s.calls}
        print(f"bench: scale with {counts} workers", file=sys.stderr)
        results["scale"] = railway.scale(root / "scale", args.repeat, counts)
        results["variables"] = railway.variables_do_not_cost_requests(root / "variables")
        print(f"bench: Railway timing (20 s deployments, late registration) with {counts} workers", file=sys.stderr)
        results["timing"] = railway.timing(root / "timing", counts)
        results["free_plan"] = railway.free_plan_refusal(root / "free")
        print("bench: preview latency", file=sys.stderr)
        empty = railway.empty_program_preview(root / "empty", args.repeat)
        staging_preview = staging["preview from empty"].wall
        results["preview_latency"] = {
            "staging": staging_preview.as_dict(),
            "empty_program": empty.as_dict(),
            "ratio_median": round(staging_preview.median / empty.median, 3),
        }
        if args.no_docker:
            results["local"] = {"skipped": "--no-docker"}
        elif (why := compose.compose_available()) is not None:
            results["local"] = {"skipped": why}
        else:
            print("bench: local stack vs docker-compose", file=sys.stderr)
            local = compose.measure(root / "local", args.repeat)
            local["cold_ratio_median"] = round(
                local["pulumi cold up"]["median_s"] / local["compose cold until healthy"]["median_s"], 3
            )
            local["noop_ratio_median"] = round(
                local["pulumi no-op up"]["median_s"] / local["compose no-op up -d"]["median_s"], 3
            )
            results["local"] = local
        if args.no_docker:
            results["containers"] = {"skipped": "--no-docker"}
        else:
            print("bench: staging in container mode", file=sys.stderr)
            results["containers"] = containers.measure(root / "containers", args.repeat)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    sys.stdout.write(table(results))
    print(f"bench: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
