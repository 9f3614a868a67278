"""Infrastructure checklist: infra.separation, infra.iac, infra.backups, infra.rollback."""
from __future__ import annotations

from ..helpers import as_list, at_least, companion_policy, is_true, property_policy, short_type
from ..resource import is_unknown
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


def _vault_lock_verdict(vault, locks):
    if locks:
        return None
    return (f"backup vault '{vault.name}' has no vault lock, so anyone with backup:DeleteRecoveryPoint (or an agent "
            f"acting for them) can delete every recovery point; add aws.backup.VaultLockConfiguration (compliance "
            f"mode in prod: set changeable_for_days) (components.BackupPlan does)")


backup_vault_locked = companion_policy(
    name="backup-vault-locked",
    title="Production backup vaults must be locked so recovery points cannot be deleted",
    checklist=("infra.backups", "ai.agents"), severity="high",
    frameworks=("Preflight:backup-vault-locked",),
    subjects=(T.BACKUP_VAULT,), companions=(T.BACKUP_VAULT_LOCK,), link="backupVaultName",
    judge=_vault_lock_verdict, levels=PROD_ONLY,
    remediation="Add aws.backup.VaultLockConfiguration(backup_vault_name=vault.name, min_retention_days=7, "
                "max_retention_days=..., changeable_for_days=3) for every prod vault; after the grace period "
                "not even the root user can shorten retention (components.BackupPlan does).",
)


@stack_policy(
    name="backup-restore-tested",
    title="Production backup plans must have a scheduled restore test",
    checklist="infra.backups", severity="high",
    frameworks=("Preflight:backup-restore-tested",),
    types=(T.BACKUP_PLAN, T.BACKUP_RESTORE_TESTING_PLAN, T.BACKUP_RESTORE_TESTING_SELECTION), levels=PROD_ONLY,
    remediation="Add aws.backup.RestoreTestingPlan (e.g. weekly, LATEST_WITHIN_WINDOW over the plan's vault) and an "
                "aws.backup.RestoreTestingSelection per protected resource type (RDS, DynamoDB, EBS...), so every "
                "week a restore proves the backups work and measures the restore time (components.BackupPlan does).",
)
def backup_restore_tested(stack, report):
    if stack.environment != "prod":
        return
    tested = [p for p in stack.of_type(T.BACKUP_RESTORE_TESTING_PLAN)
              if stack.referencing(p, "restoreTestingPlanName", T.BACKUP_RESTORE_TESTING_SELECTION)]
    for plan in stack.of_type(T.BACKUP_PLAN):
        vaults = stack.referenced(plan, "rules", T.BACKUP_VAULT)
        if not any(_restore_test_covers(stack, testing, vaults) for testing in tested):
            report(f"backup plan '{plan.name}' is never restored to prove it works: no aws.backup.RestoreTestingPlan "
                   f"with a RestoreTestingSelection includes its vault; add one (components.BackupPlan does)",
                   plan.urn)


def _restore_test_covers(stack, testing, vaults) -> bool:
    """Does restore testing plan `testing` draw recovery points from one of `vaults`?"""
    include = as_list(testing.peek("recoveryPointSelection.includeVaults"))
    if "*" in include:
        return True
    covered = {r.urn for r in stack.referenced(testing, "recoveryPointSelection", T.BACKUP_VAULT)}
    if any(is_unknown(v) for v in include) and not covered:
        return True  # unknown during preview and no dependency says which vault: cannot tell
    if not vaults:  # the plan's vault is not in this stack: any restore test of a vault counts
        return bool(include)
    return any(v.urn in covered for v in vaults)


POLICIES = [
    backup_vault_locked,
    backup_restore_tested,
    rds_backup_retention,
    rds_deletion_protection,
    prod_data_stores_protected,
]
