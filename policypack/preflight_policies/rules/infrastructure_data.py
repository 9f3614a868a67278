"""Data stores that survive mistakes: RDS/Aurora safety settings, backups of every other store, and each
service's own deletion protection (the complement of protect=True, see checks-map section 3).
"""
from __future__ import annotations

from .. import tokens as T
from ..helpers import why, at_least, companion_policy, equals, is_true, not_true, property_policy, short_type
from ..model import ADVISORY_EVERYWHERE, PROD_ONLY, Report, resource_policy
from ..resource import UNKNOWN, Resource, Stack, is_unknown
from ..model import not_applicable, unknown_during_preview

# -- RDS / Aurora ---------------------------------------------------------------------------------
_SNAPSHOT_ON_DELETE = (T.RDS_INSTANCE, T.RDS_CLUSTER, T.DOCDB_CLUSTER, T.NEPTUNE_CLUSTER, T.REDSHIFT_CLUSTER)


@resource_policy(
    name="database-final-snapshot",
    title="Databases must take a final snapshot when they are deleted",
    checklist=("infra.backups", "infra.iac"), severity="high",
    types=_SNAPSHOT_ON_DELETE,
    remediation="Remove skip_final_snapshot=True and set final_snapshot_identifier on aws.rds.Instance / "
                "aws.rds.Cluster (and the DocumentDB, Neptune and Redshift clusters), so a delete leaves a "
                "restorable snapshot.",
)
def database_final_snapshot(r: Resource, report: Report) -> None:
    if r.peek("replicateSourceDb") not in (None, ""):
        not_applicable("read replicas do not take final snapshots")
    skip = r.peek("skipFinalSnapshot", False)
    if is_unknown(skip):
        unknown_during_preview("skipFinalSnapshot")
    if skip is True:
        report(f"{short_type(r.type)} '{r.name}' sets skip_final_snapshot=True: deleting it (or a replacement) "
               f"throws the data away; remove it and set final_snapshot_identifier")


rds_storage_encrypted = property_policy(
    name="rds-storage-encrypted",
    title="RDS instances and Aurora clusters must encrypt storage",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_16", "Prowler:rds_instance_storage_encrypted"),
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER), path="storageEncrypted", expect=is_true,
    message="{type} '{name}' stores data unencrypted; set storage_encrypted=True with kms_key_id "
            "(components.Database does)",
    remediation="Set storage_encrypted=True and kms_key_id=key.arn on aws.rds.Instance / aws.rds.Cluster; "
                "an existing database must be restored from an encrypted snapshot copy.",
    aws_default=("RDS leaves a new database's storage unencrypted, except an Aurora Serverless v1 cluster's, which "
                 "is always encrypted"),
)


rds_backup_retention = property_policy(
    name="rds-backup-retention",
    title="RDS instances and Aurora clusters must keep automated backups for at least 7 days",
    checklist="infra.backups", severity="high",
    cross_references=("Checkov:CKV_AWS_133", "Prowler:rds_instance_backup_enabled"),
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER), path="backupRetentionPeriod", expect=at_least(7),
    message="{type} '{name}' keeps automated backups for less than 7 days, or none at all; set "
            "backup_retention_period to 7 or more (components.Database uses the environment's RPO profile)",
    remediation="Set backup_retention_period=7 (or more: 14-35 in prod) on aws.rds.Instance / aws.rds.Cluster "
                "so that point-in-time restore covers a week.",
    aws_default=("the provider sends 0 days for an aws.rds.Instance, which turns automated backups off, instead of "
                 "leaving the RDS API default of 1 day; RDS keeps an aws.rds.Cluster's for 1 day"),
)

rds_deletion_protection = property_policy(
    name="rds-deletion-protection",
    title="RDS instances and Aurora clusters must have deletion protection on",
    checklist=("infra.iac", "infra.backups"), severity="high",
    cross_references=("Checkov:CKV_AWS_293", "Prowler:rds_instance_deletion_protection"),
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER), path="deletionProtection", expect=is_true,
    message="{type} '{name}' can be deleted by a single API call; set deletion_protection=True",
    remediation="Set deletion_protection=True on aws.rds.Instance / aws.rds.Cluster; turning it off then "
                "takes a reviewed change of its own.",
    aws_default=("RDS creates a database without deletion protection through the API; only the console's "
                 "production template turns it on"),
)


rds_multi_az = property_policy(
    name="rds-multi-az",
    title="Production RDS instances must run Multi-AZ",
    checklist=("infra.backups", "infra.rollback"), severity="high", levels=PROD_ONLY,
    types=T.RDS_INSTANCE, path="multiAz", expect=is_true,
    message="RDS instance '{name}' runs in a single availability zone; set multi_az=True in prod "
            "(components.Database does)",
    remediation="Set multi_az=True on aws.rds.Instance in prod (Aurora: run at least two aws.rds.ClusterInstance "
                "in different availability zones).",
    aws_default="RDS runs a new instance in a single Availability Zone",
)

rds_not_public = property_policy(
    name="rds-not-publicly-accessible",
    title="RDS instances must not be publicly accessible",
    checklist=("infra.separation", "security.api"), severity="critical",
    cross_references=("Checkov:CKV_AWS_17", "Prowler:rds_instance_no_public_access"),
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER_INSTANCE), path="publiclyAccessible", expect=not_true,
    message="{type} '{name}' gets a public endpoint; set publicly_accessible=False and reach it from inside the VPC",
    remediation="Set publicly_accessible=False on aws.rds.Instance / aws.rds.ClusterInstance and place it in "
                "private subnets; connect through a bastion-less path such as SSM port forwarding.",
)

_IAM_AUTH_ENGINES = ("mysql", "postgres", "mariadb", "aurora", "aurora-mysql", "aurora-postgresql", "neptune")


IAM_AUTH_DEFAULT = "RDS and Neptune leave IAM database authentication off until it is turned on"


@resource_policy(
    name="rds-iam-authentication",
    aws_default=IAM_AUTH_DEFAULT,
    title="RDS, Aurora and Neptune databases must enable IAM database authentication",
    checklist=("security.iam", "security.secrets"), severity="medium",
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER, T.NEPTUNE_CLUSTER),
    remediation="Set iam_database_authentication_enabled=True on aws.rds.Instance / aws.rds.Cluster / "
                "aws.neptune.Cluster and grant rds-db:connect (Neptune: neptune-db:*) to the application role, so "
                "applications connect with short-lived signed requests.",
)
def rds_iam_authentication(r: Resource, report: Report) -> None:
    default_engine = {T.RDS_CLUSTER: "aurora", T.NEPTUNE_CLUSTER: "neptune"}.get(r.type)
    engine = r.peek("engine", default_engine)
    if is_unknown(engine):
        unknown_during_preview("the engine")
    if engine not in _IAM_AUTH_ENGINES:
        not_applicable(f"engine {engine} does not support IAM database authentication")
    enabled = r.peek("iamDatabaseAuthenticationEnabled", False)
    if is_unknown(enabled):
        unknown_during_preview("iamDatabaseAuthenticationEnabled")
    if enabled is not True:
        reason = why(r, 'iamDatabaseAuthenticationEnabled', IAM_AUTH_DEFAULT)
        if r.type == T.NEPTUNE_CLUSTER:
            # Neptune has no database passwords: without IAM authentication the network is its only lock.
            report(f"Neptune cluster '{r.name}' lets any client that reaches its endpoint query it without "
                   f"credentials {reason}; set iam_database_authentication_enabled=True and sign requests with "
                   f"the application's IAM role")
            return
        report(f"{short_type(r.type)} '{r.name}' only accepts database passwords {reason}; set "
               f"iam_database_authentication_enabled=True so applications use short-lived IAM tokens")


_PASSWORD_INPUTS = {T.RDS_INSTANCE: ("password", "passwordWo"), T.RDS_CLUSTER: ("masterPassword", "masterPasswordWo")}


@resource_policy(
    name="rds-managed-master-password",
    title="RDS and Aurora master passwords must be managed by AWS (Secrets Manager), not set in code",
    checklist="security.secrets", severity="high",
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER),
    remediation="Remove password / master_password and set manage_master_user_password=True (optionally "
                "master_user_secret_kms_key_id): RDS keeps the password in Secrets Manager and rotates it.",
)
def rds_managed_master_password(r: Resource, report: Report) -> None:
    managed = r.peek("manageMasterUserPassword")
    if managed is True or is_unknown(managed):
        return
    set_inputs = [p for p in _PASSWORD_INPUTS[r.type] if r.peek(p) is not None]
    if not set_inputs:
        return  # replicas, snapshot restores and cluster members inherit their credentials
    write_only = all(p.endswith("Wo") for p in set_inputs)
    where = ("a write-only password (kept out of the state, but never rotated)" if write_only
             else "a password from the program, stored in the Pulumi state and never rotated")
    report(f"{short_type(r.type)} '{r.name}' sets {where}; remove it and set manage_master_user_password=True")


rds_copy_tags = property_policy(
    name="rds-copy-tags-to-snapshot",
    title="RDS instances, Aurora clusters and Neptune clusters must copy their tags to snapshots",
    checklist=("infra.backups", "compliance.data"), severity="low", levels=ADVISORY_EVERYWHERE,
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER, T.NEPTUNE_CLUSTER), path="copyTagsToSnapshot", expect=is_true,
    message="{type} '{name}' does not copy tags to snapshots, so snapshots lose their owner and data "
            "classification; set copy_tags_to_snapshot=True",
    remediation="Set copy_tags_to_snapshot=True on aws.rds.Instance / aws.rds.Cluster / aws.neptune.Cluster.",
    aws_default="RDS and Neptune do not copy a database's tags to its snapshots",
)

rds_keep_automated_backups = property_policy(
    name="rds-keep-automated-backups",
    title="Production databases must keep automated backups after the database is deleted",
    checklist=("infra.backups", "infra.iac"), severity="medium", levels=PROD_ONLY,
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER), path="deleteAutomatedBackups", expect=equals(False), missing=True,
    message="{type} '{name}' deletes its automated backups together with the database; "
            "set delete_automated_backups=False",
    remediation="Set delete_automated_backups=False on aws.rds.Instance / aws.rds.Cluster, so point-in-time "
                "backups outlive an accidental delete for their retention period.",
    aws_default="the provider's default deletes a database's automated backups together with the database",
)

# -- other data stores' backups -------------------------------------------------------------------
dynamodb_pitr = property_policy(
    name="dynamodb-point-in-time-recovery",
    title="DynamoDB tables must have point-in-time recovery",
    checklist="infra.backups", severity="high",
    cross_references=("Checkov:CKV_AWS_28", "Prowler:dynamodb_tables_pitr_enabled"),
    types=T.DYNAMODB_TABLE, path="pointInTimeRecovery.enabled", expect=is_true,
    message="DynamoDB table '{name}' has no point-in-time recovery; set point_in_time_recovery={{'enabled': True}}",
    remediation="Set point_in_time_recovery={'enabled': True} on aws.dynamodb.Table (35 days of per-second "
                "restore points).",
    aws_default="DynamoDB leaves point-in-time recovery off for a new table",
)


def _judge_efs_backup(file_system, policies):
    statuses = [p.peek("backupPolicy.status") for p in policies]
    if any(is_unknown(s) for s in statuses):
        return UNKNOWN
    if "ENABLED" not in statuses:
        return (f"EFS file system '{file_system.name}' is not backed up; add aws.efs.BackupPolicy(file_system_id="
                f"fs.id, backup_policy={{'status': 'ENABLED'}})")
    return None


efs_backup_policy = companion_policy(
    name="efs-backup-policy",
    title="EFS file systems must have automatic backups enabled",
    checklist="infra.backups", severity="medium",
    cross_references=("Checkov:CKV2_AWS_18", "Prowler:efs_have_backup_enabled"),
    subjects=(T.EFS_FILE_SYSTEM,), companions=(T.EFS_BACKUP_POLICY,), link="fileSystemId",
    judge=_judge_efs_backup,
    remediation="Add aws.efs.BackupPolicy(file_system_id=fs.id, backup_policy={'status': 'ENABLED'}) (AWS Backup's "
                "daily plan, 35-day retention) or include the file system in your own aws.backup.Selection.",
)


SNAPSHOT_DEFAULT = ("ElastiCache takes no automatic snapshots of a node-based cache, whose API default is 0 days, "
                    "and CreateServerlessCache documents no default for a serverless cache")


@resource_policy(
    name="elasticache-automatic-backups",
    aws_default=SNAPSHOT_DEFAULT,
    title="Redis and Valkey caches must keep automatic snapshots",
    checklist="infra.backups", severity="medium",
    cross_references=("Checkov:CKV_AWS_134", "Prowler:elasticache_redis_cluster_backup_enabled"),
    types=(T.ELASTICACHE_REPLICATION_GROUP, T.ELASTICACHE_CLUSTER, T.ELASTICACHE_SERVERLESS),
    remediation="Set snapshot_retention_limit=7 (days, or more) on aws.elasticache.ReplicationGroup / Cluster / "
                "ServerlessCache; memcached cannot snapshot and is not judged.",
)
def elasticache_automatic_backups(r: Resource, report: Report) -> None:
    engine = r.peek("engine", "redis")
    if is_unknown(engine):
        unknown_during_preview("the engine")
    if engine == "memcached":
        not_applicable("memcached does not support snapshots")
    if r.type == T.ELASTICACHE_CLUSTER and r.peek("replicationGroupId") is not None:
        not_applicable("a member of a replication group is backed up by the group")
    days = r.peek("snapshotRetentionLimit", 0)
    if is_unknown(days):
        unknown_during_preview("snapshotRetentionLimit")
    if not isinstance(days, (int, float)) or days < 1:
        report(f"{short_type(r.type)} '{r.name}' keeps no automatic snapshots "
               f"{why(r, 'snapshotRetentionLimit', SNAPSHOT_DEFAULT)}; set snapshot_retention_limit=7")


redshift_automated_snapshots = property_policy(
    name="redshift-automated-snapshots",
    title="Redshift clusters must keep automated snapshots for at least 7 days",
    checklist="infra.backups", severity="medium",
    cross_references=("Checkov:CKV_AWS_343",),
    types=T.REDSHIFT_CLUSTER, path="automatedSnapshotRetentionPeriod", expect=at_least(7), missing=1,
    message="Redshift cluster '{name}' keeps automated snapshots for less than 7 days, or none at all; set "
            "automated_snapshot_retention_period to 7 or more",
    remediation="Set automated_snapshot_retention_period=7 (days, or more; up to 35) on aws.redshift.Cluster; 0 "
                "disables snapshots, and a shorter window leaves a bad load found after the weekend unrecoverable.",
    aws_default="Redshift keeps automated snapshots for 1 day",
)

docdb_backup_retention = property_policy(
    name="docdb-backup-retention",
    title="DocumentDB clusters must keep backups for at least 7 days",
    checklist="infra.backups", severity="medium",
    cross_references=("Checkov:CKV_AWS_360", "Prowler:documentdb_cluster_backup_enabled"),
    types=T.DOCDB_CLUSTER, path="backupRetentionPeriod", expect=at_least(7), missing=1,
    message="DocumentDB cluster '{name}' keeps backups for less than 7 days; set "
            "backup_retention_period=7 or more",
    remediation="Set backup_retention_period=7 (or more) on aws.docdb.Cluster.",
    aws_default="DocumentDB keeps automated backups for 1 day",
)

neptune_backup_retention = property_policy(
    name="neptune-backup-retention",
    title="Neptune clusters must keep backups for at least 7 days",
    checklist="infra.backups", severity="medium",
    cross_references=("Checkov:CKV_AWS_361", "Prowler:neptune_cluster_backup_enabled"),
    types=T.NEPTUNE_CLUSTER, path="backupRetentionPeriod", expect=at_least(7), missing=1,
    message="Neptune cluster '{name}' keeps backups for less than 7 days; set "
            "backup_retention_period=7 or more",
    remediation="Set backup_retention_period=7 (or more) on aws.neptune.Cluster.",
    aws_default="Neptune keeps automated backups for 1 day",
)

# -- native deletion protection (checks-map section 3) --------------------------------------------
_NATIVE = "; the service then refuses the delete until the setting is turned off in a reviewed change"

dynamodb_deletion_protection = property_policy(
    name="dynamodb-deletion-protection",
    title="Production DynamoDB tables must have deletion protection on",
    checklist=("infra.iac", "infra.backups"), severity="high", levels=PROD_ONLY,
    cross_references=("Prowler:dynamodb_table_deletion_protection_enabled",),
    types=(T.DYNAMODB_TABLE, T.DYNAMODB_TABLE_REPLICA), path="deletionProtectionEnabled", expect=is_true,
    message="{type} '{name}' can be deleted by one API call; set deletion_protection_enabled=True",
    remediation="Set deletion_protection_enabled=True on aws.dynamodb.Table / TableReplica" + _NATIVE + ".",
    aws_default="DynamoDB creates a table without deletion protection",
)

docdb_deletion_protection = property_policy(
    name="docdb-deletion-protection",
    title="Production DocumentDB clusters must have deletion protection on",
    checklist=("infra.iac", "infra.backups"), severity="high", levels=PROD_ONLY,
    cross_references=("Prowler:documentdb_cluster_deletion_protection",),
    types=T.DOCDB_CLUSTER, path="deletionProtection", expect=is_true,
    message="DocumentDB cluster '{name}' can be deleted by one API call; set deletion_protection=True",
    remediation="Set deletion_protection=True on aws.docdb.Cluster" + _NATIVE + ".",
    aws_default=("DocumentDB creates a cluster without deletion protection through the API or CLI; only the "
                 "console turns it on by default"),
)

neptune_deletion_protection = property_policy(
    name="neptune-deletion-protection",
    title="Production Neptune clusters must have deletion protection on",
    checklist=("infra.iac", "infra.backups"), severity="high", levels=PROD_ONLY,
    cross_references=("Checkov:CKV2_AWS_58", "Prowler:neptune_cluster_deletion_protection"),
    types=T.NEPTUNE_CLUSTER, path="deletionProtection", expect=is_true,
    message="Neptune cluster '{name}' can be deleted by one API call; set deletion_protection=True",
    remediation="Set deletion_protection=True on aws.neptune.Cluster" + _NATIVE + ".",
    aws_default="Neptune creates a cluster without deletion protection",
)

rds_global_cluster_deletion_protection = property_policy(
    name="rds-global-cluster-deletion-protection",
    title="Production Aurora global clusters must have deletion protection on",
    checklist=("infra.iac", "infra.backups"), severity="high", levels=PROD_ONLY,
    types=T.RDS_GLOBAL_CLUSTER, path="deletionProtection", expect=is_true,
    message="global cluster '{name}' can be deleted by one API call; set deletion_protection=True",
    remediation="Set deletion_protection=True on aws.rds.GlobalCluster" + _NATIVE + ".",
    aws_default="Aurora creates a global cluster without deletion protection",
)

load_balancer_deletion_protection = property_policy(
    name="load-balancer-deletion-protection",
    title="Production load balancers must have deletion protection on",
    checklist="infra.iac", severity="medium", levels=PROD_ONLY,
    cross_references=("Checkov:CKV_AWS_150", "Prowler:elbv2_deletion_protection"),
    types=T.LOAD_BALANCERS, path="enableDeletionProtection", expect=is_true,
    message="load balancer '{name}' can be deleted by one API call (and its DNS name with it); set "
            "enable_deletion_protection=True",
    remediation="Set enable_deletion_protection=True on aws.lb.LoadBalancer / aws.alb.LoadBalancer" + _NATIVE + ".",
    aws_default="Elastic Load Balancing creates a load balancer without deletion protection",
)

cognito_deletion_protection = property_policy(
    name="cognito-user-pool-deletion-protection",
    title="Production Cognito user pools must have deletion protection on",
    checklist=("infra.iac", "infra.backups"), severity="high", levels=PROD_ONLY,
    cross_references=("Prowler:cognito_user_pool_deletion_protection_enabled",),
    types=T.COGNITO_USER_POOL, path="deletionProtection", expect=equals("ACTIVE"),
    message="user pool '{name}' can be deleted with every user account in it (they cannot be restored); set "
            "deletion_protection='ACTIVE'",
    remediation="Set deletion_protection='ACTIVE' on aws.cognito.UserPool" + _NATIVE + ".",
    aws_default="Cognito creates a user pool with deletion protection INACTIVE",
)

eks_deletion_protection = property_policy(
    name="eks-cluster-deletion-protection",
    title="Production EKS clusters must have deletion protection on",
    checklist="infra.iac", severity="medium", levels=PROD_ONLY,
    cross_references=("Prowler:eks_cluster_deletion_protection_enabled",),
    types=T.EKS_CLUSTER, path="deletionProtection", expect=is_true,
    message="EKS cluster '{name}' can be deleted by one API call; set deletion_protection=True",
    remediation="Set deletion_protection=True on aws.eks.Cluster" + _NATIVE + ".",
    aws_default="EKS creates a cluster without deletion protection",
)

network_firewall_deletion_protection = property_policy(
    name="network-firewall-deletion-protection",
    title="Production Network Firewalls must have deletion protection on",
    checklist=("infra.iac", "security.api"), severity="medium", levels=PROD_ONLY,
    cross_references=("Checkov:CKV_AWS_344", "Prowler:networkfirewall_deletion_protection"),
    types=T.NETWORK_FIREWALL, path="deleteProtection", expect=is_true,
    message="network firewall '{name}' can be deleted by one API call, leaving traffic uninspected; set "
            "delete_protection=True",
    remediation="Set delete_protection=True on aws.networkfirewall.Firewall" + _NATIVE + ".",
    aws_default="Network Firewall creates a firewall without delete protection",
)

backup_vault_no_force_destroy = property_policy(
    name="backup-vault-no-force-destroy",
    title="Production backup vaults must not set force_destroy",
    checklist=("infra.backups", "infra.iac"), severity="critical", levels=PROD_ONLY,
    types=T.BACKUP_VAULT, path="forceDestroy", expect=not_true,
    message="backup vault '{name}' sets force_destroy=True: deleting it deletes every recovery point in it; "
            "remove force_destroy in prod",
    remediation="Remove force_destroy=True from aws.backup.Vault in prod (and add aws.backup.VaultLockConfiguration "
                "for immutable backups).",
)

ecr_no_force_delete = property_policy(
    name="ecr-repository-no-force-delete",
    title="Production ECR repositories must not set force_delete",
    checklist=("infra.rollback", "infra.iac"), severity="medium", levels=PROD_ONLY,
    types=T.ECR_REPOSITORY, path="forceDelete", expect=not_true,
    message="ECR repository '{name}' sets force_delete=True: deleting it deletes every image, including the ones "
            "a rollback needs; remove force_delete in prod",
    remediation="Remove force_delete=True from aws.ecr.Repository in prod; keep old images with a lifecycle policy "
                "so that rollbacks have something to roll back to.",
)

POLICIES = [
    database_final_snapshot,
    rds_storage_encrypted,
    rds_backup_retention,
    rds_deletion_protection,
    rds_multi_az,
    rds_not_public,
    rds_iam_authentication,
    rds_managed_master_password,
    rds_copy_tags,
    rds_keep_automated_backups,
    dynamodb_pitr,
    efs_backup_policy,
    elasticache_automatic_backups,
    redshift_automated_snapshots,
    docdb_backup_retention,
    neptune_backup_retention,
    dynamodb_deletion_protection,
    docdb_deletion_protection,
    neptune_deletion_protection,
    rds_global_cluster_deletion_protection,
    load_balancer_deletion_protection,
    cognito_deletion_protection,
    eks_deletion_protection,
    network_firewall_deletion_protection,
    backup_vault_no_force_destroy,
    ecr_no_force_delete,
]


# -- issue 13: backup plans kept too briefly, lifecycle rules that delete live data -------------------
from .. import tokens as _T  # noqa: E402
from ..helpers import as_list  # noqa: E402
from ..model import stack_policy  # noqa: E402


@resource_policy(
    name="backup-plan-retention",
    title="AWS Backup plan rules must keep recovery points for the configured minimum (7 days by default)",
    checklist=("infra.backups", "compliance.data"), severity="high",
    types=(_T.BACKUP_PLAN,),
    config={"minimumDays": {"type": "integer", "minimum": 1, "default": 7,
                            "description": "Fewest days a backup rule may keep its recovery points."}},
    remediation="Set lifecycle={'delete_after': 35} (or more; at least the configured minimum) on every rule of "
                "aws.backup.Plan, so a mistake noticed after a weekend can still be restored (components.BackupPlan "
                "uses the environment's RPO profile).",
)
def backup_plan_retention(r: Resource, report: Report) -> None:
    rules = r.peek("rules")
    if is_unknown(rules):
        unknown_during_preview("the plan's rules", "are")
    minimum = int(r.config.get("minimumDays", 7))
    short = []
    for rule in as_list(rules):
        if not isinstance(rule, dict):
            continue
        days = (rule.get("lifecycle") or {}).get("deleteAfter") if isinstance(rule.get("lifecycle"), dict) else None
        if isinstance(days, (int, float)) and not isinstance(days, bool) and days < minimum:
            short.append(f"'{rule.get('ruleName') or '?'}' ({days:g} days)")
    if short:
        report(f"backup plan '{r.name}' deletes recovery points too soon: rule {', '.join(short)}; set "
               f"lifecycle delete_after to {minimum} days or more")


_NOT_DATA = ("log", "logs", "logging", "trail", "cloudtrail", "audit", "flowlogs", "tmp", "temp", "cache", "scratch",
             "artifact", "artifacts", "build", "upload", "uploads", "staging", "athena", "results", "cdn")


def _is_data_bucket(bucket) -> bool:
    from .security_s3 import _is_log_target
    if _is_log_target(bucket):
        return False
    import re
    names = [bucket.name] + [v for v in (bucket.peek("bucket"), bucket.peek("bucketPrefix")) if isinstance(v, str)]
    words = {w for n in names for w in re.split(r"[^a-z0-9]+", n.lower()) if w}
    return not (words & set(_NOT_DATA)) and not any(n.lower().endswith("logs") for n in names)


def _current_expirations(bucket, configs) -> list:
    found = []
    for rule in as_list(bucket.peek("lifecycleRules")):
        if isinstance(rule, dict) and rule.get("enabled") is not False:
            for exp in as_list(rule.get("expiration")) + as_list(rule.get("expirations")):
                if isinstance(exp, dict) and (exp.get("days") or exp.get("date")):
                    found.append(rule.get("id") or "inline rule")
    for conf in configs:
        rules = conf.peek("rules")
        if is_unknown(rules):
            return [UNKNOWN]
        for rule in as_list(rules):
            if not isinstance(rule, dict) or rule.get("status") == "Disabled":
                continue
            exp = rule.get("expiration")
            if isinstance(exp, dict) and (exp.get("days") or exp.get("date")):
                prefix = (rule.get("filter") or {}).get("prefix") if isinstance(rule.get("filter"), dict) else None
                prefix = prefix or rule.get("prefix") or ""
                if not any(w in str(prefix).lower() for w in ("tmp", "temp", "cache", "scratch", "upload")):
                    found.append(rule.get("id") or "rule")
    return found


@stack_policy(
    name="s3-data-bucket-no-current-expiration",
    title="Production data buckets must not expire current objects with lifecycle rules",
    checklist=("infra.backups", "compliance.data"), severity="high", levels=PROD_ONLY,
    types=_T.S3_BUCKETS + _T.S3_LIFECYCLE,
    remediation="Remove expiration from the lifecycle rules of a production data bucket (keep "
                "noncurrent_version_expiration and abort_incomplete_multipart_upload), or scope it with a filter "
                "prefix such as 'tmp/'; logs, caches and scratch buckets (names saying so, access-log targets) "
                "are not judged.",
)
def s3_data_bucket_no_current_expiration(stack: Stack, report: Report) -> None:
    if stack.environment != "prod":
        return
    for bucket in stack.of_type(*_T.S3_BUCKETS):
        rules = _current_expirations(bucket, stack.referencing(bucket, "bucket", *_T.S3_LIFECYCLE))
        if not rules or UNKNOWN in rules or not _is_data_bucket(bucket):
            continue
        report(f"bucket '{bucket.name}' holds production data but lifecycle rule {', '.join(map(str, rules[:3]))} "
               f"expires current objects: the data is deleted on a timer; remove expiration (expire only noncurrent "
               f"versions) or limit it to a tmp/ prefix", bucket.urn)


POLICIES += [backup_plan_retention, s3_data_bucket_no_current_expiration]


# -- FSBP RDS.15: a DB cluster across Availability Zones --------------------------------------------------------
# An Aurora cluster's AZ spread is where its aws.rds.ClusterInstance members run, not an input of the cluster
# (`availability_zones` only names where storage may be placed), so only what is certain from the program is
# reported: a cluster whose members all run in one AZ (a single member, or every member pinned to the same
# availability_zone). Members left to RDS's placement, members declared elsewhere (none in this stack) and
# Multi-AZ DB clusters (`db_cluster_instance_class` set: one writer and two readers in three AZs) pass.
def _cluster_single_az(stack: Stack, cluster: Resource):
    """A reason the cluster runs in one AZ, or None (also when it cannot be told)."""
    if cluster.peek("dbClusterInstanceClass") is not None:
        return None
    engine, mode = cluster.peek("engine", "aurora"), cluster.peek("engineMode", "provisioned")
    if is_unknown(engine) or is_unknown(mode) or not str(engine).startswith("aurora") or mode != "provisioned":
        return None
    members = stack.referencing(cluster, "clusterIdentifier", T.RDS_CLUSTER_INSTANCE)
    if not members:
        return None
    zones = [m.peek("availabilityZone") for m in members]
    if any(is_unknown(z) for z in zones):
        return None
    if len(members) == 1:
        return f"its only instance '{members[0].name}' runs in a single Availability Zone"
    if all(z for z in zones) and len(set(zones)) == 1:
        return f"all {len(members)} instances are pinned to availability_zone {zones[0]!r}"
    return None


@stack_policy(
    name="rds-cluster-multi-az",
    title="Production Aurora clusters must run instances in more than one Availability Zone",
    checklist=("infra.backups", "infra.rollback"), severity="high", levels=PROD_ONLY,
    types=(T.RDS_CLUSTER, T.RDS_CLUSTER_INSTANCE),
    remediation="Add a second aws.rds.ClusterInstance (cluster_identifier=cluster.id) with availability_zone set to "
                "an AZ the writer does not use, so Aurora can fail over to it; pinning every member to one AZ (or "
                "running one member) leaves the database down for the length of an AZ outage.",
)
def rds_cluster_multi_az(stack: Stack, report: Report) -> None:
    for cluster in stack.of_type(T.RDS_CLUSTER):
        reason = _cluster_single_az(stack, cluster)
        if reason:
            report(f"Aurora cluster '{cluster.name}' cannot fail over to another Availability Zone: {reason}; add an "
                   f"aws.rds.ClusterInstance with availability_zone in another AZ", cluster.urn)


POLICIES += [rds_cluster_multi_az]
