"""BackupPlan: AWS Backup with a locked, encrypted vault and restores that are actually tested.

Vault with a customer managed key and a vault lock (governance in dev, compliance in prod), daily /
weekly / monthly rules from the environment profile (delete_after >= cold_after + 90 is enforced),
selection by tag, optional copy to a vault in a second region, and a weekly RestoreTestingPlan with
a selection per resource type: a backup nobody has restored is a hope, not a backup.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import BACKUP_TAG, AwsContext, assume_role_policy, child, merge_tags, require, token, validate_positive
from .profiles import BackupRuleProfile

VAULT_LOCK_MODES = ("governance", "compliance")
RESTORE_TEST_TYPES = ("RDS", "Aurora", "DynamoDB", "EBS", "EC2", "EFS", "S3", "FSx", "DocumentDB", "Neptune")


@dataclass
class BackupPlanArgs:
    plan_name: str
    """Name of the plan and the value of the 'preflight:backup' tag it selects."""
    kms_key_arn: pulumi.Input[str]
    rules: Sequence[BackupRuleProfile]
    vault_lock_mode: str = "compliance"
    """'compliance' (immutable after a 3-day grace period: prod) or 'governance' (dev)."""
    vault_lock: bool = True
    """Opt-out: False leaves the vault unlocked (recovery points can be deleted)."""
    copy_to_vault_arn: Optional[pulumi.Input[str]] = None
    """A vault in a second region (or account) that receives a copy of every recovery point."""
    restore_test_resource_types: Sequence[str] = ("RDS",)
    """Resource types restored weekly by the restore testing plan; () opts out (the pack flags it)."""
    restore_test_schedule: str = "cron(0 6 ? * SUN *)"
    restore_metadata_overrides: Mapping[str, str] = field(default_factory=dict)
    """Per restore overrides (e.g. {'dbsubnetgroupname': ...}) so test restores land in isolated subnets."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.plan_name, str) and bool(re.match(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,49}$", self.plan_name)),
                f"BackupPlanArgs.plan_name {self.plan_name!r} must be 2-50 letters, digits, '-' or '_'")
        require(self.vault_lock_mode in VAULT_LOCK_MODES,
                f"BackupPlanArgs.vault_lock_mode {self.vault_lock_mode!r} must be 'governance' or 'compliance'")
        require(len(self.rules) > 0, "BackupPlanArgs.rules is empty; give at least a daily rule "
                                     "(components.profiles has daily/weekly/monthly per environment)")
        names = [r.name for r in self.rules]
        require(len(names) == len(set(names)), f"BackupPlanArgs.rules has duplicate names: {names}")
        for rule in self.rules:
            validate_positive(rule.delete_after_days, f"backup rule '{rule.name}' delete_after_days")
            if rule.cold_storage_after_days is not None:
                validate_positive(rule.cold_storage_after_days, f"backup rule '{rule.name}' cold_storage_after_days")
                require(rule.delete_after_days >= rule.cold_storage_after_days + 90,
                        f"backup rule '{rule.name}' deletes after {rule.delete_after_days} days but moves to cold "
                        f"storage after {rule.cold_storage_after_days}; AWS keeps cold backups at least 90 days, so "
                        f"set delete_after_days >= {rule.cold_storage_after_days + 90}")
            if rule.continuous:
                require(rule.delete_after_days <= 35 and rule.cold_storage_after_days is None,
                        f"backup rule '{rule.name}' is continuous (point-in-time): keep delete_after_days <= 35 "
                        f"and no cold storage")
            require(rule.schedule.startswith("cron(") or rule.schedule.startswith("rate("),
                    f"backup rule '{rule.name}' schedule {rule.schedule!r} must be an AWS cron(...) or rate(...)")
        unknown = [t for t in self.restore_test_resource_types if t not in RESTORE_TEST_TYPES]
        require(not unknown, f"BackupPlanArgs.restore_test_resource_types has {unknown}; use any of "
                             f"{', '.join(RESTORE_TEST_TYPES)}")

    @property
    def min_retention_days(self) -> int:
        return min(r.delete_after_days for r in self.rules)

    @property
    def max_retention_days(self) -> int:
        return max(r.delete_after_days for r in self.rules)


def _restore_name(value: str) -> str:
    """Restore testing names allow letters, digits and underscores only."""
    return re.sub(r"[^A-Za-z0-9_]", "_", value)


class BackupPlan(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("infra.backups", "security.encryption")
    vault: aws.backup.Vault
    plan: aws.backup.Plan
    vault_arn: pulumi.Output[str]
    selection_tag: Mapping[str, str]

    def __init__(self, name: str, args: BackupPlanArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("backup", "BackupPlan"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags)
        self.vault = aws.backup.Vault(f"{name}-vault", name=f"{args.plan_name}-vault", kms_key_arn=args.kms_key_arn,
                                      force_destroy=False, tags=tags, opts=child(self, protect=args.protect))
        if args.vault_lock:
            aws.backup.VaultLockConfiguration(
                f"{name}-vault-lock", backup_vault_name=self.vault.name,
                min_retention_days=min(7, args.min_retention_days), max_retention_days=args.max_retention_days,
                # changeable_for_days makes it a compliance-mode lock (immutable after that grace period).
                changeable_for_days=3 if args.vault_lock_mode == "compliance" else None,
                opts=child(self, protect=args.protect))

        rules = []
        for rule in args.rules:
            lifecycle = {"delete_after": rule.delete_after_days}
            if rule.cold_storage_after_days is not None:
                lifecycle["cold_storage_after"] = rule.cold_storage_after_days
            entry = {"rule_name": rule.name, "target_vault_name": self.vault.name, "schedule": rule.schedule,
                     "start_window": 60, "completion_window": 360, "lifecycle": lifecycle,
                     "enable_continuous_backup": rule.continuous,
                     "recovery_point_tags": merge_tags(tags, {BACKUP_TAG: args.plan_name, "preflight:rule": rule.name})}
            if args.copy_to_vault_arn is not None:
                entry["copy_actions"] = [{"destination_vault_arn": args.copy_to_vault_arn, "lifecycle": lifecycle}]
            rules.append(entry)
        self.plan = aws.backup.Plan(f"{name}-plan", name=args.plan_name, rules=rules, tags=tags, opts=child(self))

        self.role = aws.iam.Role(f"{name}-role", assume_role_policy=assume_role_policy("backup.amazonaws.com",
                                                                                      ctx.account_id),
                                 description=f"AWS Backup for plan {args.plan_name}: back up and test restores",
                                 tags=tags, opts=child(self))
        for suffix, policy in (("backup", "AWSBackupServiceRolePolicyForBackup"),
                               ("restore", "AWSBackupServiceRolePolicyForRestores"),
                               ("s3-backup", "AWSBackupServiceRolePolicyForS3Backup"),
                               ("s3-restore", "AWSBackupServiceRolePolicyForS3Restore")):
            aws.iam.RolePolicyAttachment(
                f"{name}-role-{suffix}", role=self.role.name,
                policy_arn=pulumi.Output.concat("arn:", ctx.partition, ":iam::aws:policy/service-role/", policy)
                if suffix in ("backup", "restore") else
                pulumi.Output.concat("arn:", ctx.partition, ":iam::aws:policy/", policy),
                opts=child(self))
        self.selection_tag = {BACKUP_TAG: args.plan_name}
        aws.backup.Selection(f"{name}-selection", name=f"{args.plan_name}-tagged", plan_id=self.plan.id,
                             iam_role_arn=self.role.arn,
                             selection_tags=[{"type": "STRINGEQUALS", "key": BACKUP_TAG, "value": args.plan_name}],
                             opts=child(self))

        if args.restore_test_resource_types:
            testing = aws.backup.RestoreTestingPlan(
                f"{name}-restore-testing", name=_restore_name(f"{args.plan_name}_weekly_restore_test"),
                schedule_expression=args.restore_test_schedule, schedule_expression_timezone="Etc/UTC",
                start_window_hours=24,
                recovery_point_selection={"algorithm": "LATEST_WITHIN_WINDOW", "include_vaults": [self.vault.arn],
                                          "recovery_point_types": ["SNAPSHOT"], "selection_window_days": 7},
                tags=tags, opts=child(self))
            for resource_type in args.restore_test_resource_types:
                aws.backup.RestoreTestingSelection(
                    f"{name}-restore-testing-{resource_type.lower()}",
                    name=_restore_name(f"{args.plan_name}_{resource_type.lower()}"),
                    restore_testing_plan_name=testing.name, protected_resource_type=resource_type,
                    iam_role_arn=self.role.arn, protected_resource_arns=["*"],
                    protected_resource_conditions={"string_equals": [
                        {"key": f"aws:ResourceTag/{BACKUP_TAG}", "value": args.plan_name}]},
                    restore_metadata_overrides=dict(args.restore_metadata_overrides) or None,
                    validation_window_hours=24, opts=child(self))

        self.vault_arn = self.vault.arn
        self.register_outputs({"vault_arn": self.vault_arn, "plan_id": self.plan.id,
                               "selection_tag": self.selection_tag})
