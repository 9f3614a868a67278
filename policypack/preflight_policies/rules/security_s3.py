"""S3: encryption, public access blocks, versioning, ownership, TLS-only policy, access logging,
lifecycle, public ACLs and policies, force-destroy.

pulumi-aws v7 splits bucket settings into their own resources (BucketVersioning, BucketLogging...,
each with a deprecated ...V2 twin), while the deprecated inline inputs still work: singular objects
on aws.s3.Bucket (`versioning.enabled`) and plural lists on the v6-style aws.s3.BucketV2
(`versionings[].enabled`). Every stack policy here reads all three shapes together.
"""
from __future__ import annotations

from typing import Any, List

from .. import iamdoc
from .. import resource_policy as resource_policy_reader
from .. import tokens as T
from ..helpers import as_list, companion_policy, not_true, property_policy, short_type, snake_path
from ..model import ADVISORY_EVERYWHERE, PROD_ONLY, Report, resource_policy, stack_policy
from ..resource import UNKNOWN, Resource, Stack, is_unknown

_SECURE_BUCKET = "(components.SecureBucket does)"
S3_WEBSITE_CONFIGS = ("aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
                      "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2")


def serves_website(bucket: Resource) -> bool:
    """The bucket is configured as an S3 static website (inline `website`/`websites`, or a split-out
    BucketWebsiteConfiguration pointing at it). Unknown inputs do not make a website."""
    inline = bucket.peek("website")
    if isinstance(inline, dict) and any(not is_unknown(v) and v not in (None, "", [], {}) for v in inline.values()):
        return True
    if any(isinstance(w, dict) and w for w in as_list(bucket.peek("websites"))):
        return True
    stack = bucket.stack
    if stack is None:
        return False
    websites = stack.cached("s3-websites", lambda: {
        id(b) for conf in stack.of_type(*S3_WEBSITE_CONFIGS)
        for b in stack.referenced(conf, "bucket", *T.S3_BUCKETS)})
    return id(bucket) in websites


def _inline(bucket: Resource, v7_path: str, v6_list: str, v6_field: str) -> List[Any]:
    """An inline bucket setting in either shape: v7 singular object or v6 list of objects."""
    values = []
    v7 = bucket.peek(v7_path)
    if v7 is not None:
        values.append(v7)
    for item in as_list(bucket.peek(v6_list)):
        if isinstance(item, dict) and v6_field in item:
            values.append(item[v6_field])
    return values


# -- encryption and public access blocks -------------------------------------------------------
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
_SSE_S3_DEFAULT = ("S3 encrypts every new object with S3-managed keys (SSE-S3) when a bucket configures no "
                   "encryption, the default for all buckets since January 5, 2023, so no key policy limits who can "
                   "decrypt and no use of a key is logged")
_PAB_DEFAULT = ("S3 turns on all four Block Public Access settings and turns ACLs off for every bucket created since "
                "April 2023")
# The provider sends every setting of a BucketPublicAccessBlock / AccountPublicAccessBlock that is left out as false.
_PAB_SETTING_DEFAULT = ("the provider sends a setting that is left out as False, turning that protection off, while a "
                        "bucket with no block resource at all keeps S3's own default since April 2023: all four on")


@stack_policy(
    name="s3-bucket-kms-encryption",
    aws_default=_SSE_S3_DEFAULT,
    title="S3 buckets must be encrypted at rest with a KMS key you control",
    checklist="security.encryption", severity="medium",
    cross_references=("Checkov:CKV_AWS_145", "Prowler:s3_bucket_kms_encryption"),
    types=T.S3_BUCKETS + T.S3_SSE_CONFIGS,
    remediation="Add aws.s3.BucketServerSideEncryptionConfiguration(bucket=bucket.id, rules=[{"
                "'apply_server_side_encryption_by_default': {'sse_algorithm': 'aws:kms', "
                "'kms_master_key_id': key.arn}, 'bucket_key_enabled': True}]) "
                "(components.SecureBucket does this for you).",
)
def s3_bucket_kms_encryption(stack: Stack, report: Report) -> None:
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
            report(f"bucket '{bucket.name}' is not encrypted with a KMS key you control (no encryption configured: "
                   f"{_SSE_S3_DEFAULT}); add "
                   f"aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm 'aws:kms' and a KMS key "
                   f"(components.SecureBucket does)", bucket.urn)
        elif not all(a in _KMS_ALGORITHMS for a in algorithms):
            shown = ", ".join(sorted({str(a) for a in algorithms if a is not None}))
            report(f"bucket '{bucket.name}' is encrypted with {shown} (S3-managed keys), not with a KMS key you "
                   f"control; set sse_algorithm to 'aws:kms' with kms_master_key_id", bucket.urn)


@stack_policy(
    name="s3-bucket-public-access-block",
    aws_default=_PAB_DEFAULT,
    title="S3 buckets should pin their public access block in code (AWS blocks public access by default)",
    checklist="security.encryption", severity="low", levels=ADVISORY_EVERYWHERE,
    cross_references=("Checkov:CKV_AWS_53", "Prowler:s3_bucket_level_public_access_block"),
    types=T.S3_BUCKETS + (T.S3_PUBLIC_ACCESS_BLOCK,),
    remediation="Add aws.s3.BucketPublicAccessBlock(bucket=bucket.id, block_public_acls=True, "
                "block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True) "
                "(components.SecureBucket does this for you).",
)
def s3_bucket_public_access_block(stack: Stack, report: Report) -> None:
    # Only the absence is judged here; a block that turns a setting off is s3-public-access-block-settings'
    # finding on the block itself (one finding per cause).
    for bucket in stack.of_type(*T.S3_BUCKETS):
        if not stack.referencing(bucket, "bucket", T.S3_PUBLIC_ACCESS_BLOCK):
            report(f"bucket '{bucket.name}' has no aws.s3.BucketPublicAccessBlock ({_PAB_DEFAULT}), so it is not "
                   f"public today, but nothing in code keeps it so if someone turns them off; add one with all four "
                   f"True (components.SecureBucket does)",
                   bucket.urn)


@resource_policy(
    name="s3-public-access-block-settings",
    aws_default=_PAB_SETTING_DEFAULT,
    title="S3 public access blocks (bucket and account) must turn on all four settings",
    checklist="security.encryption", severity="critical",
    cross_references=("Checkov:CKV_AWS_54", "Prowler:s3_account_level_public_access_blocks"),
    types=(T.S3_PUBLIC_ACCESS_BLOCK, T.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK),
    remediation="Set block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets "
                "to True on aws.s3.BucketPublicAccessBlock / aws.s3.AccountPublicAccessBlock.",
)
def s3_public_access_block_settings(r: Resource, report: Report) -> None:
    # A setting left out of this resource is sent as false by the provider: unlike a bucket with no block at
    # all (AWS's default is all four on), a block resource that omits one turns that protection off.
    values = {f: r.peek(f) for f in _PAB_FLAGS}
    off = [f for f, v in values.items() if v is not True and v is not UNKNOWN]
    if off:
        shown = [snake_path(f) for f in off]
        omitted = [snake_path(f) for f in off if values[f] is None]
        which = "none of them is set" if len(omitted) == len(_PAB_FLAGS) else f"{', '.join(omitted)} not set"
        note = f" ({which}: {_PAB_SETTING_DEFAULT})" if omitted else ""
        report(f"{short_type(r.type)} '{r.name}' leaves {', '.join(shown)} off{note}; set all four to True")


# -- versioning -----------------------------------------------------------------------------------
def versioning_states(bucket: Resource, configs: List[Resource]) -> List[Any]:
    """True/False/UNKNOWN per versioning setting found for a bucket (inline and split-out)."""
    states = [v if is_unknown(v) else v is True
              for v in _inline(bucket, "versioning.enabled", "versionings", "enabled")]
    for conf in configs:
        status = conf.peek("versioningConfiguration.status")
        states.append(UNKNOWN if is_unknown(status) else status == "Enabled")
    return states


def _judge_versioning(bucket, configs):
    states = versioning_states(bucket, configs)
    if any(s is UNKNOWN for s in states):
        return UNKNOWN
    if not any(states):
        return (f"bucket '{bucket.name}' is not versioned, so an overwrite or delete loses data for good; add "
                f"aws.s3.BucketVersioning with versioning_configuration status 'Enabled' {_SECURE_BUCKET}")
    return None


s3_bucket_versioning = companion_policy(
    name="s3-bucket-versioning",
    title="S3 buckets must have versioning enabled",
    checklist=("infra.backups", "compliance.data"), severity="medium",
    cross_references=("Checkov:CKV_AWS_21", "Prowler:s3_bucket_object_versioning"),
    subjects=T.S3_BUCKETS, companions=T.S3_VERSIONING, link="bucket", judge=_judge_versioning,
    remediation="Add aws.s3.BucketVersioning(bucket=bucket.id, versioning_configuration={'status': 'Enabled'}) "
                "so that overwritten and deleted objects can be restored (components.SecureBucket does).",
)


# -- ownership controls ---------------------------------------------------------------------------
def _judge_ownership(bucket, controls):
    # Since April 2023 every new bucket has object ownership BucketOwnerEnforced (ACLs disabled) unless it is
    # set otherwise: a bucket with no ownership control has ACLs off. Only a control that re-enables them counts.
    owners = [c.peek("rule.objectOwnership") for c in controls]
    if any(is_unknown(o) for o in owners):
        return UNKNOWN
    weaker = sorted({str(o) for o in owners if o is not None and o != "BucketOwnerEnforced"})
    if weaker and "BucketOwnerEnforced" not in owners:
        return (f"bucket '{bucket.name}' re-enables ACLs with object ownership {', '.join(weaker)} (AWS's default "
                f"since April 2023 is BucketOwnerEnforced, ACLs off); set rule object_ownership "
                f"'BucketOwnerEnforced' or remove the aws.s3.BucketOwnershipControls {_SECURE_BUCKET}")
    return None


s3_bucket_ownership_enforced = companion_policy(
    name="s3-bucket-ownership-enforced",
    title="S3 buckets must not re-enable ACLs (object ownership other than BucketOwnerEnforced)",
    checklist=("security.encryption", "security.iam"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_65", "Prowler:s3_bucket_acl_prohibited"),
    subjects=T.S3_BUCKETS, companions=(T.S3_OWNERSHIP_CONTROLS,), link="bucket", judge=_judge_ownership,
    remediation="Set rule={'object_ownership': 'BucketOwnerEnforced'} on aws.s3.BucketOwnershipControls (or remove "
                "it: new buckets default to BucketOwnerEnforced since April 2023): ACLs are then ignored and access is "
                "decided by policies alone.",
)


# -- TLS-only bucket policy -----------------------------------------------------------------------
def _denies_insecure_transport(stmt: dict) -> bool:
    if stmt.get("Effect") != "Deny":
        return False
    condition = stmt.get("Condition") or {}
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if operator.lower() not in ("bool", "boolifexists") or not isinstance(tests, dict):
            continue
        for key, value in tests.items():
            if key.lower() == "aws:securetransport" and any(
                    str(v).lower() == "false" for v in as_list(value)):
                return True
    return False


def _bucket_policy_documents(bucket, policies) -> List[Any]:
    return [d for d in [bucket.peek("policy")] + [p.peek("policy") for p in policies] if d is not None]


def _judge_tls(bucket, policies):
    documents = _bucket_policy_documents(bucket, policies)
    if any(is_unknown(d) for d in documents):
        return UNKNOWN
    if not any(_denies_insecure_transport(s) for d in documents for s in iamdoc.known_statements(d)):
        return (f"bucket '{bucket.name}' accepts plain-HTTP requests; add an aws.s3.BucketPolicy statement "
                f"that denies s3:* when aws:SecureTransport is 'false' {_SECURE_BUCKET}")
    return None


s3_bucket_tls_only = companion_policy(
    name="s3-bucket-tls-only",
    title="S3 bucket policies must deny requests that do not use TLS",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_379", "Prowler:s3_bucket_secure_transport_policy"),
    subjects=T.S3_BUCKETS, companions=(T.S3_BUCKET_POLICY,), link="bucket", judge=_judge_tls,
    remediation="Attach aws.s3.BucketPolicy with {'Effect': 'Deny', 'Principal': '*', 'Action': 's3:*', "
                "'Resource': [bucket_arn, bucket_arn + '/*'], 'Condition': {'Bool': "
                "{'aws:SecureTransport': 'false'}}} (components.SecureBucket does).",
)


# -- public bucket policy -------------------------------------------------------------------------
@resource_policy(
    name="s3-bucket-policy-not-public",
    title="S3 bucket policies must not allow anyone on the internet without a condition",
    checklist=("security.iam", "security.encryption"), severity="critical",
    cross_references=("Prowler:s3_bucket_public_access",),
    types=(T.S3_BUCKET_POLICY,) + T.S3_BUCKETS,
    remediation="Replace \"Principal\": \"*\" with the account or role ARNs that need access, or add a "
                "Condition (aws:SourceVpce, aws:PrincipalOrgID, aws:SourceArn) that narrows it; serve public "
                "content through CloudFront with origin access control instead.",
)
def s3_bucket_policy_not_public(r: Resource, report: Report) -> None:
    grant = resource_policy_reader.first_public_grant(r.peek("policy"))
    if grant:
        report(f"{short_type(r.type)} '{r.name}' {grant.describe()}: anyone on the internet; name the principals "
               f"or add a condition on aws:SourceVpce, aws:PrincipalOrgID or aws:SourceArn")


# -- access logging -------------------------------------------------------------------------------
def _is_log_target(bucket: Resource) -> bool:
    """Buckets that receive other buckets' access logs do not log themselves (no endless chain)."""
    stack = bucket.stack
    if stack is None:
        return False
    return id(bucket) in stack.cached("s3-log-targets", lambda: _log_targets(stack))


def _log_targets(stack) -> set:
    """ids of the buckets that some other bucket (or a BucketLogging) sends access logs to: one pass."""
    targets = set()
    for conf in stack.of_type(*T.S3_LOGGING):
        targets.update(id(b) for b in stack.referenced(conf, "targetBucket", *T.S3_BUCKETS))
    buckets = stack.of_type(*T.S3_BUCKETS)
    senders: dict = {}
    for other in buckets:
        for t in _inline(other, "logging.targetBucket", "loggings", "targetBucket"):
            if isinstance(t, str):
                senders.setdefault(t, set()).add(id(other))
    for b in buckets:
        for key in (b.name, b.peek("bucket")):
            if isinstance(key, str) and senders.get(key, set()) - {id(b)}:
                targets.add(id(b))
    return targets


def _judge_logging(bucket, configs):
    targets = _inline(bucket, "logging.targetBucket", "loggings", "targetBucket")
    targets += [c.peek("targetBucket") for c in configs]
    if not [t for t in targets if t is not None]:
        return (f"bucket '{bucket.name}' has no server access logging, so nobody can tell who read or changed "
                f"its objects; add aws.s3.BucketLogging pointing at a log bucket {_SECURE_BUCKET}")
    return None


s3_bucket_access_logging = companion_policy(
    name="s3-bucket-access-logging",
    title="S3 buckets must write server access logs to a log bucket",
    checklist=("compliance.audit-logging", "observability.logging"), severity="medium",
    cross_references=("Checkov:CKV_AWS_18", "Prowler:s3_bucket_server_access_logging_enabled"),
    subjects=T.S3_BUCKETS, companions=T.S3_LOGGING, link="bucket", judge=_judge_logging,
    applies=lambda bucket: not _is_log_target(bucket),
    remediation="Add aws.s3.BucketLogging(bucket=bucket.id, target_bucket=log_bucket.id, "
                "target_prefix='s3/<bucket>/'); the log bucket itself is exempt from this rule.",
)


# -- lifecycle ------------------------------------------------------------------------------------
def lifecycle_rules(bucket: Resource, configs: List[Resource]) -> List[dict]:
    """Enabled lifecycle rules normalised to the split-out shape; UNKNOWN entries kept as UNKNOWN."""
    rules: List[Any] = []
    for rule in as_list(bucket.peek("lifecycleRules")):
        if not isinstance(rule, dict) or rule.get("enabled") is False:
            continue
        noncurrent = rule.get("noncurrentVersionExpiration") or {}
        noncurrent_days = noncurrent.get("days") if isinstance(noncurrent, dict) else None
        for item in as_list(rule.get("noncurrentVersionExpirations")):
            if isinstance(item, dict) and item.get("days") is not None:
                noncurrent_days = item.get("days")
        rules.append({"abortDays": rule.get("abortIncompleteMultipartUploadDays"),
                      "noncurrentDays": noncurrent_days})
    for conf in configs:
        conf_rules = conf.peek("rules")
        if is_unknown(conf_rules):
            rules.append(UNKNOWN)
            continue
        for rule in as_list(conf_rules):
            if not isinstance(rule, dict) or rule.get("status") == "Disabled":
                continue
            rules.append({
                "abortDays": (rule.get("abortIncompleteMultipartUpload") or {}).get("daysAfterInitiation"),
                "noncurrentDays": (rule.get("noncurrentVersionExpiration") or {}).get("noncurrentDays")})
    return rules


def _judge_lifecycle(bucket, configs):
    rules = lifecycle_rules(bucket, configs)
    if UNKNOWN in rules:
        return UNKNOWN
    if not rules:
        return (f"bucket '{bucket.name}' has no enabled lifecycle rule, so data is kept (and paid for) forever; "
                f"add aws.s3.BucketLifecycleConfiguration with the retention you documented")
    return None


s3_bucket_lifecycle = companion_policy(
    name="s3-bucket-lifecycle",
    title="S3 buckets must have an enabled lifecycle configuration (documented retention)",
    checklist=("compliance.data", "ai.cost"), severity="low",
    cross_references=("Checkov:CKV2_AWS_61", "Prowler:s3_bucket_lifecycle_enabled"),
    subjects=T.S3_BUCKETS, companions=T.S3_LIFECYCLE, link="bucket", judge=_judge_lifecycle,
    remediation="Add aws.s3.BucketLifecycleConfiguration(bucket=bucket.id, rules=[{'id': 'retention', "
                "'status': 'Enabled', 'noncurrent_version_expiration': {'noncurrent_days': N}, ...}]) matching the "
                "retention you document (expire current objects only in log, cache or tmp buckets).",
)


def _judge_abort_uploads(bucket, configs):
    rules = lifecycle_rules(bucket, configs)
    if UNKNOWN in rules:
        return UNKNOWN
    if not any(isinstance(r.get("abortDays"), int) for r in rules):
        return (f"bucket '{bucket.name}' keeps the parts of failed multipart uploads forever (billed, invisible); "
                f"add a lifecycle rule with abort_incomplete_multipart_upload days_after_initiation=7")
    return None


s3_lifecycle_abort_incomplete_uploads = companion_policy(
    name="s3-lifecycle-abort-incomplete-uploads",
    title="S3 lifecycle rules must abort incomplete multipart uploads",
    checklist=("ai.cost", "compliance.data"), severity="low", levels=ADVISORY_EVERYWHERE,
    cross_references=("Checkov:CKV_AWS_300",),
    subjects=T.S3_BUCKETS, companions=T.S3_LIFECYCLE, link="bucket", judge=_judge_abort_uploads,
    remediation="Add a rule {'id': 'abort-uploads', 'status': 'Enabled', 'filter': {}, "
                "'abort_incomplete_multipart_upload': {'days_after_initiation': 7}} to "
                "aws.s3.BucketLifecycleConfiguration.",
)


@stack_policy(
    name="s3-versioned-bucket-expires-noncurrent",
    title="Versioned S3 buckets must expire noncurrent object versions",
    checklist=("compliance.data", "ai.cost"), severity="low", levels=ADVISORY_EVERYWHERE,
    types=T.S3_BUCKETS + T.S3_VERSIONING + T.S3_LIFECYCLE,
    remediation="Add a rule with noncurrent_version_expiration={'noncurrent_days': 90} (your recovery window) to "
                "aws.s3.BucketLifecycleConfiguration, so deleted data really goes away after the documented time.",
)
def s3_versioned_bucket_expires_noncurrent(stack: Stack, report: Report) -> None:
    for bucket in stack.of_type(*T.S3_BUCKETS):
        states = versioning_states(bucket, stack.referencing(bucket, "bucket", *T.S3_VERSIONING))
        if UNKNOWN in states or not any(states):
            continue
        rules = lifecycle_rules(bucket, stack.referencing(bucket, "bucket", *T.S3_LIFECYCLE))
        if UNKNOWN in rules:
            continue
        if not any(isinstance(r.get("noncurrentDays"), int) for r in rules):
            report(f"bucket '{bucket.name}' is versioned but never expires old versions, so deleted data is kept "
                   f"(and billed) forever; add noncurrent_version_expiration to its lifecycle rules", bucket.urn)


# -- ACLs -----------------------------------------------------------------------------------------
_PUBLIC_CANNED = ("public-read", "public-read-write", "authenticated-read")
_PUBLIC_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


@resource_policy(
    name="s3-bucket-no-public-acl",
    title="S3 buckets must not grant access to everyone through ACLs",
    checklist=("security.iam", "security.encryption"), severity="critical",
    cross_references=("Checkov:CKV_AWS_20", "Checkov:CKV_AWS_57", "Prowler:s3_bucket_public_write_acl",
                      "Prowler:s3_bucket_public_list_acl"),
    types=T.S3_BUCKETS + T.S3_ACLS,
    remediation="Remove acl='public-read'/'public-read-write'/'authenticated-read' and grants to the AllUsers or "
                "AuthenticatedUsers groups; use aws.s3.BucketOwnershipControls with 'BucketOwnerEnforced' and "
                "CloudFront for public content.",
)
def s3_bucket_no_public_acl(r: Resource, report: Report) -> None:
    problems = []
    acl = r.peek("acl")
    if isinstance(acl, str) and acl in _PUBLIC_CANNED:
        problems.append(f"acl '{acl}'")
    uris = [g.get("uri") for g in as_list(r.peek("grants")) if isinstance(g, dict)]
    for grant in as_list(r.peek("accessControlPolicy.grants")):
        if isinstance(grant, dict):
            uris.append((grant.get("grantee") or {}).get("uri"))
    problems += [f"a grant to {u.rsplit('/', 1)[1]}" for u in uris if u in _PUBLIC_GROUPS]
    if problems:
        report(f"{short_type(r.type)} '{r.name}' makes objects public with {', '.join(problems)}; remove it and "
               f"disable ACLs (object_ownership 'BucketOwnerEnforced')")


@resource_policy(
    name="s3-access-point-public-access-block",
    title="S3 access points must keep all four public access block settings on",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_392", "Prowler:s3_access_point_public_access_block"),
    types=(T.S3_ACCESS_POINT,),
    remediation="Remove any False from public_access_block_configuration on aws.s3.AccessPoint (AWS turns all "
                "four settings on by default).",
)
def s3_access_point_public_access_block(r: Resource, report: Report) -> None:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    off = [f for f in flags if r.peek(f"publicAccessBlockConfiguration.{f}") is False]
    if off:
        report(f"access point '{r.name}' turns off {', '.join(off)}; leave all four on")


@stack_policy(
    name="s3-bucket-public-website",
    title="S3 buckets must not serve a public static website (use CloudFront with origin access control)",
    checklist=("security.api", "security.encryption"), severity="high",
    cross_references=("Prowler:s3_bucket_public_access",),
    types=T.S3_BUCKETS + S3_WEBSITE_CONFIGS,
    supersedes=("s3-bucket-tls-only",),
    remediation="Remove the website configuration, keep the bucket private (all four public access block settings "
                "on) and serve it through aws.cloudfront.Distribution with an aws.cloudfront.OriginAccessControl "
                "and a bucket policy that allows only cloudfront.amazonaws.com for that distribution (AWS:SourceArn); "
                "the bucket can then use SSE-KMS and deny non-TLS requests.",
)
def s3_bucket_public_website(stack: Stack, report: Report) -> None:
    for bucket in stack.of_type(*T.S3_BUCKETS):
        if serves_website(bucket):
            report(f"bucket '{bucket.name}' serves a public S3 website: public by design, so anyone can read every "
                   f"object it holds, over plain HTTP only (website endpoints have no TLS), and SSE-KMS would break "
                   f"anonymous reads; serve it through CloudFront with origin access control from a private bucket",
                   bucket.urn)


s3_bucket_no_force_destroy = property_policy(
    name="s3-bucket-no-force-destroy",
    title="Production S3 buckets must not set force_destroy",
    checklist=("infra.iac", "infra.backups"), severity="high", levels=PROD_ONLY,
    types=T.S3_FORCE_DESTROY_BUCKETS, path="forceDestroy", expect=not_true,
    message="{type} '{name}' sets force_destroy=True: deleting the resource silently deletes every object in it; "
            "remove force_destroy in prod",
    remediation="Remove force_destroy=True (or set it False) on aws.s3.Bucket in prod; S3 then refuses to delete a "
                "bucket that still holds data.",
)

POLICIES = [
    s3_bucket_kms_encryption,
    s3_bucket_public_access_block,
    s3_public_access_block_settings,
    s3_bucket_versioning,
    s3_bucket_ownership_enforced,
    s3_bucket_tls_only,
    s3_bucket_policy_not_public,
    s3_bucket_access_logging,
    s3_bucket_lifecycle,
    s3_lifecycle_abort_incomplete_uploads,
    s3_versioned_bucket_expires_noncurrent,
    s3_bucket_no_public_acl,
    s3_access_point_public_access_block,
    s3_bucket_no_force_destroy,
    s3_bucket_public_website,
]
