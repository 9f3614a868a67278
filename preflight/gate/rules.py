"""What counts as destructive, and which resources hold state.

Classification reads the engine's own ops and resource records, never command text:
- ops that remove a resource (delete, replace and its create-replacement/delete-replaced halves,
  discard, import-replacement, remove-pending-replace) and any op this table does not know (fail
  closed: a new engine op is destructive until someone decides otherwise);
- protection downgrades on any step that keeps the resource: `protect` true->false, deletion
  protection flags turned off, skipFinalSnapshot/forceDestroy/deleteAutomatedBackups turned on,
  backup retention or recovery/deletion windows cut (GUARDS below).
Type tokens and property names are pulumi-aws 7.x (see /work/shared/research/checks-map.md §3).
"""
from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .plan import (PREVIEW, PROVIDER_TYPE_PREFIX, ROOT_STACK_TYPE, SECRET_SIG_KEY, SECRET_SIG_VALUE,
                   SECRET_VALUE, UNKNOWN_VALUE, ResourceChange)

# Ops that never destroy anything. Everything else is destructive, known or not.
HARMLESS_OPS = frozenset({"same", "create", "update", "read", "read-replacement", "refresh",
                          "import", "diff", "extend-parameterize"})
DELETE_OPS = frozenset({"delete"})
REPLACE_OPS = frozenset({"replace", "create-replacement", "delete-replaced", "import-replacement"})
# State-only removals: the cloud resource survives but Pulumi stops tracking it.
DISCARD_OPS = frozenset({"discard", "discard-replaced", "remove-pending-replace"})
KNOWN_OPS = HARMLESS_OPS | DELETE_OPS | REPLACE_OPS | DISCARD_OPS

# Resources whose loss loses data or makes it unreadable: data stores, keys, secrets, logs,
# backups and state buckets. Category names appear in reasons. Extend with `statefulTypes`.
STATEFUL_TYPES: Mapping[str, str] = {
    # relational / document / graph databases
    "aws:rds/instance:Instance": "database",
    "aws:rds/cluster:Cluster": "database",
    "aws:rds/clusterInstance:ClusterInstance": "database",
    "aws:rds/globalCluster:GlobalCluster": "database",
    "aws:rds/snapshot:Snapshot": "backup",
    "aws:rds/clusterSnapshot:ClusterSnapshot": "backup",
    "aws:rds/snapshotCopy:SnapshotCopy": "backup",
    "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": "backup",
    "aws:docdb/cluster:Cluster": "database",
    "aws:docdb/globalCluster:GlobalCluster": "database",
    "aws:docdb/elasticCluster:ElasticCluster": "database",
    "aws:docdb/clusterSnapshot:ClusterSnapshot": "backup",
    "aws:neptune/cluster:Cluster": "database",
    "aws:neptune/globalCluster:GlobalCluster": "database",
    "aws:neptune/clusterSnapshot:ClusterSnapshot": "backup",
    "aws:neptunegraph/graph:Graph": "database",
    "aws:dsql/cluster:Cluster": "database",
    "aws:qldb/ledger:Ledger": "database",
    "aws:redshift/cluster:Cluster": "database",
    "aws:dynamodb/table:Table": "database",
    "aws:dynamodb/tableReplica:TableReplica": "database",
    "aws:dynamodb/globalTable:GlobalTable": "database",
    # caches, search, streams and queues that hold data
    "aws:elasticache/replicationGroup:ReplicationGroup": "cache",
    "aws:elasticache/cluster:Cluster": "cache",
    "aws:elasticache/serverlessCache:ServerlessCache": "cache",
    "aws:memorydb/cluster:Cluster": "database",
    "aws:opensearch/domain:Domain": "search index",
    "aws:opensearch/serverlessCollection:ServerlessCollection": "search index",
    "aws:kinesis/stream:Stream": "stream",
    "aws:sqs/queue:Queue": "queue",
    # object and file storage (state buckets included: every bucket counts)
    "aws:s3/bucket:Bucket": "bucket",
    "aws:s3/bucketV2:BucketV2": "bucket",
    "aws:s3/directoryBucket:DirectoryBucket": "bucket",
    "aws:s3/vectorsVectorBucket:VectorsVectorBucket": "bucket",
    "aws:s3tables/tableBucket:TableBucket": "bucket",
    "aws:s3/bucketVersioning:BucketVersioning": "bucket protection",
    "aws:s3/bucketVersioningV2:BucketVersioningV2": "bucket protection",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "bucket protection",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2": "bucket protection",
    "aws:efs/fileSystem:FileSystem": "file system",
    "aws:ebs/volume:Volume": "volume",
    "aws:ebs/snapshot:Snapshot": "backup",
    "aws:ecr/repository:Repository": "registry",
    # keys and secrets (losing a key makes everything encrypted with it unreadable)
    "aws:kms/key:Key": "encryption key",
    "aws:kms/replicaKey:ReplicaKey": "encryption key",
    "aws:kms/externalKey:ExternalKey": "encryption key",
    "aws:kms/replicaExternalKey:ReplicaExternalKey": "encryption key",
    "aws:secretsmanager/secret:Secret": "secret",
    "aws:cognito/userPool:UserPool": "user directory",
    # logs and audit trails
    "aws:cloudwatch/logGroup:LogGroup": "log",
    "aws:cloudtrail/trail:Trail": "audit log",
    "aws:cloudtrail/eventDataStore:EventDataStore": "audit log",
    # backups
    "aws:backup/vault:Vault": "backup",
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault": "backup",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "backup",
    "aws:backup/plan:Plan": "backup",
    "aws:backup/selection:Selection": "backup",
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": "backup",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": "backup",
    "aws:efs/backupPolicy:BackupPolicy": "backup",
    # more data stores (pulumi-aws 7 tokens, checked against the SDK)
    "aws:elasticsearch/domain:Domain": "search index",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "file system",
    "aws:fsx/windowsFileSystem:WindowsFileSystem": "file system",
    "aws:fsx/ontapFileSystem:OntapFileSystem": "file system",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "file system",
    "aws:fsx/ontapVolume:OntapVolume": "file system",
    "aws:fsx/openZfsVolume:OpenZfsVolume": "file system",
    "aws:fsx/backup:Backup": "backup",
    "aws:s3/filesFileSystem:FilesFileSystem": "file system",
    "aws:glacier/vault:Vault": "archive",
    "aws:glacier/vaultLock:VaultLock": "archive",
    "aws:msk/cluster:Cluster": "stream",
    "aws:msk/serverlessCluster:ServerlessCluster": "stream",
    "aws:keyspaces/keyspace:Keyspace": "database",
    "aws:keyspaces/table:Table": "database",
    "aws:timestreamwrite/database:Database": "database",
    "aws:timestreamwrite/table:Table": "database",
    "aws:timestreaminfluxdb/dbInstance:DbInstance": "database",
    "aws:lightsail/database:Database": "database",
    "aws:lightsail/disk:Disk": "volume",
    "aws:dax/cluster:Cluster": "cache",
    "aws:redshiftserverless/namespace:Namespace": "database",
    "aws:redshiftserverless/snapshot:Snapshot": "backup",
    "aws:dynamodb/tableItem:TableItem": "data",
    "aws:s3/bucketObject:BucketObject": "data",
    "aws:s3/bucketObjectv2:BucketObjectv2": "data",
    "aws:s3/objectCopy:ObjectCopy": "data",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket protection",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": "bucket protection",
    "aws:ssm/parameter:Parameter": "secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "secret",
    "aws:kms/keyPolicy:KeyPolicy": "encryption key",
    "aws:acmpca/certificateAuthority:CertificateAuthority": "certificate authority",
    "aws:glue/catalogDatabase:CatalogDatabase": "database",
    "aws:glue/catalogTable:CatalogTable": "database",
    "aws:codecommit/repository:Repository": "registry",
    "aws:mq/broker:Broker": "queue",
    # stacks: deleting one deletes everything inside it
    "aws:cloudformation/stack:Stack": "stack (deletes everything inside)",
    "aws:cloudformation/stackSet:StackSet": "stack (deletes everything inside)",
    "aws:cloudformation/stackInstances:StackInstances": "stack (deletes everything inside)",
    "aws:cloudformation/stackSetInstance:StackSetInstance": "stack (deletes everything inside)",
    # aws-native (CloudFormation-shaped tokens: aws-native:<service>:<Type>)
    "aws-native:rds:DbInstance": "database",
    "aws-native:rds:DbCluster": "database",
    "aws-native:rds:GlobalCluster": "database",
    "aws-native:neptune:DbCluster": "database",
    "aws-native:docdb:DbCluster": "database",
    "aws-native:docdbelastic:Cluster": "database",
    "aws-native:dynamodb:Table": "database",
    "aws-native:dynamodb:GlobalTable": "database",
    "aws-native:redshift:Cluster": "database",
    "aws-native:redshiftserverless:Namespace": "database",
    "aws-native:dsql:Cluster": "database",
    "aws-native:cassandra:Keyspace": "database",
    "aws-native:cassandra:Table": "database",
    "aws-native:timestream:Database": "database",
    "aws-native:timestream:Table": "database",
    "aws-native:memorydb:Cluster": "database",
    "aws-native:elasticache:ServerlessCache": "cache",
    "aws-native:opensearchservice:Domain": "search index",
    "aws-native:kinesis:Stream": "stream",
    "aws-native:msk:Cluster": "stream",
    "aws-native:msk:ServerlessCluster": "stream",
    "aws-native:sqs:Queue": "queue",
    "aws-native:s3:Bucket": "bucket",
    "aws-native:s3express:DirectoryBucket": "bucket",
    "aws-native:s3tables:TableBucket": "bucket",
    "aws-native:efs:FileSystem": "file system",
    "aws-native:ecr:Repository": "registry",
    "aws-native:kms:Key": "encryption key",
    "aws-native:kms:ReplicaKey": "encryption key",
    "aws-native:secretsmanager:Secret": "secret",
    "aws-native:ssm:Parameter": "secret",
    "aws-native:cognito:UserPool": "user directory",
    "aws-native:logs:LogGroup": "log",
    "aws-native:cloudtrail:Trail": "audit log",
    "aws-native:cloudtrail:EventDataStore": "audit log",
    "aws-native:backup:BackupVault": "backup",
    "aws-native:backup:BackupPlan": "backup",
    "aws-native:backup:BackupSelection": "backup",
    "aws-native:acmpca:CertificateAuthority": "certificate authority",
    "aws-native:cloudformation:Stack": "stack (deletes everything inside)",
    "aws-native:cloudformation:StackSet": "stack (deletes everything inside)",
}

# Families: a token of these providers and services whose type name says it holds data is stateful
# even when the list above does not name it (a new resource, another spelling): fail closed.
STATEFUL_FAMILIES: Mapping[str, str] = {
    "rds": "database", "docdb": "database", "docdbelastic": "database", "neptune": "database",
    "neptunegraph": "database", "dynamodb": "database", "redshift": "database",
    "redshiftserverless": "database", "dsql": "database", "keyspaces": "database",
    "cassandra": "database", "timestream": "database", "timestreamwrite": "database",
    "timestreaminfluxdb": "database", "memorydb": "database", "qldb": "database",
    "elasticache": "cache", "dax": "cache", "opensearch": "search index",
    "opensearchservice": "search index", "elasticsearch": "search index", "kinesis": "stream",
    "msk": "stream", "efs": "file system", "fsx": "file system", "glacier": "archive",
    "backup": "backup", "kms": "encryption key", "secretsmanager": "secret",
}
_HOLDS_DATA = re.compile(r"^(Db|DB)?(Instance|Cluster|GlobalCluster|Table|GlobalTable|Database|"
                         r"Keyspace|Namespace|Domain|Stream|FileSystem|[A-Za-z]*FileSystem|Volume|"
                         r"[A-Za-z]*Volume|Vault|BackupVault|Key|ReplicaKey|ExternalKey|Secret|"
                         r"Snapshot|[A-Za-z]*Snapshot|Backup|Ledger|ServerlessCache|ReplicationGroup|"
                         r"ServerlessCluster|Graph)$")


def _family(resource_type: str) -> Optional[str]:
    """aws:<service>/<module>:<Type> or aws-native:<service>:<Type> -> its family's category."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] not in ("aws", "aws-native"):
        return None
    service = parts[1].split("/", 1)[0].lower()
    if service in STATEFUL_FAMILIES and _HOLDS_DATA.match(parts[2]):
        return STATEFUL_FAMILIES[service]
    return None


def stateful_category(resource_type: str, extra_patterns: Sequence[str] = ()) -> Optional[str]:
    """The built-in category of a stateful type, 'configured' for a config match, else None."""
    if resource_type in STATEFUL_TYPES:
        return STATEFUL_TYPES[resource_type]
    family = _family(resource_type)
    if family:
        return family
    if any(fnmatch.fnmatchcase(resource_type, pattern) for pattern in extra_patterns):
        return "stateful (configured)"
    return None


# --- protection downgrades ---------------------------------------------------------------------

PROTECTION, HAZARD, RETENTION = "protection", "hazard", "retention"
_PROTECTIVE_STRINGS = {"active", "enabled", "true"}
_UNKNOWN = object()


@dataclass(frozen=True)
class Guard:
    """A resource input that keeps data safe; `kind` says which change lowers the protection."""

    path: str                # dotted input path
    kind: str                # PROTECTION: on protects; HAZARD: on destroys data; RETENTION: days
    default: Any = None      # the provider's value when the input is absent (None: not known)
    zero_means_forever: bool = False
    types: Tuple[str, ...] = ()   # only these types (empty: any type with this input)

    @property
    def label(self) -> str:
        return {PROTECTION: f"{self.path} turned off", HAZARD: f"{self.path} turned on",
                RETENTION: f"{self.path} cut"}[self.kind]


GUARDS: Tuple[Guard, ...] = (
    Guard("deletionProtection", PROTECTION, False),           # RDS, DocDB, Neptune, EKS, Cognito ("ACTIVE")
    Guard("deletionProtectionEnabled", PROTECTION, False),    # DynamoDB, DSQL, CloudWatch log group
    Guard("enableDeletionProtection", PROTECTION, False),     # ALB/NLB
    Guard("disableApiTermination", PROTECTION, False),        # EC2 instance
    Guard("terminationProtection", PROTECTION, False),        # EMR
    Guard("terminationProtectionEnabled", PROTECTION, True),  # CloudTrail event data store
    Guard("deleteProtection", PROTECTION, False),             # Network Firewall
    Guard("pointInTimeRecovery.enabled", PROTECTION, False),  # DynamoDB PITR
    Guard("versioningConfiguration.status", PROTECTION, None),  # S3 BucketVersioning "Enabled"
    Guard("skipFinalSnapshot", HAZARD, False),                # RDS, DocDB, Neptune, Redshift
    Guard("forceDestroy", HAZARD, False),                     # S3, backup vault, IAM, Route 53...
    Guard("forceDelete", HAZARD, False),                      # ECR repository
    Guard("deleteAutomatedBackups", HAZARD, True),            # RDS: default deletes them
    Guard("backupRetentionPeriod", RETENTION, None),
    Guard("recoveryWindowInDays", RETENTION, 30),             # Secrets Manager (0 = no recovery)
    Guard("deletionWindowInDays", RETENTION, 30),             # KMS
    Guard("snapshotRetentionLimit", RETENTION, 0),            # ElastiCache, MemoryDB
    Guard("automatedSnapshotRetentionPeriod", RETENTION, None),  # Redshift
    Guard("retentionInDays", RETENTION, 0, zero_means_forever=True),  # CloudWatch logs
    Guard("retentionPeriod", RETENTION, None),                # CloudTrail event data store
    Guard("messageRetentionSeconds", RETENTION, 345600,       # SQS (4 days by default)
          types=("aws:sqs/queue:Queue",)),
    Guard("messageRetentionPeriod", RETENTION, 345600, types=("aws-native:sqs:Queue",)),
    Guard("isEnabled", PROTECTION, True,                      # KMS: a disabled key decrypts nothing
          types=("aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey")),
    Guard("enabled", PROTECTION, True, types=("aws:kms/externalKey:ExternalKey",
                                              "aws:kms/replicaExternalKey:ReplicaExternalKey",
                                              "aws-native:kms:Key")),
    Guard("pendingWindowInDays", RETENTION, 30, types=("aws-native:kms:Key",)),
)


def _applies(guard: "Guard", resource_type: str) -> bool:
    return not guard.types or resource_type in guard.types


# --- protections that are computed from a whole block (rules, policies) -----------------------------
# Each gives a score where lower means less protection (days kept, 1/0 for "not locked out"), or
# _UNKNOWN, or None when the inputs do not set it. FOREVER: nothing expires.
FOREVER = float("inf")


def _days(value: Any) -> Any:
    if value is None:
        return None
    if _opaque(value) or isinstance(value, bool):
        return _UNKNOWN
    try:
        days = float(value)
    except (TypeError, ValueError, OverflowError):
        return _UNKNOWN
    return days if days == days else _UNKNOWN


def _min(values: Iterable[Any]) -> Any:
    result: Any = FOREVER
    for value in values:
        if value is _UNKNOWN:
            return _UNKNOWN
        if value is not None and value < result:
            result = value
    return result


def _blocks(value: Any) -> Any:
    """A list of rule blocks; _UNKNOWN when secret/unknown; None when absent."""
    if value is None:
        return None
    if _opaque(value) or not isinstance(value, list):
        return _UNKNOWN if _opaque(value) or not isinstance(value, (list, dict)) else [value]
    return value


def backup_rules_delete_after(inputs: Mapping[str, Any]) -> Any:
    """aws:backup/plan:Plan: the shortest `lifecycle.deleteAfter` of any rule or copy action."""
    rules = _blocks(inputs.get("rules"))
    if rules is None or rules is _UNKNOWN:
        return rules
    found = []
    for rule in rules:
        if not isinstance(rule, dict):
            return _UNKNOWN
        for holder in [rule] + [c for c in (rule.get("copyActions") or []) if isinstance(c, dict)]:
            lifecycle = holder.get("lifecycle")
            if _opaque(lifecycle):
                return _UNKNOWN
            if isinstance(lifecycle, list) and len(lifecycle) == 1:
                lifecycle = lifecycle[0]
            if isinstance(lifecycle, dict):
                found.append(_days(lifecycle.get("deleteAfter")))
    return _min(found)


def _applies_to_every_object(rule: Mapping[str, Any]) -> Any:
    if "prefix" in rule and rule["prefix"] not in (None, ""):
        return False
    flt = rule.get("filter")
    if _opaque(flt):
        return _UNKNOWN
    if isinstance(flt, list):
        flt = flt[0] if len(flt) == 1 else {}
    if not flt:
        return True
    if not isinstance(flt, dict):
        return _UNKNOWN
    return all(v in (None, "", {}, []) for v in flt.values())


def bucket_lifecycle_expiry(inputs: Mapping[str, Any]) -> Any:
    """S3 lifecycle: days until an enabled rule over every object expires current or old versions."""
    rules = _blocks(inputs.get("rules"))
    if rules is None or rules is _UNKNOWN:
        return rules
    found = []
    for rule in rules:
        if not isinstance(rule, dict):
            return _UNKNOWN
        status = rule.get("status", "Enabled")
        if _opaque(status):
            return _UNKNOWN
        if str(status).lower() != "enabled":
            continue
        every = _applies_to_every_object(rule)
        if every is _UNKNOWN:
            return _UNKNOWN
        if not every:
            continue
        for key, day_key in (("expiration", "days"), ("noncurrentVersionExpiration", "noncurrentDays")):
            block = rule.get(key)
            if _opaque(block):
                return _UNKNOWN
            if isinstance(block, list):
                block = block[0] if block else None
            if isinstance(block, dict):
                if block.get("date"):
                    found.append(0.0)
                found.append(_days(block.get(day_key)))
    return _min(found)


def _listify(value: Any) -> List[Any]:
    return value if isinstance(value, list) else [value]


def key_policy_open(inputs: Mapping[str, Any]) -> Any:
    """KMS key policy: 0 when a statement denies every action to everyone without a condition (the
    key is locked out: nobody, not even the account root, can use or fix it), else 1."""
    policy = inputs.get("policy", inputs.get("keyPolicy"))
    if policy is None:
        return None
    if _opaque(policy):
        return _UNKNOWN
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return _UNKNOWN
    if not isinstance(policy, dict):
        return _UNKNOWN
    for statement in _listify(policy.get("Statement") or []):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny" or statement.get("Condition"):
            continue
        principal = statement.get("Principal")
        everyone = principal == "*" or (isinstance(principal, dict) and any(
            "*" in _listify(v) for v in principal.values()))
        actions = _listify(statement.get("Action") or [])
        if everyone and any(a in ("*", "kms:*") for a in actions) and "*" in _listify(statement.get("Resource", "*")):
            return 0.0
    return 1.0


def object_lock_retention(inputs: Mapping[str, Any]) -> Any:
    """S3 Object Lock default retention in days (COMPLIANCE counted double: it cannot be bypassed)."""
    rule = inputs.get("rule")
    if rule is None:
        return None
    if isinstance(rule, list):
        rule = rule[0] if rule else {}
    if _opaque(rule) or not isinstance(rule, dict):
        return _UNKNOWN
    retention = rule.get("defaultRetention")
    if isinstance(retention, list):
        retention = retention[0] if retention else {}
    if _opaque(retention) or not isinstance(retention, dict):
        return _UNKNOWN
    days, years, mode = _days(retention.get("days")), _days(retention.get("years")), retention.get("mode")
    if _UNKNOWN in (days, years) or _opaque(mode):
        return _UNKNOWN
    total = (days or 0) + (years or 0) * 365
    return total * (2 if str(mode).upper() == "COMPLIANCE" else 1)


@dataclass(frozen=True)
class BlockGuard:
    name: str                  # what the downgrade is called in reasons and the digest
    label: str
    keys: Tuple[str, ...]      # the inputs it reads
    types: Tuple[str, ...]
    score: Any                 # inputs -> score (lower: less protection), _UNKNOWN or None

    def unsafe_alone(self, value: Any) -> bool:
        """In a saved plan (new values only): does this value alone lower protection?"""
        return value is _UNKNOWN or (value is not None and value < FOREVER and
                                     (self.name != "keyPolicy" or value == 0))


_LIFECYCLE_TYPES = ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
BLOCK_GUARDS: Tuple[BlockGuard, ...] = (
    BlockGuard("rules.lifecycle.deleteAfter", "backup retention (lifecycle deleteAfter) cut", ("rules",),
               ("aws:backup/plan:Plan",), backup_rules_delete_after),
    BlockGuard("rules.expiration", "a lifecycle rule expires every object (or its old versions) sooner",
               ("rules",), _LIFECYCLE_TYPES, bucket_lifecycle_expiry),
    BlockGuard("keyPolicy", "the key policy denies everyone (the key is locked out)", ("policy", "keyPolicy"),
               ("aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy", "aws:kms/replicaKey:ReplicaKey",
                "aws-native:kms:Key"), key_policy_open),
    BlockGuard("rule.defaultRetention", "object lock retention cut (or COMPLIANCE -> GOVERNANCE)", ("rule",),
               ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
                "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2"),
               object_lock_retention),
)


def _show_score(guard: BlockGuard, value: Any) -> Any:
    if value is _UNKNOWN:
        return "(unknown)"
    if value is None:
        return "(not set)"
    if guard.name == "keyPolicy":
        return "(locked out)" if value == 0 else "(open)"
    return "(never)" if value == FOREVER else value
# Defaults that differ by type.
_TYPE_DEFAULTS = {("aws:qldb/ledger:Ledger", "deletionProtection"): True}


def is_secret(value: Any) -> bool:
    """A secret as a resource record stores it: `"[secret]"` (preview) or the signature object
    {SECRET_SIG_KEY: SECRET_SIG_VALUE, "ciphertext" | "value": ...} (saved plans, state)."""
    return value == SECRET_VALUE or (isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG_VALUE)


def _opaque(value: Any) -> bool:
    return is_secret(value) or (isinstance(value, str) and value == UNKNOWN_VALUE)


def _get_path(record: Any, path: str) -> Any:
    value = record
    for part in path.split("."):
        if _opaque(value):
            return value  # the whole block is secret or unknown: so is the part
        if isinstance(value, list) and len(value) == 1:  # v6-style single-element blocks
            value = value[0]
        if _opaque(value):
            return value
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _state(guard: Guard, value: Any, resource_type: str) -> Any:
    """Normalize: True/False for flags, a number of days (inf = forever), _UNKNOWN, or None."""
    if value is None:
        value = _TYPE_DEFAULTS.get((resource_type, guard.path), guard.default)
        if value is None:
            return None
    if value is _UNKNOWN or _opaque(value):
        return _UNKNOWN
    if guard.kind == RETENTION:
        if isinstance(value, bool):
            return _UNKNOWN
        try:
            days = float(value)
        except (TypeError, ValueError, OverflowError):
            return _UNKNOWN
        if days != days:  # NaN (the reader refuses it; never judge it)
            return _UNKNOWN
        return float("inf") if guard.zero_means_forever and days == 0 else days
    if isinstance(value, str):
        return value.strip().lower() in _PROTECTIVE_STRINGS
    return bool(value)


def _lowers(guard: Guard, old: Any, new: Any) -> bool:
    """Does old -> new lower protection? Unknown on either side fails closed when it could."""
    if guard.kind == PROTECTION:
        return old is not False and new is not True and not (old is None and new is None) \
            and not (old is _UNKNOWN and new is _UNKNOWN)
    if guard.kind == HAZARD:
        return old is not True and new is not False and not (old is None and new is None) \
            and not (old is _UNKNOWN and new is _UNKNOWN)
    if old is None or (old is _UNKNOWN and new is _UNKNOWN):
        return False
    if old is _UNKNOWN or new is _UNKNOWN or new is None:
        return True
    return new < old


def _show(value: Any) -> Any:
    if is_secret(value):
        return "(secret)"
    if value is _UNKNOWN or (isinstance(value, str) and value == UNKNOWN_VALUE):
        return "(unknown)"
    if value is None:
        return "(provider default)"
    return value


@dataclass
class Downgrade:
    property: str
    change: str              # e.g. "deletionProtection turned off"
    old: Any
    new: Any

    def as_json(self) -> Dict[str, Any]:
        return {"property": self.property, "change": self.change, "old": self.old, "new": self.new}

    @property
    def text(self) -> str:
        return f"{self.change} ({_display(self.old)} -> {_display(self.new)})"


def _display(value: Any) -> str:
    # Markers like "(provider default)" read as prose; real values as JSON.
    if isinstance(value, str) and value.startswith("(") and value.endswith(")"):
        return value
    return json.dumps(value)


def _inputs(record: Optional[Mapping[str, Any]]) -> Mapping[str, Any]:
    if not record:
        return {}
    inputs = record.get("inputs")
    return inputs if isinstance(inputs, dict) else (record.get("outputs") or {})


def downgrades_in_preview(change: ResourceChange) -> List[Downgrade]:
    """Compare old and new records of a step that keeps (or recreates) the resource."""
    if change.old is None or change.new is None:
        return []
    found: List[Downgrade] = []
    if change.old.get("protect") and not change.new.get("protect"):
        found.append(Downgrade("protect", "protect turned off", True, False))
    old_inputs, new_inputs = _inputs(change.old), _inputs(change.new)
    for guard in GUARDS:
        if not _applies(guard, change.type):
            continue
        raw_old, raw_new = _get_path(old_inputs, guard.path), _get_path(new_inputs, guard.path)
        old, new = _state(guard, raw_old, change.type), _state(guard, raw_new, change.type)
        if _lowers(guard, old, new):
            found.append(Downgrade(guard.path, guard.label, _show(raw_old), _show(raw_new)))
    for block in BLOCK_GUARDS:
        if change.type not in block.types:
            continue
        old, new = block.score(old_inputs), block.score(new_inputs)
        if old is None and new is None:
            continue
        old = FOREVER if old is None else old
        new = FOREVER if new is None else new
        if (old is _UNKNOWN) != (new is _UNKNOWN) or (old is not _UNKNOWN and new < old):
            found.append(Downgrade(block.name, block.label, _show_score(block, old), _show_score(block, new)))
    return found


def downgrades_in_update_plan(change: ResourceChange) -> List[Downgrade]:
    """A saved plan records only what changes (inputDiff), not the old values: judge the new value.

    A flag that changed to the unsafe value was safe before. A retention value that changed is
    treated as cut, because the plan cannot show whether it went up or down.
    """
    diff = change.input_diff or {}
    updates = {**(diff.get("adds") or {}), **(diff.get("updates") or {})}
    updates.pop("__defaults", None)
    removed = set(diff.get("deletes") or [])
    found: List[Downgrade] = []
    for block in BLOCK_GUARDS:
        if change.type not in block.types or not any(k in updates or k in removed for k in block.keys):
            continue
        new = block.score(updates)
        if block.unsafe_alone(new):
            found.append(Downgrade(block.name, block.label, "(not recorded in a saved plan)",
                                   _show_score(block, new)))
    for guard in GUARDS:
        if not _applies(guard, change.type):
            continue
        top = guard.path.split(".", 1)[0]
        if top in updates:
            raw_new = _get_path(updates, guard.path)  # None: rewritten without it (default)
        elif top in removed:
            raw_new = None
        else:
            continue
        new = _state(guard, raw_new, change.type)
        unsafe = {PROTECTION: new is not True, HAZARD: new is not False,
                  RETENTION: True}[guard.kind]
        if unsafe and not (guard.kind != RETENTION and new is None):
            found.append(Downgrade(guard.path, guard.label, "(not recorded in a saved plan)",
                                   _show(raw_new)))
    return found


# --- the classification -------------------------------------------------------------------------

DELETE, REPLACE, DISCARD, UNKNOWN_OP, DOWNGRADE = "delete", "replace", "discard", "unknown-op", "downgrade"


_NEEDS_QUOTING = re.compile(r'[\x00-\x1f\x7f-\x9f\\"\u2028\u2029]')


def _digest_text(text: str) -> str:
    """One digest item per line, unambiguously: text with a newline, backslash, quote or control
    character is JSON-escaped (so it holds a backslash, which plain text never does); the rest,
    every real URN, is unchanged."""
    return json.dumps(text, ensure_ascii=False)[1:-1] if _NEEDS_QUOTING.search(text) else text


@dataclass
class Finding:
    """One resource whose change is destructive, with every reason, and whether it needs approval."""

    change: ResourceChange
    kind: str
    reasons: List[str]
    stateful: Optional[str]
    protected: Optional[bool]          # None: the plan format does not record it
    retain_on_delete: bool = False
    deleted_with: Optional[str] = None
    downgrades: List[Downgrade] = field(default_factory=list)
    unknown_ops: List[str] = field(default_factory=list)
    gated: bool = False

    @property
    def digest_lines(self) -> List[str]:
        """Format-independent identity of this change (the same for a preview and a saved plan)."""
        urn = _digest_text(self.change.urn)
        lines = [f"{self.kind} {urn}"] if self.kind != DOWNGRADE else []
        lines += [f"unknown-op {_digest_text(op)} {urn}" for op in sorted(self.unknown_ops)]
        lines += [f"downgrade {urn} {d.property}={json.dumps(d.new, sort_keys=True)}"
                  for d in self.downgrades]
        return lines

    def as_json(self) -> Dict[str, Any]:
        return {"urn": self.change.urn, "type": self.change.type, "name": self.change.name,
                "kind": self.kind, "ops": self.change.ops, "needsApproval": self.gated,
                "reasons": self.reasons, "stateful": self.stateful, "protected": self.protected,
                "retainOnDelete": self.retain_on_delete, "deletedWith": self.deleted_with,
                "replaceReasons": self.change.replace_reasons,
                "downgrades": [d.as_json() for d in self.downgrades]}


def protect_downgrade_in_update_plan(change: ResourceChange, state: Any) -> Optional[Downgrade]:
    """`protect` true in the stack's state, false in the saved plan's goal, on a resource the plan
    keeps (or replaces): the downgrade a saved plan alone cannot show."""
    if state is None or set(change.ops) & (DELETE_OPS | DISCARD_OPS) or not change.goal:
        return None
    if state.protected(change.urn) and not change.goal.get("protect"):
        return Downgrade("protect", "protect turned off", True, False)
    return None


def unprotect_unknowable(change: ResourceChange) -> bool:
    """Without state: could this saved-plan entry be hiding `protect` true -> false? (an existing
    resource the plan keeps whose goal says protect=false)."""
    ops = set(change.ops)
    if change.type == ROOT_STACK_TYPE or (change.type.startswith(PROVIDER_TYPE_PREFIX)
                                          and change.name.startswith("default")):
        return False  # neither the root stack nor a default provider can be given protect
    return bool(change.goal) and not change.goal.get("protect") and bool(ops) \
        and not ops <= NEW_OPS and not ops & (DELETE_OPS | DISCARD_OPS)


NEW_OPS = frozenset({"create", "import", "read", "read-replacement", "refresh"})


def classify(change: ResourceChange, plan_format: str, extra_stateful: Sequence[str] = (),
             state: Any = None) -> Optional[Finding]:
    """A Finding when the change is destructive in any way, else None. `state` (a saved plan's
    stack state, preflight.gate.state.StackState) only ever adds to what is found."""
    ops = set(change.ops)
    unknown = sorted(ops - KNOWN_OPS)
    downgrades = downgrades_in_preview(change) if plan_format == PREVIEW \
        else downgrades_in_update_plan(change) if ops & ({"update"} | REPLACE_OPS) else []
    if plan_format != PREVIEW:
        unprotect = protect_downgrade_in_update_plan(change, state)
        if unprotect:
            downgrades.insert(0, unprotect)
    if ops & DELETE_OPS:
        kind = DELETE
    elif ops & REPLACE_OPS:
        kind = REPLACE
    elif ops & DISCARD_OPS:
        kind = DISCARD
    elif unknown:
        kind = UNKNOWN_OP
    elif downgrades:
        kind = DOWNGRADE
    else:
        return None

    stateful = stateful_category(change.type, extra_stateful)
    old = change.old or {}
    if plan_format == PREVIEW:
        protected: Optional[bool] = bool(old.get("protect"))
        retained = bool(old.get("retainOnDelete"))
        deleted_with = old.get("deletedWith") or None
    elif state is not None:
        # Stricter only: protect and deletedWith add reasons; retainOnDelete never excuses a delete.
        protected, retained, deleted_with = state.protected(change.urn), False, state.deleted_with(change.urn)
    else:
        protected, retained, deleted_with = None, False, None
    reasons: List[str] = []
    if kind == DELETE:
        reasons.append("deleted" + (" (retainOnDelete: the cloud resource is kept, Pulumi "
                                    "stops managing it)" if retained else ""))
    elif kind == REPLACE:
        how = "delete-before-replace" if _delete_before_replace(change) else "replaced"
        why = f" because {', '.join(change.replace_reasons)} changed" if change.replace_reasons else ""
        reasons.append(f"{how}: the existing resource is destroyed{why}")
    elif kind == DISCARD:
        reasons.append("removed from Pulumi state (" + "/".join(sorted(ops & DISCARD_OPS)) + ")")
    if unknown:
        reasons.append(f"op{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} unknown to "
                       "Preflight: treated as destructive")
    reasons += [d.text for d in downgrades]
    if stateful:
        reasons.append(f"stateful type ({stateful})")
    if protected:
        reasons.append("the resource is protected (protect=True in state)")
    if deleted_with:
        reasons.append(f"deletedWith {deleted_with} does not excuse it: the data goes with it")
    if protected is None and kind in (DELETE, REPLACE):
        reasons.append("a saved plan does not record whether it was protected")
    return Finding(change=change, kind=kind, reasons=reasons, stateful=stateful, protected=protected,
                   retain_on_delete=retained, deleted_with=deleted_with, downgrades=downgrades,
                   unknown_ops=unknown)


def _delete_before_replace(change: ResourceChange) -> bool:
    goal = change.goal or {}
    if goal.get("deleteBeforeReplace"):
        return True
    ops = change.ops
    return "delete-replaced" in ops and "create-replacement" in ops \
        and ops.index("delete-replaced") < ops.index("create-replacement")


def needs_approval(finding: Finding) -> bool:
    """Stateful or protected data at risk, any downgrade, any unknown op.

    A plain retainOnDelete delete keeps the cloud resource, so it is reported but not gated;
    deletedWith never excuses anything.
    """
    if finding.unknown_ops or finding.downgrades:
        return True
    if finding.kind == DELETE and finding.retain_on_delete:
        return False
    return bool(finding.stateful or finding.protected)


def is_counted_resource(change: ResourceChange) -> bool:
    """Real cloud resources: not the root stack, providers or components."""
    return change.custom and change.type != ROOT_STACK_TYPE \
        and not change.type.startswith(PROVIDER_TYPE_PREFIX)


def classify_all(changes: Iterable[ResourceChange], plan_format: str,
                 extra_stateful: Sequence[str] = (), state: Any = None) -> List[Finding]:
    findings = []
    for change in changes:
        finding = classify(change, plan_format, extra_stateful, state)
        if finding:
            finding.gated = needs_approval(finding)
            findings.append(finding)
    return sorted(findings, key=lambda f: (not f.gated, f.change.urn))


# --- the generated reference in docs/gate.md ------------------------------------------------------

DOCS_BEGIN = "<!-- BEGIN STATEFUL TYPES (generated by `python -m preflight.gate.rules --update docs/gate.md`) -->"
DOCS_END = "<!-- END STATEFUL TYPES -->"


def stateful_markdown() -> str:
    by_category: Dict[str, List[str]] = {}
    for token, category in STATEFUL_TYPES.items():
        by_category.setdefault(category, []).append(token)
    lines = ["| category | type tokens (pulumi-aws 7.x and aws-native) |", "|---|---|"]
    for category in sorted(by_category):
        lines.append(f"| {category} | " + ", ".join(f"`{t}`" for t in sorted(by_category[category])) + " |")
    families = {}
    for service, category in STATEFUL_FAMILIES.items():
        families.setdefault(category, []).append(service)
    lines += ["", "Families: any other `aws:<service>/...:<Type>` or `aws-native:<service>:<Type>` token of "
              "these services whose type name holds data (`Instance`, `Cluster`, `Table`, `Database`, "
              "`Domain`, `Stream`, `*FileSystem`, `*Volume`, `Vault`, `Key`, `Secret`, `*Snapshot`, "
              "`Backup`, ...) is stateful too:", ""]
    lines += [f"- {category}: " + ", ".join(f"`{s}`" for s in sorted(services))
              for category, services in sorted(families.items())]
    lines += ["", f"{len(STATEFUL_TYPES)} tokens; the classification is fail-closed by family."]
    return "\n".join(lines) + "\n"


def update_docs(path: str) -> bool:
    """Rewrite the generated block of PATH; True when it changed."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start, end = text.index(DOCS_BEGIN) + len(DOCS_BEGIN), text.index(DOCS_END)
    new = text[:start] + "\n" + stateful_markdown() + text[end:]
    if new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return new != text


if __name__ == "__main__":  # python -m preflight.gate.rules --update docs/gate.md
    import sys
    if sys.argv[1:2] != ["--update"] or len(sys.argv) != 3:
        sys.exit("usage: python -m preflight.gate.rules --update docs/gate.md")
    print("updated" if update_docs(sys.argv[2]) else "up to date")
