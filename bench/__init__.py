"""railstack's benchmarks (`scripts/bench`): Railway API requests, writes and deployments against
their floors, how they grow with the number of workers, preview latency against the engine's own
floor, and the local stack against Docker Compose, all measured in one run.

`railway.py` measures against the Railway API emulator with the real engine, `compose.py` the local
Docker stack and its Compose twin, `report.py` prints the table and writes the JSON. Pulumi runs
in the same isolated workspaces the tests use (`support/pulumi_cli.py`: own state backend, the
bootstrap's CLI and plugins, no downloads).
"""
