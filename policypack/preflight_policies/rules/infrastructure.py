"""Infrastructure checklist: protect=True on prod data stores, backup vault locks and restore tests.

Service-specific safety settings (RDS, DynamoDB, ...) live in infrastructure_data."""
from __future__ import annotations

from ..helpers import as_list, companion_policy, short_type
from ..resource import Stack, is_unknown
from ..model import PROD_ONLY, Report, stack_policy
from .. import tokens as T


@stack_policy(
    name="prod-data-stores-protected",
    title="Production data stores must be protected from deletion by Pulumi (protect=True)",
    checklist=("infra.iac", "infra.backups", "ai.agents"), severity="critical",
    types=T.DATA_STORES, levels=PROD_ONLY,
    remediation="Pass opts=pulumi.ResourceOptions(protect=True) to every database, table, bucket, file "
                "system, key, secret and backup vault in a prod stack (components do so in prod); "
                "removing it then takes its own reviewed change, and `preflight gate` blocks the delete.",
)
def prod_data_stores_protected(stack: Stack, report: Report) -> None:
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
    types=(T.BACKUP_PLAN, T.BACKUP_RESTORE_TESTING_PLAN, T.BACKUP_RESTORE_TESTING_SELECTION), levels=PROD_ONLY,
    remediation="Add aws.backup.RestoreTestingPlan (e.g. weekly, LATEST_WITHIN_WINDOW over the plan's vault) and an "
                "aws.backup.RestoreTestingSelection per protected resource type (RDS, DynamoDB, EBS...), so every "
                "week a restore proves the backups work and measures the restore time (components.BackupPlan does).",
)
def backup_restore_tested(stack: Stack, report: Report) -> None:
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
    prod_data_stores_protected,
]
