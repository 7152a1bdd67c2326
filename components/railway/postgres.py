"""PostgresDatabase on Railway: Railway's Postgres image on a volume, its password from the SecretSet."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.railway.service import Placement, ServiceSpec, build_service
from stacks.model import Postgres

SERVICE_NAME = "Postgres"
IMAGE = "ghcr.io/railwayapp-templates/postgres-ssl:{version}"
MOUNT = "/var/lib/postgresql/data"


@dataclass(frozen=True)
class PostgresDatabaseArgs:
    config: Postgres
    password_rotation: str
    """Rotation counter of the postgres password (a deployment trigger)."""
    placement: Placement


class PostgresDatabase(pulumi.ComponentResource):
    """The database service. Apps reach it as `${{Postgres.DATABASE_URL}}`."""

    service_id: pulumi.Output[str]
    """Railway service id."""
    deployment: pulumi.Resource
    """The database's deployment step (apps deploy after it)."""

    def __init__(self, name: str, args: PostgresDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("railstack:railway:PostgresDatabase", name, None, opts)
        pg = args.config
        spec = ServiceSpec(
            service_name=SERVICE_NAME,
            source={"source_image": pg.image or IMAGE.format(version=pg.version)},
            sizing=pg.sizing,
            variables={
                "POSTGRES_USER": "postgres",
                "POSTGRES_DB": "railway",
                "POSTGRES_PASSWORD": "${{shared.POSTGRES_PASSWORD}}",
                "PGDATA": f"{MOUNT}/pgdata",
                "PGUSER": "${{POSTGRES_USER}}",
                "PGPASSWORD": "${{POSTGRES_PASSWORD}}",
                "PGDATABASE": "${{POSTGRES_DB}}",
                "PGHOST": "${{RAILWAY_PRIVATE_DOMAIN}}",
                "PGPORT": "5432",
                "DATABASE_URL": "postgresql://${{PGUSER}}:${{POSTGRES_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/${{PGDATABASE}}",
            },
            settings={"restart_policy_type": "ALWAYS"},
            secrets_used={"postgres_password": args.password_rotation},
            volume_mount=MOUNT if pg.volume else None,
            backups=tuple(pg.backups),
            protect=pg.protect,
        )
        built = build_service(self, name, spec, args.placement)
        self.service_id = built.service.service_id
        self.deployment = built.deployment
        self.register_outputs({"service_id": self.service_id})
