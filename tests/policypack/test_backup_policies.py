"""backup-vault-locked and backup-restore-tested through the protocol."""
from tests.conftest import link, res

VAULT = "aws:backup/vault:Vault"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN = "aws:backup/plan:Plan"
TEST_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
TEST_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"


def _vault(locked: bool):
    vault = res(VAULT, "vault", {"name": "prod-vault", "kmsKeyArn": "arn:aws:kms:k"})
    stack = [vault]
    if locked:
        stack.append(link(res(LOCK, "lock", {"minRetentionDays": 7, "changeableForDays": 3}), "backupVaultName",
                          vault, value="prod-vault"))
    return stack


def test_backup_vault_locked(pack, dev_pack):
    policy = "backup-vault-locked"
    assert not pack.analyze_stack(_vault(locked=True)).violations(policy)
    [d] = pack.analyze_stack(_vault(locked=False)).violations(policy)
    assert d.level == "mandatory" and d.urn.endswith("::vault") and "VaultLockConfiguration" in d.message
    assert [d.level for d in dev_pack.analyze_stack(_vault(locked=False)).violations(policy)] == ["advisory"]


def _plan(test_plan: bool, selection: bool, include=None):
    vault = res(VAULT, "vault", {"name": "prod-vault"})
    plan = link(res(PLAN, "plan", {"name": "daily"}), "rules", vault,
                value=[{"ruleName": "daily", "targetVaultName": "prod-vault"}])
    stack = [vault, plan]
    if test_plan:
        tp = res(TEST_PLAN, "restore-test", {"name": "weekly_restore_test", "scheduleExpression": "cron(0 5 ? * SUN *)"})
        selection_value = {"algorithm": "LATEST_WITHIN_WINDOW", "includeVaults": include or ["arn:aws:backup:vault"]}
        if include is None:
            link(tp, "recoveryPointSelection", vault, value=selection_value)
        else:
            tp["props"]["recoveryPointSelection"] = selection_value
        stack.append(tp)
        if selection:
            stack.append(link(res(TEST_SELECTION, "rds", {"protectedResourceType": "RDS"}),
                              "restoreTestingPlanName", tp, value="weekly_restore_test"))
    return stack


def test_backup_restore_tested(pack, dev_pack):
    policy = "backup-restore-tested"
    assert not pack.analyze_stack(_plan(True, True)).violations(policy)
    assert not pack.analyze_stack(_plan(True, True, include=["*"])).violations(policy)
    [d] = pack.analyze_stack(_plan(False, False)).violations(policy)
    assert "never restored" in d.message and d.urn.endswith("::plan")
    assert pack.analyze_stack(_plan(True, False)).violations(policy)  # a testing plan that selects nothing
    # A restore test of some other vault does not prove this plan's backups.
    assert pack.analyze_stack(_plan(True, True, include=["arn:aws:backup:other-vault"])).violations(policy)
    assert not pack.analyze_stack([]).violations(policy)  # no backups, nothing to test
    assert not dev_pack.analyze_stack(_plan(False, False)).violations(policy)
