"""Every GraphQL document the Railway provider can send is valid against Railway's schema."""

from __future__ import annotations

import pytest

from railstack.providers.railway.client import documents
from tests.providers.schema_check import DEFAULT_SCHEMA, document_errors

ALL = documents()


def test_the_provider_ships_documents_for_every_railway_object() -> None:
    for operation in [
        "ProjectCreate",
        "EnvironmentCreate",
        "ServiceCreate",
        "ServiceInstanceUpdate",
        "EnvironmentPatchCommit",
        "VariableCollectionUpsert",
        "ServiceInstanceDeploy",
        "ServiceDomainCreate",
        "CustomDomainCreate",
        "VolumeCreate",
        "VolumeBackupScheduleUpdate",
        "TcpProxyCreate",
        "DeploymentLogs",
        "EnvironmentConfig",
    ]:
        assert operation in ALL, f"missing GraphQL operation {operation}"


def test_schema_is_railways_published_dump() -> None:
    assert DEFAULT_SCHEMA.exists(), f"Railway's schema is expected at {DEFAULT_SCHEMA}"


@pytest.mark.parametrize("operation", sorted(ALL))
def test_document_validates_against_railway_schema(operation: str) -> None:
    assert document_errors(ALL[operation]) == [], f"{operation} does not validate against Railway's schema"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ("query P($id: String!) { project(id: $id) { id nmae } }", "Cannot query field 'nmae'"),
        ("mutation D($id: Int!) { projectDelete(id: $id) }", "Variable '$id' of type 'Int!'"),
        ('mutation S { serviceCreate(input: {name: "x"}) { id } }', "projectId"),
        ("query { project(id: ", "Syntax Error"),
    ],
)
def test_a_broken_document_is_reported(broken: str, reason: str) -> None:
    errors = document_errors(broken)
    assert any(reason in e for e in errors), f"expected an error mentioning {reason!r}, got {errors}"
