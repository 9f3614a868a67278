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
}


def stateful_category(resource_type: str, extra_patterns: Sequence[str] = ()) -> Optional[str]:
    """The built-in category of a stateful type, 'configured' for a config match, else None."""
    if resource_type in STATEFUL_TYPES:
        return STATEFUL_TYPES[resource_type]
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
)
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
        raw_old, raw_new = _get_path(old_inputs, guard.path), _get_path(new_inputs, guard.path)
        old, new = _state(guard, raw_old, change.type), _state(guard, raw_new, change.type)
        if _lowers(guard, old, new):
            found.append(Downgrade(guard.path, guard.label, _show(raw_old), _show(raw_new)))
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
    for guard in GUARDS:
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


def classify(change: ResourceChange, plan_format: str, extra_stateful: Sequence[str] = ()) -> Optional[Finding]:
    """A Finding when the change is destructive in any way, else None."""
    ops = set(change.ops)
    unknown = sorted(ops - KNOWN_OPS)
    downgrades = downgrades_in_preview(change) if plan_format == PREVIEW \
        else downgrades_in_update_plan(change) if ops & ({"update"} | REPLACE_OPS) else []
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
                 extra_stateful: Sequence[str] = ()) -> List[Finding]:
    findings = []
    for change in changes:
        finding = classify(change, plan_format, extra_stateful)
        if finding:
            finding.gated = needs_approval(finding)
            findings.append(finding)
    return sorted(findings, key=lambda f: (not f.gated, f.change.urn))
