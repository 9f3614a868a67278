"""RDS instances and clusters, their backups against the RPO, and DynamoDB point-in-time recovery."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ..aws import NotSupported
from ..model import check
from .common import age_hours, as_utc, human_hours

MIN_RETENTION_DAYS = 7


def instances(ctx) -> List[Dict[str, Any]]:
    return ctx.items("rds", "describe_db_instances", "DBInstances")


def clusters(ctx) -> List[Dict[str, Any]]:
    return ctx.items("rds", "describe_db_clusters", "DBClusters")


def standalone_instances(ctx) -> List[Dict[str, Any]]:
    """Instances that own their storage settings (cluster members inherit the cluster's)."""
    return [db for db in instances(ctx) if not db.get("DBClusterIdentifier")]


def databases(ctx):
    """(kind, identifier, arn, record) for each instance not in a cluster, and each cluster."""
    for db in standalone_instances(ctx):
        yield "instance", db["DBInstanceIdentifier"], db.get("DBInstanceArn", ""), db
    for cluster in clusters(ctx):
        yield "cluster", cluster["DBClusterIdentifier"], cluster.get("DBClusterArn", ""), cluster


def latest_snapshot(ctx, kind: str, identifier: str) -> Optional[Dict[str, Any]]:
    """The newest available snapshot (automated or manual) of a database, or None."""
    if kind == "instance":
        snaps = ctx.items("rds", "describe_db_snapshots", "DBSnapshots", DBInstanceIdentifier=identifier)
    else:
        snaps = ctx.items("rds", "describe_db_cluster_snapshots", "DBClusterSnapshots",
                          DBClusterIdentifier=identifier)
    ready = [s for s in snaps if s.get("Status") == "available" and as_utc(s.get("SnapshotCreateTime"))]
    return max(ready, key=lambda s: as_utc(s["SnapshotCreateTime"]), default=None)


def latest_recovery_point(ctx, arn: str):
    """Newest completed AWS Backup recovery point time for a resource, or None."""
    if not arn:
        return None
    try:
        points = ctx.items("backup", "list_recovery_points_by_resource", "RecoveryPoints", ResourceArn=arn)
    except NotSupported:
        return None  # an emulator without AWS Backup recovery points: snapshots are still judged
    times = [as_utc(p.get("CreationDate")) for p in points if p.get("Status") in (None, "COMPLETED")]
    return max((t for t in times if t), default=None)


def label(kind: str, identifier: str) -> str:
    return f"RDS {'cluster' if kind == 'cluster' else 'instance'} '{identifier}'"


@check(id="rds-storage-encrypted", title="RDS databases are encrypted at rest",
       checklist="security.encryption", severity="high",
       remediation="Encryption cannot be turned on in place: restore a snapshot copy encrypted with a KMS key "
                   "into aws.rds.Instance/Cluster(storage_encrypted=True, kms_key_id=...) (components.Database "
                   "does this by default).")
def rds_storage_encrypted(ctx):
    for kind, ident, arn, record in databases(ctx):
        if not record.get("StorageEncrypted"):
            yield arn or ident, f"{label(kind, ident)} is not encrypted at rest"


@check(id="rds-backup-retention", title="RDS automated backups are kept for at least 7 days",
       checklist="infra.backups", severity="high",
       remediation=f"Set backup_retention_period >= {MIN_RETENTION_DAYS} on the aws.rds.Instance/Cluster "
                   "(components.Database does).")
def rds_backup_retention(ctx):
    for kind, ident, arn, record in databases(ctx):
        days = int(record.get("BackupRetentionPeriod") or 0)
        if days == 0:
            yield arn or ident, f"{label(kind, ident)} has automated backups disabled (retention 0 days)"
        elif days < MIN_RETENTION_DAYS:
            yield arn or ident, f"{label(kind, ident)} keeps automated backups for only {days} day(s)"


@check(id="rds-deletion-protection", title="RDS databases have deletion protection",
       checklist=("infra.iac", "infra.backups"), severity="high",
       remediation="Set deletion_protection=True on the aws.rds.Instance/Cluster and protect=True in Pulumi "
                   "(components.Database does both).")
def rds_deletion_protection(ctx):
    for kind, ident, arn, record in databases(ctx):
        if not record.get("DeletionProtection"):
            yield arn or ident, f"{label(kind, ident)} can be deleted by a single API call (no deletion protection)"


@check(id="rds-public-access", title="RDS instances are not publicly accessible",
       checklist=("infra.separation", "security.api"), severity="critical",
       remediation="Set publicly_accessible=False and place the database in private subnets "
                   "(components.Database with components.Network does).")
def rds_public_access(ctx):
    for db in instances(ctx):
        if db.get("PubliclyAccessible"):
            ident = db["DBInstanceIdentifier"]
            yield db.get("DBInstanceArn", ident), f"RDS instance '{ident}' is publicly accessible"
    for cluster in clusters(ctx):
        if cluster.get("PubliclyAccessible"):
            ident = cluster["DBClusterIdentifier"]
            yield cluster.get("DBClusterArn", ident), f"RDS cluster '{ident}' is publicly accessible"


@check(id="rds-recent-backup", title="Every database has a backup newer than the RPO",
       checklist="infra.backups", severity="high",
       remediation="Keep automated backups on (backup_retention_period >= 7) and add an AWS Backup plan "
                   "that runs at least once per RPO (components.BackupPlan with components.Database).")
def rds_recent_backup(ctx):
    for kind, ident, arn, _record in databases(ctx):
        snapshot = latest_snapshot(ctx, kind, ident)
        times = [as_utc(snapshot["SnapshotCreateTime"])] if snapshot else []
        point = latest_recovery_point(ctx, arn)
        if point:
            times.append(point)
        if not times:
            yield arn or ident, f"{label(kind, ident)} has no snapshot or recovery point at all"
            continue
        age = age_hours(max(times))
        if age is not None and age > ctx.rpo_hours:
            yield (arn or ident, f"{label(kind, ident)}'s newest backup is {human_hours(age)} old, beyond the "
                                 f"{human_hours(ctx.rpo_hours)} RPO")


@check(id="dynamodb-pitr", title="DynamoDB tables have point-in-time recovery",
       checklist="infra.backups", severity="medium",
       remediation="Set point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True) on the "
                   "aws.dynamodb.Table.")
def dynamodb_pitr(ctx):
    for name in ctx.items("dynamodb", "list_tables", "TableNames"):
        got = ctx.call("dynamodb", "describe_continuous_backups", TableName=name)
        pitr = (got.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
        if pitr.get("PointInTimeRecoveryStatus") != "ENABLED":
            yield f"dynamodb:table/{name}", f"DynamoDB table '{name}' has point-in-time recovery off"



@check(id="rds-auto-minor-version-upgrade", title="RDS instances take automatic minor version upgrades",
       checklist=("security.encryption", "infra.iac"), severity="low",
       remediation="Set auto_minor_version_upgrade=True on the aws.rds.Instance (components.Database does), so "
                   "engine security fixes are applied in the maintenance window.")
def rds_auto_minor_version_upgrade(ctx):
    for db in instances(ctx):
        if db.get("AutoMinorVersionUpgrade") is False:
            yield db.get("DBInstanceArn", db["DBInstanceIdentifier"]), (
                f"RDS instance '{db['DBInstanceIdentifier']}' does not take automatic minor version upgrades")


CHECKS = (rds_storage_encrypted, rds_backup_retention, rds_deletion_protection, rds_public_access,
          rds_recent_backup, rds_auto_minor_version_upgrade, dynamodb_pitr)
