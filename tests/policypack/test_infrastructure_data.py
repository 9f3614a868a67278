"""Data-store safety policies through the Analyzer protocol: RDS settings, backups, native deletion protection."""
import pytest

from tests.conftest import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, link, res

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
DOCDB = "aws:docdb/cluster:Cluster"
NEPTUNE = "aws:neptune/cluster:Cluster"
REDSHIFT = "aws:redshift/cluster:Cluster"
TABLE = "aws:dynamodb/table:Table"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"

# (policy, type, compliant inputs, failing inputs)
CASES = [
    ("database-final-snapshot", RDS, {"finalSnapshotIdentifier": "final"}, {"skipFinalSnapshot": True}),
    ("database-final-snapshot", CLUSTER, {}, {"skipFinalSnapshot": True}),
    ("database-final-snapshot", DOCDB, {}, {"skipFinalSnapshot": True}),
    ("database-final-snapshot", NEPTUNE, {}, {"skipFinalSnapshot": True}),
    ("database-final-snapshot", REDSHIFT, {}, {"skipFinalSnapshot": True}),
    ("rds-multi-az", RDS, {"multiAz": True}, {}),
    ("rds-not-publicly-accessible", RDS, {}, {"publiclyAccessible": True}),
    ("rds-not-publicly-accessible", "aws:rds/clusterInstance:ClusterInstance", {"publiclyAccessible": False},
     {"publiclyAccessible": True}),
    ("rds-iam-authentication", RDS, {"engine": "postgres", "iamDatabaseAuthenticationEnabled": True},
     {"engine": "postgres"}),
    ("rds-iam-authentication", CLUSTER, {"engine": "aurora-mysql", "iamDatabaseAuthenticationEnabled": True}, {}),
    ("rds-managed-master-password", RDS, {"manageMasterUserPassword": True, "username": "admin"},
     {"username": "admin", "passwordWo": "from-config"}),
    ("rds-managed-master-password", RDS, {"replicateSourceDb": "primary"}, {"passwordWo": "x"}),
    ("rds-managed-master-password", CLUSTER, {"manageMasterUserPassword": True}, {"masterPasswordWo": "p"}),
    ("rds-copy-tags-to-snapshot", RDS, {"copyTagsToSnapshot": True}, {}),
    ("rds-copy-tags-to-snapshot", NEPTUNE, {"copyTagsToSnapshot": True}, {"copyTagsToSnapshot": False}),
    ("rds-iam-authentication", NEPTUNE, {"iamDatabaseAuthenticationEnabled": True}, {}),
    ("rds-keep-automated-backups", CLUSTER, {"deleteAutomatedBackups": False}, {}),
    ("dynamodb-point-in-time-recovery", TABLE, {"pointInTimeRecovery": {"enabled": True}}, {}),
    ("elasticache-automatic-backups", RG, {"snapshotRetentionLimit": 7}, {}),
    ("elasticache-automatic-backups", "aws:elasticache/serverlessCache:ServerlessCache",
     {"engine": "valkey", "snapshotRetentionLimit": 1}, {"engine": "valkey"}),
    ("elasticache-automatic-backups", "aws:elasticache/cluster:Cluster",
     {"engine": "memcached"}, {"engine": "redis", "snapshotRetentionLimit": 0}),
    ("redshift-automated-snapshots", REDSHIFT, {"automatedSnapshotRetentionPeriod": 7},
     {"automatedSnapshotRetentionPeriod": 0}),
    ("redshift-automated-snapshots", REDSHIFT, {"automatedSnapshotRetentionPeriod": 35}, {}),
    ("docdb-backup-retention", DOCDB, {"backupRetentionPeriod": 7}, {}),
    ("neptune-backup-retention", NEPTUNE, {"backupRetentionPeriod": 14}, {"backupRetentionPeriod": 3}),
    ("dynamodb-deletion-protection", TABLE, {"deletionProtectionEnabled": True}, {}),
    ("dynamodb-deletion-protection", "aws:dynamodb/tableReplica:TableReplica", {"deletionProtectionEnabled": True}, {}),
    ("docdb-deletion-protection", DOCDB, {"deletionProtection": True}, {}),
    ("neptune-deletion-protection", NEPTUNE, {"deletionProtection": True}, {"deletionProtection": False}),
    ("rds-global-cluster-deletion-protection", "aws:rds/globalCluster:GlobalCluster", {"deletionProtection": True}, {}),
    ("load-balancer-deletion-protection", "aws:lb/loadBalancer:LoadBalancer", {"enableDeletionProtection": True}, {}),
    ("load-balancer-deletion-protection", "aws:alb/loadBalancer:LoadBalancer", {"enableDeletionProtection": True}, {}),
    ("cognito-user-pool-deletion-protection", "aws:cognito/userPool:UserPool", {"deletionProtection": "ACTIVE"},
     {"deletionProtection": "INACTIVE"}),
    ("eks-cluster-deletion-protection", "aws:eks/cluster:Cluster", {"deletionProtection": True}, {}),
    ("network-firewall-deletion-protection", "aws:networkfirewall/firewall:Firewall", {"deleteProtection": True}, {}),
    ("backup-vault-no-force-destroy", "aws:backup/vault:Vault", {}, {"forceDestroy": True}),
    ("ecr-repository-no-force-delete", "aws:ecr/repository:Repository", {"forceDelete": False}, {"forceDelete": True}),
]


@pytest.mark.parametrize("policy,type_,good,bad", CASES, ids=[f"{c[0]}-{c[1].split(':')[-1]}" for c in CASES])
def test_policy_passes_and_fails(pack, policy, type_, good, bad):
    assert not pack.analyze(type_, good, name="good").violations(policy)
    [d] = pack.analyze(type_, bad, name="bad").violations(policy)
    assert "'bad'" in d.message


@pytest.mark.parametrize("type_,field", [(RDS, "password"), (CLUSTER, "masterPassword")])
def test_a_literal_master_password_is_reported_once(pack, type_, field):
    """A literal is database-password-not-plain's finding (critical: it is in the code); the general advice to let
    RDS manage the password is dropped for that resource, and comes back when the more specific policy is off."""
    result = pack.analyze(type_, {field: "correct-horse-battery"}, name="bad")
    assert result.violations("database-password-not-plain")
    assert not result.violations("rds-managed-master-password")
    with pack.configured({"database-password-not-plain": "disabled"}):
        [d] = pack.analyze(type_, {field: "correct-horse-battery"}, name="bad").violations("rds-managed-master-password")
    assert "stored in the Pulumi state" in d.message


PROD_ONLY = ["rds-multi-az", "rds-keep-automated-backups", "dynamodb-deletion-protection", "docdb-deletion-protection",
             "neptune-deletion-protection", "rds-global-cluster-deletion-protection",
             "load-balancer-deletion-protection", "cognito-user-pool-deletion-protection",
             "eks-cluster-deletion-protection", "network-firewall-deletion-protection",
             "backup-vault-no-force-destroy", "ecr-repository-no-force-delete"]


@pytest.mark.parametrize("policy,type_,good,bad", [c for c in CASES if c[0] in PROD_ONLY][:6])
def test_prod_only_levels(pack, pack_for, policy, type_, good, bad):
    assert [d.level for d in pack.analyze(type_, bad).violations(policy)] == ["mandatory"]
    assert [d.level for d in pack_for("staging").analyze(type_, bad).violations(policy)] == ["advisory"]
    assert [d.level for d in pack_for("dev").analyze(type_, bad).violations(policy)] == ["advisory"]


def test_hygiene_is_advisory_everywhere(pack):
    assert [d.level for d in pack.analyze(RDS, {}).violations("rds-copy-tags-to-snapshot")] == ["advisory"]


def test_read_replica_skips_final_snapshot(pack):
    result = pack.analyze(RDS, {"replicateSourceDb": "primary", "skipFinalSnapshot": True})
    assert not result.violations("database-final-snapshot")
    assert "replica" in result.not_applicable["database-final-snapshot"]


def test_unknowns_never_misfire(pack):
    for policy, props in [("database-final-snapshot", {"skipFinalSnapshot": UNKNOWN_BOOLEAN_VALUE}),
                          ("rds-iam-authentication", {"engine": UNKNOWN_STRING_VALUE}),
                          ("rds-multi-az", {"multiAz": UNKNOWN_BOOLEAN_VALUE})]:
        result = pack.analyze(RDS, props)
        assert not result.violations(policy) and policy in result.not_applicable, policy


def test_iam_auth_not_applicable_to_unsupported_engines(pack):
    result = pack.analyze(RDS, {"engine": "sqlserver-se"})
    assert not result.violations("rds-iam-authentication")
    assert "sqlserver-se" in result.not_applicable["rds-iam-authentication"]


def test_efs_backup_policy(pack):
    fs = res("aws:efs/fileSystem:FileSystem", "shared", {"encrypted": True})
    enabled = link(res("aws:efs/backupPolicy:BackupPolicy", "shared-backup", {"backupPolicy": {"status": "ENABLED"}}),
                   "fileSystemId", fs)
    assert not pack.analyze_stack([fs, enabled]).violations("efs-backup-policy")
    disabled = link(res("aws:efs/backupPolicy:BackupPolicy", "shared-backup", {"backupPolicy": {"status": "DISABLED"}}),
                    "fileSystemId", fs)
    [d] = pack.analyze_stack([fs, disabled]).violations("efs-backup-policy")
    assert d.urn.endswith("::shared")
    assert pack.analyze_stack([fs]).violations("efs-backup-policy")


def test_neptune_iam_authentication_says_what_is_missing(pack):
    """Neptune has no database passwords: the finding says the endpoint needs no credentials at all, states the
    default when the input is left out, and waits for an unknown value."""
    [d] = pack.analyze(NEPTUNE, {}, name="graph").violations("rds-iam-authentication")
    assert "without credentials" in d.message and "not set" in d.message
    [d] = pack.analyze(NEPTUNE, {"iamDatabaseAuthenticationEnabled": False}).violations("rds-iam-authentication")
    assert "is False" in d.message
    result = pack.analyze(NEPTUNE, {"iamDatabaseAuthenticationEnabled": UNKNOWN_BOOLEAN_VALUE})
    assert not result.violations("rds-iam-authentication") and "rds-iam-authentication" in result.not_applicable


def test_redshift_snapshot_retention_needs_a_week(pack):
    [d] = pack.analyze(REDSHIFT, {"automatedSnapshotRetentionPeriod": 1}).violations("redshift-automated-snapshots")
    assert "less than 7 days" in d.message and "is 1" in d.message and d.level == "mandatory"
    [d] = pack.analyze(REDSHIFT, {}).violations("redshift-automated-snapshots")
    assert "Redshift keeps automated snapshots for 1 day" in d.message


def _member(name, cluster, **props):
    return link(res("aws:rds/clusterInstance:ClusterInstance", name, {"instanceClass": "db.r7g.large", **props}),
                "clusterIdentifier", cluster)


def test_rds_cluster_multi_az_reports_only_certain_single_az(pack, pack_for):
    policy = "rds-cluster-multi-az"
    aurora = res(CLUSTER, "orders", {"engine": "aurora-postgresql"})
    # One member is one AZ; two members pinned to the same AZ are one AZ too.
    [d] = pack.analyze_stack([aurora, _member("orders-1", aurora)]).violations(policy)
    assert d.urn.endswith("::orders") and "'orders-1'" in d.message and d.level == "mandatory"
    [d] = pack.analyze_stack([aurora, _member("a", aurora, availabilityZone="us-east-1a"),
                              _member("b", aurora, availabilityZone="us-east-1a")]).violations(policy)
    assert "'us-east-1a'" in d.message
    # Spread, left to RDS's placement, unknown, declared elsewhere, or a Multi-AZ DB cluster: not reported.
    for members in ([_member("a", aurora, availabilityZone="us-east-1a"),
                     _member("b", aurora, availabilityZone="us-east-1b")],
                    [_member("a", aurora), _member("b", aurora)],
                    [_member("a", aurora, availabilityZone=UNKNOWN_STRING_VALUE)],
                    []):
        assert not pack.analyze_stack([aurora] + members).violations(policy)
    multi_az_db_cluster = res(CLUSTER, "ledger", {"engine": "postgres", "dbClusterInstanceClass": "db.r6gd.large"})
    assert not pack.analyze_stack([multi_az_db_cluster, _member("x", multi_az_db_cluster)]).violations(policy)
    # Prod needs it; elsewhere it is advice.
    [d] = pack_for("staging").analyze_stack([aurora, _member("orders-1", aurora)]).violations(policy)
    assert d.level == "advisory"
