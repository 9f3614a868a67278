"""SecureBucket: an S3 bucket with every protection on, using pulumi-aws v7's split-out resources.

SSE-KMS with a bucket key, versioning, all four public-access-block settings, ACLs disabled
(BucketOwnerEnforced), a policy that denies non-TLS / TLS < 1.2 and uploads under another key,
server access logs to a separate bucket, lifecycle for noncurrent versions and aborted uploads,
and Object Lock only when asked for at creation.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, child, merge_tags, policy_document, require, token, validate_positive

OBJECT_LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")


@dataclass
class ObjectLock:
    """Object Lock default retention; only possible when the bucket is created."""
    mode: str = "GOVERNANCE"
    days: int = 365

    def __post_init__(self) -> None:
        require(self.mode in OBJECT_LOCK_MODES,
                f"ObjectLock.mode {self.mode!r} is not valid; use 'GOVERNANCE' or 'COMPLIANCE'")
        validate_positive(self.days, "ObjectLock.days", minimum=1, maximum=36500)


@dataclass
class SecureBucketArgs:
    """Inputs of SecureBucket. Every protection is on; turning one off takes a named argument."""
    kms_key_arn: pulumi.Input[str]
    """The customer managed key that encrypts every object (SSE-KMS with a bucket key)."""
    access_log_bucket: Optional[pulumi.Input[str]] = None
    """Name of the bucket that receives this bucket's server access logs. None: a companion
    '<name>-access-logs' SecureBucket is created (pass Environment's shared one to avoid that)."""
    access_logging: bool = True
    """Opt-out: False sends no server access logs (the policy pack flags it)."""
    receives_access_logs: bool = False
    """This bucket is an access-log target: its policy lets the S3 logging service write, scoped to the account."""
    bucket_name: Optional[str] = None
    """Exact bucket name; None lets Pulumi name it."""
    noncurrent_version_expiration_days: int = 90
    expiration_days: Optional[int] = None
    """Delete current objects after this many days (retention for log buckets); None keeps them."""
    abort_incomplete_upload_days: int = 7
    object_lock: Optional[ObjectLock] = None
    extra_policy_statements: Sequence[Any] = ()
    """More bucket policy statements (e.g. CloudTrail's write grant); the deny statements always stay.
    An entry is a statement (dict, may hold Outputs), a list of them, or a callable that receives the
    bucket's ARN (an Output) and returns either -- for statements that name the bucket itself."""
    deny_other_kms_keys: bool = True
    """Deny uploads that name another KMS key or another encryption type."""
    versioning: bool = True
    """Opt-out: False leaves versioning suspended (the policy pack flags it)."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(self.kms_key_arn is not None and self.kms_key_arn != "",
                "SecureBucketArgs.kms_key_arn is required; pass a KmsKey's arn (components.KmsKey)")
        validate_positive(self.noncurrent_version_expiration_days,
                          "SecureBucketArgs.noncurrent_version_expiration_days")
        validate_positive(self.abort_incomplete_upload_days, "SecureBucketArgs.abort_incomplete_upload_days")
        if self.expiration_days is not None:
            validate_positive(self.expiration_days, "SecureBucketArgs.expiration_days")
        if self.object_lock is not None:
            require(isinstance(self.object_lock, ObjectLock),
                    "SecureBucketArgs.object_lock must be an ObjectLock(mode=..., days=...)")
            require(not self.receives_access_logs,
                    "an Object Lock bucket cannot receive S3 server access logs; use a separate unlocked bucket "
                    "for access logs (receives_access_logs=True without object_lock)")
            require(self.versioning, "Object Lock needs versioning; remove versioning=False")
        if self.receives_access_logs:
            require(self.access_log_bucket is None,
                    "an access-log bucket should not log to another bucket; drop access_log_bucket and pass "
                    "access_logging=False for the log bucket itself")
        if self.bucket_name is not None:
            require(isinstance(self.bucket_name, str) and 3 <= len(self.bucket_name) <= 63
                    and self.bucket_name == self.bucket_name.lower(),
                    f"SecureBucketArgs.bucket_name {self.bucket_name!r} is not a valid S3 bucket name; use 3-63 "
                    f"lowercase letters, digits, dots and hyphens")


def tls_and_key_statements(bucket_arn: pulumi.Input[str], kms_key_arn: pulumi.Input[str],
                           deny_other_keys: bool) -> List[Any]:
    """The deny statements every SecureBucket carries."""
    def build(values: List[str]) -> List[dict]:
        arn, key = values
        both = [arn, f"{arn}/*"]
        stmts = [
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": both, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "DenyOutdatedTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": both, "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
        ]
        if deny_other_keys:
            stmts += [
                {"Sid": "DenyOtherEncryptionTypes", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                 "Resource": f"{arn}/*",
                 "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}},
                {"Sid": "DenyOtherKmsKeys", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                 "Resource": f"{arn}/*",
                 "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key}}},
            ]
        return stmts
    return [pulumi.Output.all(bucket_arn, kms_key_arn).apply(build)]


class SecureBucket(pulumi.ComponentResource):
    """An S3 bucket that is private, encrypted with your KMS key, versioned, TLS-only and access-logged."""
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("security.encryption", "infra.backups", "observability.logging", "compliance.data")
    bucket: aws.s3.Bucket
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    access_log_bucket_name: Optional[pulumi.Output[str]]

    def __init__(self, name: str, args: SecureBucketArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("storage", "SecureBucket"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        lock = args.object_lock
        self.bucket = aws.s3.Bucket(
            f"{name}-bucket", bucket=args.bucket_name, force_destroy=False,
            object_lock_enabled=True if lock else None, tags=merge_tags(args.tags),
            opts=child(self, protect=args.protect))
        bucket_id = self.bucket.id
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block", bucket=bucket_id, block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child(self))
        self.ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership", bucket=bucket_id, rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child(self))
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption", bucket=bucket_id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                 "kms_master_key_id": args.kms_key_arn},
                    "bucket_key_enabled": True}],
            opts=child(self))
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning", bucket=bucket_id,
            versioning_configuration={"status": "Enabled" if args.versioning else "Suspended"},
            opts=child(self))

        statements: List[Any] = tls_and_key_statements(self.bucket.arn, args.kms_key_arn, args.deny_other_kms_keys)
        if args.receives_access_logs:
            statements.append(pulumi.Output.all(self.bucket.arn, ctx.account_id).apply(lambda v: {
                "Sid": "AllowS3ServerAccessLogDelivery", "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                "Resource": f"{v[0]}/*", "Condition": {"StringEquals": {"aws:SourceAccount": v[1]}}}))
        statements.extend(extra(self.bucket.arn) if callable(extra) else extra
                          for extra in args.extra_policy_statements)
        flat = pulumi.Output.from_input(statements).apply(
            lambda items: [s for item in items for s in (item if isinstance(item, list) else [item])])
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy", bucket=bucket_id, policy=policy_document(flat),
            opts=child(self, depends_on=[self.public_access_block, self.ownership]))

        rules: List[dict] = [{
            "id": "expire-noncurrent-versions-and-abort-uploads", "status": "Enabled", "filter": {},
            "noncurrent_version_expiration": {"noncurrent_days": args.noncurrent_version_expiration_days},
            "abort_incomplete_multipart_upload": {"days_after_initiation": args.abort_incomplete_upload_days},
        }]
        if args.expiration_days is not None:
            rules.append({"id": "expire-current-objects", "status": "Enabled", "filter": {},
                          "expiration": {"days": args.expiration_days}})
        self.lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket_id, rules=rules, opts=child(self, depends_on=[self.versioning]))

        if lock:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock", bucket=bucket_id,
                rule={"default_retention": {"mode": lock.mode, "days": lock.days}},
                opts=child(self, depends_on=[self.versioning]))

        self.access_log_bucket_name = None
        if args.access_logging and not args.receives_access_logs:
            target = args.access_log_bucket
            if target is None:
                companion = SecureBucket(f"{name}-access-logs", SecureBucketArgs(
                    kms_key_arn=args.kms_key_arn, receives_access_logs=True, access_logging=False,
                    noncurrent_version_expiration_days=args.noncurrent_version_expiration_days,
                    protect=args.protect, tags=args.tags), opts=pulumi.ResourceOptions(parent=self))
                target = companion.name
            self.logging = aws.s3.BucketLogging(
                f"{name}-logging", bucket=bucket_id, target_bucket=target,
                target_prefix=f"{name}/",
                opts=child(self))
            self.access_log_bucket_name = pulumi.Output.from_input(target)

        self.name = self.bucket.bucket
        self.arn = self.bucket.arn
        self.register_outputs({"name": self.name, "arn": self.arn,
                               "access_log_bucket_name": self.access_log_bucket_name})

