"""Loading Railway's public GraphQL schema, the contract the emulator is held to.

The schema is `railway_emulator/railway_schema/railway.graphql` (see PROVENANCE.md there) (overridable with
`RAILWAY_SCHEMA_PATH`). It is built with `assume_valid=True` because the dump trips graphql-core's strict
interface check (`Team.id` is deprecated while `Node.id` is not); documents are still validated against
it field by field. The emulator's resolvers are attached to the built schema once per schema file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from graphql import GraphQLSchema, build_schema

from railway_emulator import registry

SCHEMA_PATH_ENV = "RAILWAY_SCHEMA_PATH"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA_PATH = Path(__file__).resolve().parent / "railway_schema" / "railway.graphql"


def schema_path() -> Path:
    """The schema file in use: `RAILWAY_SCHEMA_PATH` when set, else the in-repo schema."""
    override = os.environ.get(SCHEMA_PATH_ENV)
    return Path(override) if override else DEFAULT_SCHEMA_PATH


def load_schema(path: Path | None = None) -> GraphQLSchema:
    """Railway's schema with the emulator's resolvers attached (built once per file)."""
    return _build(str((path or schema_path()).resolve()))


@lru_cache(maxsize=4)
def _build(path: str) -> GraphQLSchema:
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundError(f"Railway schema not found at {path} (set {SCHEMA_PATH_ENV} to override)")
    schema = build_schema(source.read_text(encoding="utf-8"), assume_valid=True)
    # Importing the resolver package registers every resolver before they are attached.
    import railway_emulator.resolvers  # noqa: F401

    registry.attach(schema)
    return schema
