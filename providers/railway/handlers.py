"""Every resource of the Railway package, by schema token."""

from __future__ import annotations

from providers.railway._base import RailwayResourceProvider
from providers.railway.deployment import ServiceDeploymentProvider
from providers.railway.domain import CustomDomainProvider, ServiceDomainProvider
from providers.railway.environment import EnvironmentProvider
from providers.railway.project import ProjectProvider
from providers.railway.service import ServiceProvider
from providers.railway.service_instance import ServiceInstanceProvider
from providers.railway.tcp_proxy import TcpProxyProvider
from providers.railway.variables import VariableCollectionProvider
from providers.railway.volume import VolumeProvider

HANDLERS: tuple[type[RailwayResourceProvider], ...] = (
    ProjectProvider,
    EnvironmentProvider,
    ServiceProvider,
    ServiceInstanceProvider,
    VariableCollectionProvider,
    ServiceDeploymentProvider,
    VolumeProvider,
    ServiceDomainProvider,
    CustomDomainProvider,
    TcpProxyProvider,
)

BY_TOKEN: dict[str, type[RailwayResourceProvider]] = {f"railway:index:{h.TYPE}": h for h in HANDLERS}
