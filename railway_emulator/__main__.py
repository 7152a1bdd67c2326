"""Command line: `python -m railway_emulator [--port N] [--token T] [options]` serves the emulator until
signalled. Options (see README "Options"): --deploy-seconds S, --strict, --workspaces N, --scoped-token T,
--[no-]source-deploys, --[no-]soft-deletes, --[no-]drop-num-replicas, --plan free|hobby|pro, --log-requests,
--repo-map OWNER/NAME=PATH (repeatable: a local git repository standing for a GitHub one).

Prints `railway-emulator listening on http://127.0.0.1:PORT/graphql/v2` as its first stdout line once it
accepts connections (port 0 picks a free port), and `token: ...` as the second line only when it had to
generate the token; a token given with `--token` or `RAILWAY_EMULATOR_TOKEN` is never printed. SIGTERM or
SIGINT stops it with exit status 0.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from railway_emulator.repos import parse_repo_pair
from railway_emulator.schema import SCHEMA_PATH_ENV
from railway_emulator.server import EmulatorServer

TOKEN_ENV = "RAILWAY_EMULATOR_TOKEN"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="railway-emulator", description="Serve the Railway API emulator on 127.0.0.1."
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0, the default, picks a free one)")
    parser.add_argument("--token", help=f"the accepted API token (default: ${TOKEN_ENV}, else a generated one)")
    parser.add_argument(
        "--schema",
        type=Path,
        help=f"Railway's schema.graphql (default: ${SCHEMA_PATH_ENV} or the in-repo railway_schema/railway.graphql)",
    )
    parser.add_argument(
        "--deploy-seconds",
        type=float,
        default=0.0,
        help="how long a deployment reads BUILDING/DEPLOYING before SUCCESS (default 0: at once)",
    )
    parser.add_argument("--log-requests", action="store_true", help="log request lines (never headers) to stderr")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="stricter readings: source deploys, soft deletes, dropped numReplicas, 2 workspaces",
    )
    parser.add_argument("--workspaces", type=int, help="how many workspaces the token sees (default 1, strict 2)")
    parser.add_argument(
        "--scoped-token", help="a second token whose only workspace is a separate, empty one (never printed)"
    )
    parser.add_argument(
        "--source-deploys",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="setting a source (or committing a patch) deploys at once (default off, strict on)",
    )
    parser.add_argument(
        "--soft-deletes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="deleted projects/services/environments stay readable with deletedAt (default off, strict on)",
    )
    parser.add_argument(
        "--drop-num-replicas",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a top-level numReplicas without multiRegionConfig is ignored (default off, strict on)",
    )
    parser.add_argument(
        "--patch-deploys",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a committed patch deploys every service whose source or deploy settings it touches (default on)",
    )
    parser.add_argument(
        "--register-delay",
        type=_delay,
        default=None,
        metavar="LOW[,HIGH]",
        help="seconds before a deployment Railway starts by itself appears (default a random 0.2-3 s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random registration delays (default 0)")
    parser.add_argument("--plan", choices=("free", "hobby", "pro"), default="pro", help="the workspace's plan")
    parser.add_argument(
        "--run-containers",
        action="store_true",
        help="container mode: run every deployment as containers on the local Docker engine",
    )
    parser.add_argument(
        "--image-map",
        action="append",
        default=[],
        metavar="SRC=DST",
        help="container mode: run the local image DST where a deployment names SRC (repeatable)",
    )
    parser.add_argument(
        "--repo-map",
        action="append",
        default=[],
        metavar="OWNER/NAME=PATH",
        help="the local git repository PATH stands for the GitHub repository OWNER/NAME (repeatable)",
    )
    parser.add_argument(
        "--edge-port",
        type=int,
        default=0,
        help="container mode: loopback port routing HTTP to services by Host header (0: a free one)",
    )
    args = parser.parse_args(argv)
    if args.workspaces is not None and args.workspaces < 1:
        parser.error("--workspaces must be at least 1")

    repo_map = _repo_map(parser, args.repo_map)
    token = args.token or os.environ.get(TOKEN_ENV)
    generated = not token
    try:
        server = _server(args, token, repo_map, _image_map(parser, args.image_map))
    except ValueError as error:  # a --repo-map PATH that is not a git repository
        parser.error(str(error))
    stop = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    server.start()
    print(f"railway-emulator listening on {server.url}", flush=True)
    if generated:
        # The one place a token is shown: whoever started the emulator needs the one it made up.
        print(f"token: {server.token}", flush=True)
    if server.edge is not None:
        print(f"edge: http://127.0.0.1:{server.edge.port}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


def _server(
    args: argparse.Namespace, token: str | None, repo_map: dict[str, str], image_map: dict[str, str]
) -> EmulatorServer:
    return EmulatorServer(
        token=token or secrets.token_urlsafe(24),
        port=args.port,
        schema_path=args.schema,
        deploy_seconds=args.deploy_seconds,
        log_requests=args.log_requests,
        strict=args.strict,
        workspaces=args.workspaces,
        scoped_token=args.scoped_token,
        source_deploys=args.source_deploys,
        soft_deletes=args.soft_deletes,
        drop_num_replicas=args.drop_num_replicas,
        plan=args.plan,
        run_containers=args.run_containers,
        image_map=image_map,
        repo_map=repo_map,
        edge_port=args.edge_port,
        patch_deploys=args.patch_deploys,
        register_delay=args.register_delay,
        seed=args.seed,
    )


def _repo_map(parser: argparse.ArgumentParser, pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        try:
            name, path = parse_repo_pair(pair)
        except ValueError as error:
            parser.error(str(error))
        mapping[name] = path
    return mapping


def _delay(text: str) -> tuple[float, float]:
    try:
        parts = [float(part) for part in text.split(",")]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: expected seconds, e.g. 0 or 0.2,3") from error
    if len(parts) not in (1, 2) or not 0 <= parts[0] <= parts[-1]:
        raise argparse.ArgumentTypeError(f"{text!r}: expected LOW or LOW,HIGH seconds with 0 <= LOW <= HIGH")
    return (parts[0], parts[-1])


def _image_map(parser: argparse.ArgumentParser, pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        source, sep, target = pair.partition("=")
        if not sep or not source or not target:
            parser.error(f"--image-map {pair!r}: expected SRC=DST, e.g. redis:7=railstack/redis:7")
        mapping[source] = target
    return mapping


if __name__ == "__main__":
    sys.exit(main())
