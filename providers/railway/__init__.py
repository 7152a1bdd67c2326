"""railstack's Railway resources: Pulumi dynamic providers over Railway's public GraphQL API.

One module per Railway object; the GraphQL documents they send are in `graphql/`.
"""

from providers.railway.deployment import ServiceDeployment
from providers.railway.domain import CustomDomain, ServiceDomain
from providers.railway.environment import Environment
from providers.railway.project import Project
from providers.railway.service import Service
from providers.railway.service_instance import ServiceInstance
from providers.railway.tcp_proxy import TcpProxy
from providers.railway.variables import VariableCollection
from providers.railway.volume import Volume

__all__ = [
    "CustomDomain",
    "Environment",
    "Project",
    "Service",
    "ServiceDeployment",
    "ServiceDomain",
    "ServiceInstance",
    "TcpProxy",
    "VariableCollection",
    "Volume",
]
