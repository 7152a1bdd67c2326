"""What the tests and the benchmarks share, so that `bench/` never imports from `tests/`.

- `pulumi_cli`: the real Pulumi CLI of scripts/bootstrap run in isolated workspaces (own file
  backend and passphrase, the bootstrap's plugins, no downloads), and copies of the railstack
  program to run it on;
- `ports`: free loopback ports for the servers the tests and benchmarks start.

Nothing here is part of the Pulumi program: `copy_project` does not copy this package, and the
program never imports it.
"""
