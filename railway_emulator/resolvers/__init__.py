"""The resolvers of the Railway object families the emulator models, one module per family.

Importing this package registers every resolver with `railway_emulator.registry`.
"""

from railway_emulator.resolvers import (  # noqa: F401
    deployments,
    domains,
    environment_config,
    environments,
    projects,
    services,
    tcp_proxies,
    triggers,
    variables,
    volumes,
)
