"""Validation of the provider's GraphQL documents against Railway's published schema, for the tests.

Only tests/providers/test_graphql_documents.py uses it. The emulator validates the requests it serves
against the same schema on its own (railway_emulator/schema.py, with its resolvers attached).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema, parse, validate

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMA = REPO_ROOT / "railway_emulator" / "railway_schema" / "railway.graphql"


@cache
def railway_schema(path: str | None = None) -> GraphQLSchema:
    """Railway's schema. assume_valid: the dump trips graphql-core's strict interface check
    (Team.id deprecated while Node.id is not), which does not matter for validating documents."""
    source = Path(path or os.environ.get("RAILWAY_SCHEMA_PATH") or DEFAULT_SCHEMA)
    return build_schema(source.read_text(), assume_valid=True)


def document_errors(document: str, schema: GraphQLSchema | None = None) -> list[str]:
    """The reasons `document` is not a valid request against Railway's schema (empty when valid)."""
    try:
        ast = parse(document)
    except Exception as err:  # graphql.GraphQLSyntaxError, reported like validation errors
        return [str(err)]
    return [error.message for error in validate(schema or railway_schema(), ast)]
