"""AccountBaseline: the account-wide controls and the Pulumi state backend for one AWS account.

Account S3 public access block, EBS encryption by default, IMDSv2 by default, an IAM password
policy (14/24/90), IAM Access Analyzer, GuardDuty, Security Hub (AWS FSBP + CIS 3.0 standards),
Macie, the SECURITY alternate contact, the access-log bucket every SecureBucket logs to, and the
Pulumi state bucket with the KMS key for the awskms:// secrets provider (both protected: this is
what "state locked, no manual changes" stands on).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, child, merge_tags, require, token, validate_name_prefix, validate_positive
from .kms import KmsKey, KmsKeyArgs
from .storage import SecureBucket, SecureBucketArgs

GUARDDUTY_FEATURES = ("S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS", "LAMBDA_NETWORK_LOGS")
# Security Hub standards (ARN suffix after 'arn:<partition>:securityhub:<region>::standards/').
SECURITY_HUB_STANDARDS = ("aws-foundational-security-best-practices/v/1.0.0",
                          "cis-aws-foundations-benchmark/v/3.0.0")


@dataclass
class SecurityContact:
    """Who AWS tells about abuse reports and security incidents in this account (not the root e-mail)."""
    name: str
    title: str
    email: str
    phone: str
    """International format, e.g. '+44 20 7946 0000'."""

    def __post_init__(self) -> None:
        require(isinstance(self.name, str) and self.name.strip() != "",
                "SecurityContact.name is empty; name the security team or person AWS should contact")
        require(isinstance(self.title, str) and self.title.strip() != "",
                "SecurityContact.title is empty; give a role such as 'Security team'")
        require(isinstance(self.email, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.email) is not None,
                f"SecurityContact.email {self.email!r} is not an e-mail address; use a monitored team address "
                f"such as 'security@example.com'")
        require(isinstance(self.phone, str) and re.match(r"^\+[0-9][0-9 ()-]{6,24}$", self.phone) is not None,
                f"SecurityContact.phone {self.phone!r} is not an international phone number; write it as "
                f"'+<country code> <number>', e.g. '+44 20 7946 0000'")


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
    security_contact: Optional[SecurityContact] = None
    """The SECURITY alternate contact; required unless security_contact_managed_elsewhere=True."""
    security_contact_managed_elsewhere: bool = False
    """Opt-out: the contact is set outside this stack (e.g. by the organization's management account)."""
    security_hub: bool = True
    """Opt-out: False enables no Security Hub (findings are not collected in one place; the pack flags it)."""
    security_hub_standards: Sequence[str] = SECURITY_HUB_STANDARDS
    macie: bool = True
    """Opt-out: False enables no Macie (nobody learns which buckets hold personal data; the pack flags it)."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_name_prefix(self.prefix, "AccountBaselineArgs.prefix")
        require(self.security_contact is not None or self.security_contact_managed_elsewhere,
                "AccountBaselineArgs.security_contact is missing; pass SecurityContact(name=..., title=..., "
                "email=..., phone=...) so AWS security notices reach a person, or "
                "security_contact_managed_elsewhere=True when another stack sets it")
        require(self.security_contact is None or isinstance(self.security_contact, SecurityContact),
                "AccountBaselineArgs.security_contact must be a SecurityContact(name=..., title=..., email=..., "
                "phone=...)")
        require(not (self.security_contact is not None and self.security_contact_managed_elsewhere),
                "AccountBaselineArgs has both security_contact and security_contact_managed_elsewhere=True; "
                "keep one")
        bad = [s for s in self.security_hub_standards if not re.match(r"^[a-z0-9-]+/v/[0-9.]+$", str(s))]
        require(not bad, f"AccountBaselineArgs.security_hub_standards has {bad}; use standard ids such as "
                         f"{SECURITY_HUB_STANDARDS[0]!r}")
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
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("infra.iac", "security.iam", "security.encryption", "compliance.incident-response", "compliance.data")
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
        self._security_services(name, args)

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

    def _security_services(self, name: str, args: AccountBaselineArgs) -> None:
        """Security Hub with explicit standards, Macie, and the SECURITY alternate contact."""
        self.security_hub = None
        if args.security_hub:
            ctx = AwsContext.lookup(self)
            # Explicit standards instead of the defaults (which include the outdated CIS 1.2.0).
            self.security_hub = aws.securityhub.Account(
                f"{name}-security-hub", enable_default_standards=False, auto_enable_controls=True,
                control_finding_generator="SECURITY_CONTROL", opts=child(self))
            for standard in args.security_hub_standards:
                aws.securityhub.StandardsSubscription(
                    f"{name}-security-hub-{standard.split('/')[0]}",
                    standards_arn=pulumi.Output.concat("arn:", ctx.partition, ":securityhub:", ctx.region,
                                                       "::standards/", standard),
                    opts=child(self, depends_on=[self.security_hub]))
        self.macie = None
        if args.macie:
            self.macie = aws.macie2.Account(f"{name}-macie", status="ENABLED",
                                            finding_publishing_frequency="FIFTEEN_MINUTES", opts=child(self))
        self.security_contact = None
        if args.security_contact is not None:
            contact = args.security_contact
            self.security_contact = aws.account.AlternativeContact(
                f"{name}-security-contact", alternate_contact_type="SECURITY", name=contact.name,
                title=contact.title, email_address=contact.email, phone_number=contact.phone, opts=child(self))
