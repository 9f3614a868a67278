"""AccountBaseline: the account-wide controls and the Pulumi state backend for one AWS account.

Account S3 public access block, EBS encryption by default, IMDSv2 by default, an IAM password
policy (14/24/90), IAM Access Analyzer, GuardDuty, the access-log bucket every SecureBucket logs
to, and the Pulumi state bucket with the KMS key for the awskms:// secrets provider (both
protected: this is what "state locked, no manual changes" stands on).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws

from ._base import child, merge_tags, require, token, validate_name_prefix, validate_positive
from .kms import KmsKey, KmsKeyArgs
from .storage import SecureBucket, SecureBucketArgs

GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS")


@dataclass
class AccountBaselineArgs:
    prefix: str
    """Name prefix for account-level resources, e.g. 'acme-prod'; the state bucket is '<prefix>-pulumi-state'."""
    state_bucket_name: Optional[str] = None
    """Exact state bucket name (globally unique); default '<prefix>-pulumi-state-<account id>' is not
    known at preview, so set it when you want a predictable `pulumi login s3://...` URL."""
    access_log_retention_days: int = 365
    password_min_length: int = 14
    password_reuse_prevention: int = 24
    password_max_age_days: int = 90
    imds_hop_limit: int = 1
    """1 keeps IMDS away from containers on the host; raise to 2 only for container hosts that need it."""
    guardduty_features: tuple = GUARDDUTY_FEATURES
    ebs_kms_key_arn: Optional[pulumi.Input[str]] = None
    """Customer managed key for default EBS encryption; None uses the AWS managed aws/ebs key."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_name_prefix(self.prefix, "AccountBaselineArgs.prefix")
        validate_positive(self.password_min_length, "AccountBaselineArgs.password_min_length", minimum=14,
                          maximum=128)
        validate_positive(self.password_reuse_prevention, "AccountBaselineArgs.password_reuse_prevention",
                          minimum=24, maximum=24)
        validate_positive(self.password_max_age_days, "AccountBaselineArgs.password_max_age_days", minimum=1,
                          maximum=90)
        validate_positive(self.imds_hop_limit, "AccountBaselineArgs.imds_hop_limit", minimum=1, maximum=2)
        validate_positive(self.access_log_retention_days, "AccountBaselineArgs.access_log_retention_days",
                          minimum=90)
        unknown = [f for f in self.guardduty_features if f not in GUARDDUTY_FEATURES + (
            "EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING")]
        require(not unknown, f"AccountBaselineArgs.guardduty_features has unknown feature(s) {unknown}; use "
                             f"GuardDuty feature names such as {', '.join(GUARDDUTY_FEATURES)}")


class AccountBaseline(pulumi.ComponentResource):
    """Account-wide guardrails plus the encrypted, versioned, protected Pulumi state backend."""
    state_bucket: SecureBucket
    state_key: KmsKey
    access_logs: SecureBucket
    backend_url: pulumi.Output[str]
    secrets_provider: pulumi.Output[str]

    def __init__(self, name: str, args: AccountBaselineArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("account", "AccountBaseline"), name, {}, opts)
        tags = merge_tags(args.tags)
        self.public_access_block = aws.s3.AccountPublicAccessBlock(
            f"{name}-s3-account-public-access-block", block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=child(self))
        self.ebs_encryption = aws.ebs.EncryptionByDefault(f"{name}-ebs-encryption-by-default", enabled=True,
                                                          opts=child(self))
        if args.ebs_kms_key_arn is not None:
            aws.ebs.DefaultKmsKey(f"{name}-ebs-default-key", key_arn=args.ebs_kms_key_arn, opts=child(self))
        self.imds_defaults = aws.ec2.InstanceMetadataDefaults(
            f"{name}-imdsv2-defaults", http_tokens="required", http_endpoint="enabled",
            http_put_response_hop_limit=args.imds_hop_limit, instance_metadata_tags="disabled", opts=child(self))
        self.password_policy = aws.iam.AccountPasswordPolicy(
            f"{name}-password-policy", minimum_password_length=args.password_min_length,
            password_reuse_prevention=args.password_reuse_prevention, max_password_age=args.password_max_age_days,
            require_lowercase_characters=True, require_uppercase_characters=True, require_numbers=True,
            require_symbols=True, allow_users_to_change_password=True, hard_expiry=False, opts=child(self))
        self.access_analyzer = aws.accessanalyzer.Analyzer(
            f"{name}-access-analyzer", analyzer_name=f"{args.prefix}-account", type="ACCOUNT", tags=tags,
            opts=child(self))
        self.guardduty = aws.guardduty.Detector(
            f"{name}-guardduty", enable=True, finding_publishing_frequency="FIFTEEN_MINUTES", tags=tags,
            opts=child(self))
        for feature in args.guardduty_features:
            aws.guardduty.DetectorFeature(f"{name}-guardduty-{feature.lower().replace('_', '-')}",
                                          detector_id=self.guardduty.id, name=feature, status="ENABLED",
                                          opts=child(self))

        self.state_key = KmsKey(f"{name}-state", KmsKeyArgs(
            description=f"{args.prefix}: Pulumi state and secrets provider (awskms://)",
            alias=f"{args.prefix}-pulumi-state", services=("s3-logging",), protect=args.protect, tags=tags),
            opts=pulumi.ResourceOptions(parent=self))
        self.access_logs = SecureBucket(f"{name}-access-logs", SecureBucketArgs(
            kms_key_arn=self.state_key.arn, receives_access_logs=True, access_logging=False,
            expiration_days=args.access_log_retention_days, protect=args.protect, tags=tags),
            opts=pulumi.ResourceOptions(parent=self))
        self.state_bucket = SecureBucket(f"{name}-state", SecureBucketArgs(
            kms_key_arn=self.state_key.arn, bucket_name=args.state_bucket_name,
            access_log_bucket=self.access_logs.name, noncurrent_version_expiration_days=365,
            protect=args.protect, tags=tags), opts=pulumi.ResourceOptions(parent=self))

        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        self.backend_url = pulumi.Output.concat("s3://", self.state_bucket.name, "?region=", region)
        self.secrets_provider = pulumi.Output.concat("awskms://", self.state_key.alias_name, "?region=", region)
        self.register_outputs({"backend_url": self.backend_url, "secrets_provider": self.secrets_provider,
                               "state_bucket": self.state_bucket.name,
                               "access_log_bucket": self.access_logs.name})
