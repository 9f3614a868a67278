"""Infrastructure checklist: infra.separation, infra.iac, infra.backups, infra.rollback."""
from __future__ import annotations

from ..helpers import at_least, is_true, property_policy, short_type
from ..model import PROD_ONLY, stack_policy
from .. import tokens as T

rds_backup_retention = property_policy(
    name="rds-backup-retention",
    title="RDS instances and Aurora clusters must keep automated backups for at least 7 days",
    checklist="infra.backups", severity="high",
    frameworks=("AWS-FSBP:RDS.11", "Checkov:CKV_AWS_133", "Prowler:rds_instance_backup_enabled"),
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER), path="backupRetentionPeriod", expect=at_least(7),
    message="{type} '{name}' keeps automated backups for less than 7 days (or not at all); set "
            "backup_retention_period to 7 or more (components.Database uses the environment's RPO profile)",
    remediation="Set backup_retention_period=7 (or more: 14-35 in prod) on aws.rds.Instance / aws.rds.Cluster "
                "so that point-in-time restore covers a week.",
)

rds_deletion_protection = property_policy(
    name="rds-deletion-protection",
    title="RDS instances and Aurora clusters must have deletion protection on",
    checklist=("infra.iac", "infra.backups"), severity="high",
    frameworks=("AWS-FSBP:RDS.8", "Checkov:CKV_AWS_293", "Prowler:rds_instance_deletion_protection"),
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER), path="deletionProtection", expect=is_true,
    message="{type} '{name}' can be deleted by a single API call; set deletion_protection=True",
    remediation="Set deletion_protection=True on aws.rds.Instance / aws.rds.Cluster; turning it off then "
                "takes a reviewed change of its own.",
)


@stack_policy(
    name="prod-data-stores-protected",
    title="Production data stores must be protected from deletion by Pulumi (protect=True)",
    checklist=("infra.iac", "infra.backups", "ai.agents"), severity="critical",
    frameworks=("Preflight:protect-data-stores",),
    types=T.DATA_STORES, levels=PROD_ONLY,
    remediation="Pass opts=pulumi.ResourceOptions(protect=True) to every database, table, bucket, file "
                "system, key, secret and backup vault in a prod stack (components do so in prod); "
                "removing it then takes its own reviewed change, and `preflight gate` blocks the delete.",
)
def prod_data_stores_protected(stack, report):
    if stack.environment != "prod":
        return
    for r in stack.of_type(*T.DATA_STORES):
        if not r.protect:
            report(f"{short_type(r.type)} '{r.name}' is a production data store without protect=True; "
                   f"a `pulumi destroy` or an accidental replace would delete it. Add "
                   f"opts=pulumi.ResourceOptions(protect=True)", r.urn)


POLICIES = [
    rds_backup_retention,
    rds_deletion_protection,
    prod_data_stores_protected,
]
