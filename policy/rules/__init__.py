"""railstack's policies, one module per topic. `ALL` is the pack, in the order violations are listed."""

from policy.rules.beat import no_embedded_beat, single_beat_scheduler
from policy.rules.budget import role_budget
from policy.rules.commands import exec_form_commands
from policy.rules.connections import connections_by_reference, redis_authenticated
from policy.rules.database import production_database_protected
from policy.rules.exposure import background_roles_not_exposed, docker_ports_on_loopback
from policy.rules.health import api_healthcheck
from policy.rules.secrets import no_plaintext_secrets

ALL = [
    single_beat_scheduler,
    no_embedded_beat,
    background_roles_not_exposed,
    connections_by_reference,
    no_plaintext_secrets,
    redis_authenticated,
    api_healthcheck,
    production_database_protected,
    role_budget,
    docker_ports_on_loopback,
    exec_form_commands,
]
