"""PostgresDatabase on Railway: Railway's Postgres image on a volume, its password from the SecretSet."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from railstack.components.railway.service import Placement, ServiceSpec, build_service
from railstack.plan import DataStore


@dataclass(frozen=True)
class PostgresDatabaseArgs:
    store: DataStore
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
        pg = args.store
        # Its offers as the store defines them (railstack/stores.py: ${postgres.host} is PGHOST, ...).
        spec = ServiceSpec(
            service_name=pg.service_name,
            role=pg.name,
            source={"source_image": pg.image},
            sizing=pg.sizing,
            variables={
                "POSTGRES_USER": pg.user,
                "POSTGRES_DB": pg.database or pg.user,
                "POSTGRES_PASSWORD": "${{shared.POSTGRES_PASSWORD}}",
                # A subdirectory: the volume's root may hold lost+found, which initdb refuses.
                "PGDATA": f"{pg.spec.data_dir}/pgdata",
                **{offer.railway_variable: offer.railway_value for offer in pg.spec.offers},
            },
            settings={"restart_policy_type": "ALWAYS"},
            secrets_used={"postgres_password": args.password_rotation},
            volume_mount=pg.mount,
            backups=tuple(pg.backups),
            protect=pg.protect,
        )
        built = build_service(self, name, spec, args.placement)
        self.service_id = built.service.service_id
        self.deployment = built.deployment
        self.register_outputs({"service_id": self.service_id})
