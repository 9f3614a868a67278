"""Security checklist: security.iam, security.secrets, security.encryption, security.api."""
from __future__ import annotations

from ..helpers import (as_list, ingress_covers, is_true, policy_statements, property_policy, short_type,
                       world_open_ingress)
from .. import iamdoc
from ..model import ADVISORY_EVERYWHERE, resource_policy, stack_policy
from ..resource import UNKNOWN, is_unknown
from .. import tokens as T
from .security_s3 import serves_website

_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
_PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _inline_sse_algorithms(bucket) -> list:
    """SSE algorithms set inline on a bucket: v7 Bucket (singular objects) or v6 BucketV2 (lists)."""
    found = []
    v7 = bucket.peek("serverSideEncryptionConfiguration.rule.applyServerSideEncryptionByDefault.sseAlgorithm")
    if v7 is not None:
        found.append(v7)
    for conf in as_list(bucket.peek("serverSideEncryptionConfigurations")):
        for rule in as_list(conf.get("rules") if isinstance(conf, dict) else None):
            for default in as_list(rule.get("applyServerSideEncryptionByDefaults") if isinstance(rule, dict) else None):
                if isinstance(default, dict):
                    found.append(default.get("sseAlgorithm"))
    return found


# Amazon S3 encrypts every new object with SSE-S3 (S3-managed keys) when no other encryption is configured,
# for all buckets since January 5, 2023: a bucket without configuration is encrypted, just not with a key
# whose policy you control and whose every use CloudTrail logs.
_SSE_S3_DEFAULT = ("S3 encrypts it with S3-managed keys (SSE-S3, the default for every bucket since January 5, "
                   "2023), not with a KMS key you control, so no key policy limits who can decrypt and key use is "
                   "not logged")


@stack_policy(
    name="s3-bucket-kms-encryption",
    title="S3 buckets must be encrypted at rest with a KMS key you control",
    checklist="security.encryption", severity="medium",
    frameworks=("AWS-FSBP:S3.17", "Checkov:CKV_AWS_145", "Prowler:s3_bucket_kms_encryption"),
    types=T.S3_BUCKETS + T.S3_SSE_CONFIGS,
    remediation="Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[{"
                "'apply_server_side_encryption_by_default': {'sse_algorithm': 'aws:kms', "
                "'kms_master_key_id': key.arn}, 'bucket_key_enabled': True}]) "
                "(components.SecureBucket does this for you).",
)
def s3_bucket_kms_encryption(stack, report):
    for bucket in stack.of_type(*T.S3_BUCKETS):
        if serves_website(bucket):
            continue  # SSE-KMS breaks anonymous website reads; s3-bucket-public-website judges the exposure
        algorithms = list(_inline_sse_algorithms(bucket))
        for conf in stack.referencing(bucket, "bucket", *T.S3_SSE_CONFIGS):
            for rule in as_list(conf.peek("rules")):
                if isinstance(rule, dict):
                    algorithms.append((rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm"))
        if any(is_unknown(a) for a in algorithms):
            continue  # judged again when known
        if not algorithms or all(a is None for a in algorithms):
            report(f"bucket '{bucket.name}' configures no encryption of its own, so {_SSE_S3_DEFAULT}; add "
                   f"aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm 'aws:kms' and a KMS key "
                   f"(components.SecureBucket does)", bucket.urn)
        elif not all(a in _KMS_ALGORITHMS for a in algorithms):
            shown = ", ".join(sorted({str(a) for a in algorithms if a is not None}))
            report(f"bucket '{bucket.name}' is encrypted with {shown} (S3-managed keys), not with a KMS key you "
                   f"control; set sse_algorithm to 'aws:kms' with kms_master_key_id", bucket.urn)


@stack_policy(
    name="s3-bucket-public-access-block",
    title="S3 buckets should pin their public access block in code (AWS blocks public access by default)",
    checklist="security.encryption", severity="low", levels=ADVISORY_EVERYWHERE,
    frameworks=("AWS-FSBP:S3.8", "Checkov:CKV_AWS_53", "Prowler:s3_bucket_level_public_access_block"),
    types=T.S3_BUCKETS + (T.S3_PUBLIC_ACCESS_BLOCK,),
    remediation="Add aws.s3.BucketPublicAccessBlock(bucket=bucket.id, block_public_acls=True, "
                "block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True) "
                "(components.SecureBucket does this for you).",
)
def s3_bucket_public_access_block(stack, report):
    # Only the absence is judged here; a block that turns a setting off is s3-public-access-block-settings'
    # finding on the block itself (one finding per cause).
    for bucket in stack.of_type(*T.S3_BUCKETS):
        if not stack.referencing(bucket, "bucket", T.S3_PUBLIC_ACCESS_BLOCK):
            report(f"bucket '{bucket.name}' has no aws.s3.BucketPublicAccessBlock: AWS turns all four settings on "
                   f"for every new bucket (since April 2023), so it is not public today, but nothing in code keeps "
                   f"it so if someone turns them off; add one with all four True (components.SecureBucket does)",
                   bucket.urn)


@resource_policy(
    name="s3-public-access-block-settings",
    title="S3 public access blocks (bucket and account) must turn on all four settings",
    checklist="security.encryption", severity="critical",
    frameworks=("CIS-AWS-3.0:2.1.4", "AWS-FSBP:S3.1", "Checkov:CKV_AWS_54",
                "Prowler:s3_account_level_public_access_blocks"),
    types=(T.S3_PUBLIC_ACCESS_BLOCK, T.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK),
    remediation="Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets "
                "to True on aws.s3.BucketPublicAccessBlock / aws.s3.AccountPublicAccessBlock.",
)
def s3_public_access_block_settings(r, report):
    # A setting left out of this resource is sent as false by the provider: unlike a bucket with no block at
    # all (AWS's default is all four on), a block resource that omits one turns that protection off.
    values = {f: r.peek(f) for f in _PAB_FLAGS}
    off = [f for f, v in values.items() if v is not True and v is not UNKNOWN]
    if off:
        omitted = [f for f in off if values[f] is None]
        note = (f" ({', '.join(omitted)} left out: the provider then sets it false, overriding AWS's default of on)"
                if omitted else "")
        report(f"{short_type(r.type)} '{r.name}' leaves {', '.join(off)} off{note}; set all four to True")


rds_storage_encrypted = property_policy(
    name="rds-storage-encrypted",
    title="RDS instances and Aurora clusters must encrypt storage",
    checklist="security.encryption", severity="high",
    frameworks=("CIS-AWS-3.0:2.3.1", "AWS-FSBP:RDS.3", "Checkov:CKV_AWS_16", "Prowler:rds_instance_storage_encrypted"),
    types=(T.RDS_INSTANCE, T.RDS_CLUSTER), path="storageEncrypted", expect=is_true,
    message="{type} '{name}' stores data unencrypted; set storage_encrypted=True with kms_key_id "
            "(components.Database does)",
    remediation="Set storage_encrypted=True and kms_key_id=key.arn on aws.rds.Instance / aws.rds.Cluster; "
                "an existing database must be restored from an encrypted snapshot copy.",
)


def _wildcard(value) -> bool:
    return any(v in ("*", "*:*") for v in as_list(value) if isinstance(v, str))


@resource_policy(
    name="iam-no-wildcard-admin",
    title="IAM policies must not allow every action on every resource",
    checklist=("security.iam", "ai.agents"), severity="critical",
    frameworks=("CIS-AWS-3.0:1.16", "AWS-FSBP:IAM.1", "Checkov:CKV_AWS_62",
                "Prowler:iam_customer_attached_policy_no_administrative_privileges"),
    types=T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,),
    remediation="Replace \"Action\": \"*\" with the specific actions the workload needs (e.g. "
                "\"s3:GetObject\") and \"Resource\": \"*\" with the ARNs it works on; build documents with "
                "aws.iam.get_policy_document_output.",
)
def iam_no_wildcard_admin(r, report):
    for where, document in iamdoc.documents(r):
        if is_unknown(document):
            continue
        for stmt in policy_statements(document):
            if stmt.get("Effect") != "Allow":
                continue
            if _wildcard(stmt.get("Action")) and _wildcard(stmt.get("Resource")):
                report(f"{short_type(r.type)} '{r.name}' {where} allows Action '*' on Resource '*' "
                       f"(full administrator); list the actions and resources it needs")


_ADMIN_PORTS = {22: "SSH", 3389: "RDP"}


@resource_policy(
    name="security-group-no-world-admin-ports",
    title="Security groups must not open SSH or RDP to the internet",
    checklist=("security.api", "infra.separation"), severity="critical",
    frameworks=("CIS-AWS-3.0:5.2", "AWS-FSBP:EC2.53", "Checkov:CKV_AWS_24",
                "Prowler:ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"),
    types=(T.SECURITY_GROUP, T.SECURITY_GROUP_RULE, T.VPC_INGRESS_RULE),
    remediation="Remove the 0.0.0.0/0 and ::/0 ingress on ports 22/3389; reach instances with SSM Session "
                "Manager (no inbound port) or allow only a known CIDR or a security group.",
)
def security_group_no_world_admin_ports(r, report):
    open_rules = world_open_ingress(r)
    ports = [p for p in sorted(_ADMIN_PORTS) if any(ingress_covers(rule, p) for rule in open_rules)]
    if ports:
        named = ", ".join(f"{p} ({_ADMIN_PORTS[p]})" for p in ports)
        report(f"{short_type(r.type)} '{r.name}' opens {named} to the internet; remove the world CIDR and use "
               f"SSM Session Manager or a known CIDR")


POLICIES = [
    s3_bucket_kms_encryption,
    s3_bucket_public_access_block,
    s3_public_access_block_settings,
    rds_storage_encrypted,
    iam_no_wildcard_admin,
    security_group_no_world_admin_ports,
]
