"""Every resource of the Railway package, by schema token."""

from __future__ import annotations

from typing import Any

from railstack.providers.railway._base import Handler
from railstack.providers.railway.deployment import ServiceDeploymentProvider
from railstack.providers.railway.domain import CustomDomainProvider, ServiceDomainProvider
from railstack.providers.railway.environment import EnvironmentProvider
from railstack.providers.railway.project import ProjectProvider
from railstack.providers.railway.service import ServiceProvider
from railstack.providers.railway.service_instance import ServiceInstanceProvider
from railstack.providers.railway.tcp_proxy import TcpProxyProvider
from railstack.providers.railway.variables import VariableCollectionProvider
from railstack.providers.railway.volume import VolumeProvider

HANDLERS: tuple[type[Handler[Any, Any]], ...] = (
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

BY_TOKEN: dict[str, type[Handler[Any, Any]]] = {f"railway:index:{h.TYPE}": h for h in HANDLERS}
