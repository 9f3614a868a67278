"""AWS Backup: vaults locked against deletion, restores tested."""
from __future__ import annotations

from ..model import check


@check(id="backup-vault-lock", title="Backup vaults have a vault lock",
       checklist="infra.backups", severity="medium",
       remediation="Add aws.backup.VaultLockConfiguration (min_retention_days) to the vault so recovery points "
                   "cannot be deleted early, even by an admin (components.BackupPlan does).")
def backup_vault_lock(ctx):
    for vault in ctx.items("backup", "list_backup_vaults", "BackupVaultList"):
        if vault.get("VaultType") == "LOGICALLY_AIR_GAPPED_BACKUP_VAULT":
            continue  # always locked
        if not vault.get("Locked"):
            yield vault.get("BackupVaultArn", vault["BackupVaultName"]), \
                f"backup vault '{vault['BackupVaultName']}' has no vault lock"


@check(id="backup-restore-testing", title="An AWS Backup restore testing plan exists",
       checklist="infra.backups", severity="medium",
       remediation="Add aws.backup.RestoreTestingPlan with a RestoreTestingSelection for your databases "
                   "(components.BackupPlan), or run `preflight audit --restore-drill` on a schedule.")
def backup_restore_testing(ctx):
    plans = ctx.items("backup", "list_restore_testing_plans", "RestoreTestingPlans")
    if not plans:
        yield f"account {ctx.account} ({ctx.region})", "no restore testing plan: no restore has been proven to work"


CHECKS = (backup_vault_lock, backup_restore_testing)
