"""A production database survives mistakes: its service and volume are protected from deletion
(Pulumi `protect`), its data is on a volume, and the volume has backup schedules."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy

from policy.inventory import Inventory
from policy.values import UNKNOWN


def _protected(args: StackValidationArgs, report: ReportViolation) -> None:
    inventory = Inventory.of(args.resources)
    if not (inventory.production or args.get_config().get("production")):
        args.not_applicable("not a production stack")
    for database in inventory.services_with_role("postgres"):
        if not database.protected:
            report(
                f"service {database.name} (production database) is not protected: a `pulumi destroy` or a "
                "rename deletes it. Fix: postgres.protect: true.",
                database.urn,
            )
        volumes = database.of_kind("railway:Volume")
        if not volumes:
            report(
                f"service {database.name} (production database) has no volume: its data is lost on every "
                "redeploy. Fix: postgres.volume: true.",
                database.urn,
            )
        for volume in volumes:
            schedules = volume.props.get("backupSchedules")
            if schedules is not UNKNOWN and not schedules:
                report(
                    f"the volume of {database.name} (production database) has no backup schedule. "
                    "Fix: postgres.backups: [DAILY, WEEKLY].",
                    volume.urn,
                )
            if not (volume.resource.opts and volume.resource.opts.protect):
                report(
                    f"the volume of {database.name} (production database) is not protected from deletion. "
                    "Fix: postgres.protect: true.",
                    volume.urn,
                )


production_database_protected = StackValidationPolicy(
    name="production-database-protected",
    description="In production, Postgres is protected, on a volume, and the volume is protected and backed up.",
    validate=_protected,
    config_schema=PolicyConfigSchema(
        properties={
            "production": {
                "type": "boolean",
                "description": "Apply to this stack even if its Railway project does not say production.",
            }
        }
    ),
)
