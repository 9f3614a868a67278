"""`--restore-drill`: prove the backups restore, and measure the RTO and RPO actually achieved.

For each RDS instance tagged preflight:restore-drill=true: restore its newest snapshot into a scratch
instance, wait until it is available (the measured RTO), note the snapshot's age (the RPO achieved),
then delete the scratch instance. The source database is only ever read. Production is refused
unless --allow-prod: the environment comes from the database's tags, else the account alias, and
unknown means prod.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from botocore.exceptions import ClientError

from .. import environment
from .aws import AuditContext, NotSupported, PermissionDenied
from .checks.common import age_hours, as_utc, human_hours
from .checks.databases import clusters, instances, latest_snapshot
from .model import Check, Finding

DRILL_TAG = "preflight:restore-drill"
SCRATCH_TAG = "preflight:drill-scratch"
ENVIRONMENT_TAGS = ("preflight:environment", "environment", "env", "stage")
TRUTHY = {"true", "yes", "1", "on"}
POLL_SECONDS = 15.0


def classify_environment(name: str) -> Optional[str]:
    """DESIGN's naming rules (shared with `preflight check`); None when the name says nothing."""
    value = (name or "").strip().lower()
    return environment.normalize(value) or environment.from_stack_name(value)


@dataclass
class DrillResult:
    database: str
    kind: str
    environment: str
    environment_source: str
    status: str  # restored | failed | skipped
    reason: str = ""
    snapshot: str = ""
    snapshot_time: str = ""
    rpo_hours: Optional[float] = None
    rto_seconds: Optional[float] = None
    scratch: str = ""
    cleaned_up: Optional[bool] = None
    findings: List[Finding] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"database": self.database, "kind": self.kind, "environment": self.environment,
                "environmentSource": self.environment_source, "status": self.status, "reason": self.reason,
                "snapshot": self.snapshot, "snapshotTime": self.snapshot_time,
                "rpoHours": None if self.rpo_hours is None else round(self.rpo_hours, 3),
                "rtoSeconds": None if self.rto_seconds is None else round(self.rto_seconds, 1),
                "scratchInstance": self.scratch, "cleanedUp": self.cleaned_up}


def tags_of(record) -> dict:
    return {t.get("Key", ""): t.get("Value", "") for t in record.get("TagList", []) or []}


def environment_of(ctx: AuditContext, tags: dict) -> Tuple[str, str]:
    lowered = {k.lower(): v for k, v in tags.items()}
    for key in ENVIRONMENT_TAGS:
        if key in lowered:
            env = classify_environment(lowered[key])
            if env:
                return env, f"tag {key}={lowered[key]}"
    aliases = ctx.memo(("iam", "aliases"), lambda: ctx.call("iam", "list_account_aliases").get("AccountAliases", []))
    for alias in aliases:
        env = classify_environment(alias) or classify_environment(alias.rsplit("-", 1)[-1])
        if env:
            return env, f"account alias {alias}"
    return "prod", "unknown (treated as prod)"


def scratch_name(source: str) -> str:
    base = re.sub(r"[^a-z0-9-]", "-", source.lower())[:38].strip("-")
    base = re.sub(r"-{2,}", "-", base)
    return f"preflight-drill-{base}-{int(time.time())}"


def wait_for(check: Callable[[], bool], timeout: float, poll: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(poll, max(deadline - time.monotonic(), 0.05)))


class RestoreDrill:
    def __init__(self, ctx: AuditContext, *, allow_prod: bool, timeout_minutes: float,
                 failed_check: Check, rpo_check: Check, poll_seconds: float = POLL_SECONDS, note=None):
        self.ctx = ctx
        self.allow_prod = allow_prod
        self.timeout = timeout_minutes * 60
        self.failed_check = failed_check
        self.rpo_check = rpo_check
        self.poll = poll_seconds
        self.note = note or (lambda text: None)

    def run(self) -> List[DrillResult]:
        results = []
        for record in instances(self.ctx):
            if tags_of(record).get(DRILL_TAG, "").lower() in TRUTHY and SCRATCH_TAG not in tags_of(record):
                results.append(self.drill_instance(record))
        for cluster in clusters(self.ctx):
            if tags_of(cluster).get(DRILL_TAG, "").lower() in TRUTHY:
                env, source = environment_of(self.ctx, tags_of(cluster))
                results.append(DrillResult(cluster["DBClusterIdentifier"], "cluster", env, source, "skipped",
                                           reason="cluster restore drills are not supported yet; use an AWS Backup "
                                                  "restore testing plan (components.BackupPlan) for clusters"))
        return results

    def fail(self, result: DrillResult, why: str) -> DrillResult:
        result.status, result.reason = "failed", why
        result.findings.append(self.failed_check.finding(result.database, f"restore drill of '{result.database}' "
                                                                          f"failed: {why}"))
        return result

    def describe(self, identifier: str):
        got = self.ctx.call("rds", "describe_db_instances", DBInstanceIdentifier=identifier,
                            absent=("DBInstanceNotFound", "DBInstanceNotFoundFault"))
        found = (got or {}).get("DBInstances") or []
        return found[0] if found else None

    def drill_instance(self, source) -> DrillResult:
        ident = source["DBInstanceIdentifier"]
        env, env_source = environment_of(self.ctx, tags_of(source))
        result = DrillResult(ident, "instance", env, env_source, "skipped")
        if env == "prod" and not self.allow_prod:
            result.reason = (f"environment is prod ({env_source}); pass --allow-prod to drill production, or tag a "
                             f"non-production database preflight:environment=dev|staging")
            return result
        try:
            return self._restore(source, result)
        except PermissionDenied as e:
            return self.fail(result, f"the audit role is not allowed {e.action}; grant it to run drills")
        except NotSupported as e:
            return self.fail(result, str(e))
        except ClientError as e:
            err = e.response.get("Error", {})
            return self.fail(result, f"AWS error {err.get('Code')}: {err.get('Message', '')[:200]}")

    def _restore(self, source, result: DrillResult) -> DrillResult:
        ident = result.database
        snapshot = latest_snapshot(self.ctx, "instance", ident)
        if not snapshot:
            return self.fail(result, "it has no available snapshot to restore")
        result.snapshot = snapshot["DBSnapshotIdentifier"]
        taken = as_utc(snapshot["SnapshotCreateTime"])
        result.snapshot_time = taken.isoformat()
        result.scratch = scratch_name(ident)
        params = {"DBInstanceIdentifier": result.scratch, "DBSnapshotIdentifier": result.snapshot,
                  "DBInstanceClass": source.get("DBInstanceClass"), "PubliclyAccessible": False,
                  "MultiAZ": False, "DeletionProtection": False, "CopyTagsToSnapshot": False,
                  "Tags": [{"Key": SCRATCH_TAG, "Value": ident}]}
        subnet_group = (source.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
        if subnet_group:
            params["DBSubnetGroupName"] = subnet_group
        security_groups = [g["VpcSecurityGroupId"] for g in source.get("VpcSecurityGroups", []) if
                           g.get("VpcSecurityGroupId")]
        if security_groups:
            params["VpcSecurityGroupIds"] = security_groups
        self.note(f"restore drill: restoring {result.snapshot} into {result.scratch}")
        started = time.monotonic()
        result.rpo_hours = age_hours(taken)
        created = False
        try:
            self.ctx.call("rds", "restore_db_instance_from_db_snapshot",
                          **{k: v for k, v in params.items() if v is not None})
            created = True
            ready = wait_for(lambda: (self.describe(result.scratch) or {}).get("DBInstanceStatus") == "available",
                             self.timeout, self.poll)
            if not ready:
                return self.fail(result, f"scratch instance {result.scratch} was not available within "
                                         f"{self.timeout / 60:.0f} min")
            result.rto_seconds = time.monotonic() - started
            result.status = "restored"
            result.reason = (f"restored in {result.rto_seconds:.0f} s from a snapshot "
                             f"{human_hours(result.rpo_hours or 0)} old")
            if result.rpo_hours is not None and result.rpo_hours > self.ctx.rpo_hours:
                result.findings.append(self.rpo_check.finding(
                    ident, f"restore drill of '{ident}': the newest snapshot was {human_hours(result.rpo_hours)} old, "
                           f"beyond the {human_hours(self.ctx.rpo_hours)} RPO"))
            return result
        finally:
            if created:
                result.cleaned_up = self._delete_scratch(result)
                if not result.cleaned_up:
                    result.findings.append(self.failed_check.finding(
                        result.scratch, f"restore drill scratch instance '{result.scratch}' could not be deleted; "
                                        f"delete it: aws rds delete-db-instance --db-instance-identifier "
                                        f"{result.scratch} --skip-final-snapshot"))

    def _delete_scratch(self, result: DrillResult) -> bool:
        scratch = result.scratch
        self.note(f"restore drill: deleting {scratch}")
        try:
            current = self.describe(scratch)
            if current and current.get("DBInstanceStatus") != "deleting":
                # Guard: only ever delete what this drill created.
                if tags_of(current).get(SCRATCH_TAG) not in (None, result.database) or scratch == result.database:
                    return False  # not ours: reported as left behind, never deleted
                if current.get("DeletionProtection"):
                    # Some restores inherit the source's protection; lift it on the scratch copy only.
                    self.ctx.call("rds", "modify_db_instance", DBInstanceIdentifier=scratch,
                                  DeletionProtection=False, ApplyImmediately=True)
                self.ctx.call("rds", "delete_db_instance", DBInstanceIdentifier=scratch, SkipFinalSnapshot=True,
                              DeleteAutomatedBackups=True)
            return wait_for(lambda: self.describe(scratch) is None, self.timeout, self.poll)
        except (PermissionDenied, NotSupported, ClientError):
            return False
