"""Every audit check, collected explicitly (no self-registration) and validated at load."""
from __future__ import annotations

from typing import Dict, Tuple

from .checks import (backups, databases, detection, exposure, iam_account, identity, keys, monitoring, network,
                     storage, trail)
from .model import Check, CheckMetadataError, check


# What the audit role needs besides the AWS managed SecurityAudit policy (tests/audit/test_permissions.py
# records every call the checks make and fails when one is allowed by neither).
EXTRA_ACTIONS: Tuple[str, ...] = ("budgets:ViewBudget", "backup:ListRecoveryPointsByResource",
                                  "backup:ListRestoreTestingPlans")


@check(id="audit-role-permissions", title="The audit role may call every API the audit needs",
       checklist="security.iam", severity="high",
       remediation="Add the named action to the audit role's policy (the AWS managed SecurityAudit policy plus "
                   f"{', '.join(EXTRA_ACTIONS)} covers every read the audit makes), then re-run the audit.")
def audit_role_permissions(ctx):
    return ()  # produced by the runner from denied calls, not by calling AWS


@check(id="restore-drill-failed", title="A restore drill restored the database's latest snapshot",
       checklist="infra.backups", severity="critical",
       remediation="Fix what stopped the restore (missing snapshot, permissions, subnet group, KMS key access) "
                   "and re-run `preflight audit --restore-drill`; components.Database with components.BackupPlan "
                   "keeps restorable backups.")
def restore_drill_failed(ctx):
    return ()  # produced by the restore drill


@check(id="restore-drill-rpo", title="The snapshot a restore drill used was newer than the RPO",
       checklist="infra.backups", severity="high",
       remediation="Back the database up more often than the RPO (components.BackupPlan schedule, or automated "
                   "backups with backup_retention_period >= 7 on components.Database).")
def restore_drill_rpo(ctx):
    return ()  # produced by the restore drill


ACCOUNT_CHECKS: Tuple[Check, ...] = (trail.CHECKS + storage.CHECKS + databases.CHECKS + backups.CHECKS
                                     + keys.CHECKS + identity.CHECKS + iam_account.CHECKS + detection.CHECKS
                                     + monitoring.CHECKS + exposure.CHECKS + network.CHECKS)
META_CHECKS: Tuple[Check, ...] = (audit_role_permissions, restore_drill_failed, restore_drill_rpo)


def load() -> Dict[str, Check]:
    """All checks by id; raises CheckMetadataError if any metadata is wrong or an id repeats."""
    by_id: Dict[str, Check] = {}
    for item in ACCOUNT_CHECKS + META_CHECKS:
        item.validate()
        if item.id in by_id:
            raise CheckMetadataError(f"audit check id {item.id!r} is defined twice")
        by_id[item.id] = item
    return by_id
