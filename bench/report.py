"""The benchmark's table (for people) and JSON (for history and tools)."""

from __future__ import annotations

from typing import Any


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _wall(w: dict[str, Any]) -> str:
    return f"{w['min_s']:.1f} / {w['median_s']:.1f} s"


def table(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [f"railstack bench — {meta['date']}, {meta['repeat']} runs each, min / median wall time", ""]
    economy = results["railway_economy"]
    lines.append("1. Railway API economy: staging against the emulator, real engine")
    lines.append(
        f"   {'operation':<22}{'requests':>9}{'writes':>8}{'floor':>7}{'×floor':>8}{'deploys':>9}{'floor':>7}{'×floor':>8}   wall"
    )
    for name in ("up from empty", "no-op up", "one-variable change"):
        row = economy[name]
        lines.append(
            f"   {name:<22}{row['requests']:>9}{row['writes']:>8}{row['floor_writes']:>7}{_ratio(row['writes_vs_floor']):>8}"
            f"{row['deployments']:>9}{row['floor_deployments']:>7}{_ratio(row['deployments_vs_floor']):>8}   {_wall(row['wall'])}"
        )
    lines.append("   (a floor of 0 is met only by 0: shown as —)")
    lines.append("")
    scale = results["scale"]
    lines.append("2. Scale: staging with N worker queues, up from empty")
    lines.append(
        f"   {'workers':>7}{'requests':>10}{'writes':>8}{'floor':>7}{'deploys':>9}{'no-op writes':>14}   {'preview':<16}up"
    )
    for count, row in sorted(scale["by_workers"].items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"   {count:>7}{row['requests']:>10}{row['writes']:>8}{row['floor_writes']:>7}{row['deployments']:>9}"
            f"{row['noop_writes']:>14}   {_wall(row['preview']):<16}{_wall(row['up'])}"
        )
    growth = scale["growth"]
    steps = ", ".join(f"{s:g}" for s in growth["requests_per_added_worker"])
    lines.append(f"   requests per added worker: {steps} → {'linear' if growth['linear'] else 'NOT linear'}")
    variables = results["variables"]["requests_by_extra_variables"]
    lines.append(
        f"   requests with 0 / 20 extra variables: {variables['0']} / {variables['20']} → "
        f"{'per-variable requests!' if results['variables']['per_variable_requests'] else 'no per-variable requests'}"
    )
    lines.append("")
    latency = results["preview_latency"]
    lines.append("3. Preview latency")
    lines.append(
        f"   staging preview {_wall(latency['staging'])}, empty Python program {_wall(latency['empty_program'])}"
        f" → {latency['ratio_median']:.2f}× the engine's floor (median / median)"
    )
    lines.append("")
    local = results.get("local")
    lines.append("4. Local stack: pulumi up -s dev vs docker-compose (same model, images, machine, run)")
    if local is None or "skipped" in local:
        lines.append(f"   not measured: {local['skipped'] if local else 'skipped'}")
    else:
        lines.append(
            f"   cold: pulumi up {_wall(local['pulumi cold up'])} (returns when all healthy); "
            f"compose up -d {_wall(local['compose cold up -d'])}, all healthy {_wall(local['compose cold until healthy'])}"
            f" → pulumi/compose {local['cold_ratio_median']:.2f}×"
        )
        lines.append(
            f"   no-op: pulumi up {_wall(local['pulumi no-op up'])}; compose up -d {_wall(local['compose no-op up -d'])}"
            f" → pulumi/compose {local['noop_ratio_median']:.2f}×"
        )
    containers = results.get("containers")
    lines.append("")
    lines.append("5. Railway in container mode: pulumi up -s staging from empty vs its critical path")
    if containers is None or "skipped" in containers:
        lines.append(f"   not measured: {containers['skipped'] if containers else 'skipped'}")
    else:
        last = containers["runs"][-1]
        first = min(start for start, _ in last["timeline_s"].values())
        lines.append(
            f"   up {_wall(containers['up'])}, critical path {_wall(containers['critical_path'])} "
            f"(data stores → api → workers, each deployment as the emulator measured it) → "
            f"{containers['ratio_median']:.2f}× (target {containers['target_ratio']:.2f}×)"
        )
        lines.append(
            f"   first deployment starts {first:.1f} s into up (engine start and the objects before it); "
            "per deployment: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(last["durations_s"].items()))
        )
        if local and "pulumi cold up" in local:
            lines.append(f"   next to pulumi up -s dev on the same images: {_wall(local['pulumi cold up'])}")
    lines += _timing(results)
    return "\n".join(lines) + "\n"


def _timing(results: dict[str, Any]) -> list[str]:
    timing, free = results.get("timing"), results.get("free_plan")
    if timing is None:
        return []
    lines = [
        "",
        f"6. Railway's timing: staging up from empty, {timing['deploy_seconds']:g} s deployments, late registration",
        f"   {'workers':>7}{'services':>9}{'status reads':>14}{'requests':>10}{'estimate':>10}{'deploys':>9}   up",
    ]
    for count, row in sorted(timing["by_workers"].items(), key=lambda kv: int(kv[0])):
        lines.append(
            f"   {count:>7}{row['services']:>9}{row['status_reads']:>14}{row['requests']:>10}{row['estimate']:>10}"
            f"{row['deployments']:>9}   {row['up_seconds']:.1f} s"
        )
    lines.append(
        f"   status reads spread across worker counts: {timing['status_reads_spread']} (one watch per provider)"
    )
    if free:
        verdict = "refused" if free["refused"] else "NOT refused"
        lines.append(f"   railway:plan free: preview {verdict} after {free['requests']} requests: {free['message']}")
    return lines
