"""railstack's own Docker resources, for what pulumi-docker does not do: a one-off container whose
exit code decides the `up` (a pre-deploy command), and a wait for a container's liveness that names
the role and its log when it fails. Pulumi dynamic providers over the Docker SDK for Python."""

from railstack.providers.docker.health import ContainerHealthy
from railstack.providers.docker.one_off import OneOffContainer

__all__ = ["ContainerHealthy", "OneOffContainer"]
