"""S3 policies through the Analyzer protocol: v7 split-out resources, v7 inline objects, v6 inline lists."""
import json

import pytest

from tests.conftest import UNKNOWN_STRING_VALUE, link, res

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
VERSIONING_V2 = "aws:s3/bucketVersioningV2:BucketVersioningV2"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
LOGGING_V2 = "aws:s3/bucketLoggingV2:BucketLoggingV2"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LIFECYCLE_V2 = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
ACL = "aws:s3/bucketAcl:BucketAcl"
ACCESS_POINT = "aws:s3/accessPoint:AccessPoint"

TLS_ONLY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
GOOD_RULES = [{"id": "all", "status": "Enabled", "expiration": {"days": 365},
               "noncurrentVersionExpiration": {"noncurrentDays": 90},
               "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}}]


def split_stack(versioning="Enabled", ownership="BucketOwnerEnforced", policy=TLS_ONLY, logging=True,
                rules=GOOD_RULES, versioning_type=VERSIONING, logging_type=LOGGING, lifecycle_type=LIFECYCLE):
    """A v7 bucket with every setting as its own resource; None leaves a setting out."""
    bucket = res(BUCKET, "data", {"bucket": "data"})
    logs = res(BUCKET, "logs", {"bucket": "logs"})
    out = [bucket, logs]
    if versioning:
        out.append(link(res(versioning_type, "data-v", {"versioningConfiguration": {"status": versioning}}),
                        "bucket", bucket))
    if ownership:
        out.append(link(res(OWNERSHIP, "data-own", {"rule": {"objectOwnership": ownership}}), "bucket", bucket))
    if policy is not None:
        out.append(link(res(POLICY, "data-pol", {"policy": json.dumps(policy)}), "bucket", bucket))
    if logging:
        out.append(link(link(res(logging_type, "data-log", {"targetPrefix": "s3/"}), "bucket", bucket),
                        "targetBucket", logs))
    if rules is not None:
        out.append(link(res(lifecycle_type, "data-lc", {"rules": rules}), "bucket", bucket))
    return out


def blamed(result, policy):
    return sorted(d.urn.rsplit("::", 1)[1] for d in result.violations(policy))


S3_STACK_POLICIES = ["s3-bucket-versioning", "s3-bucket-ownership-enforced", "s3-bucket-tls-only",
                     "s3-bucket-access-logging", "s3-bucket-lifecycle", "s3-lifecycle-abort-incomplete-uploads",
                     "s3-versioned-bucket-expires-noncurrent"]


def test_split_out_bucket_passes_everything_on_the_data_bucket(pack):
    result = pack.analyze_stack(split_stack())
    for policy in S3_STACK_POLICIES:
        assert "data" not in blamed(result, policy), policy
    # The log bucket is exempt from logging (no endless chain) but not from the rest.
    assert "logs" not in blamed(result, "s3-bucket-access-logging")
    assert "logs" in blamed(result, "s3-bucket-versioning")


@pytest.mark.parametrize("policy,mutation,expected", [
    ("s3-bucket-versioning", {"versioning": None}, "not versioned"),
    ("s3-bucket-versioning", {"versioning": "Suspended"}, "not versioned"),
    ("s3-bucket-ownership-enforced", {"ownership": "BucketOwnerPreferred"}, "re-enables ACLs"),
    ("s3-bucket-ownership-enforced", {"ownership": "ObjectWriter"}, "ObjectWriter"),
    ("s3-bucket-tls-only", {"policy": None}, "plain-HTTP"),
    ("s3-bucket-tls-only", {"policy": {"Statement": [{**TLS_ONLY["Statement"][0], "Effect": "Allow"}]}}, "plain-HTTP"),
    ("s3-bucket-access-logging", {"logging": False}, "no server access logging"),
    ("s3-bucket-lifecycle", {"rules": None}, "no enabled lifecycle rule"),
    ("s3-bucket-lifecycle", {"rules": [{**GOOD_RULES[0], "status": "Disabled"}]}, "no enabled lifecycle rule"),
    ("s3-lifecycle-abort-incomplete-uploads", {"rules": [{"id": "x", "status": "Enabled", "expiration": {"days": 1}}]},
     "multipart"),
    ("s3-versioned-bucket-expires-noncurrent", {"rules": [{"id": "x", "status": "Enabled", "expiration": {"days": 1}}]},
     "never expires old versions"),
])
def test_split_out_mutations_fail(pack, policy, mutation, expected):
    [d] = [d for d in pack.analyze_stack(split_stack(**mutation)).violations(policy) if d.urn.endswith("::data")]
    assert expected in d.message


@pytest.mark.parametrize("kwargs", [
    {"versioning_type": VERSIONING_V2, "logging_type": LOGGING_V2, "lifecycle_type": LIFECYCLE_V2}])
def test_deprecated_v2_split_resources_count(pack, kwargs):
    result = pack.analyze_stack(split_stack(**kwargs))
    for policy in ("s3-bucket-versioning", "s3-bucket-access-logging", "s3-bucket-lifecycle"):
        assert "data" not in blamed(result, policy)


def test_versioning_unknown_in_preview_is_skipped(pack):
    resources = split_stack()
    resources[2]["props"]["versioningConfiguration"]["status"] = UNKNOWN_STRING_VALUE
    assert "data" not in blamed(pack.analyze_stack(resources), "s3-bucket-versioning")


V7_INLINE = {
    "versioning": {"enabled": True},
    "logging": {"targetBucket": "logs"},
    "policy": json.dumps(TLS_ONLY),
    "lifecycleRules": [{"enabled": True, "abortIncompleteMultipartUploadDays": 7,
                        "noncurrentVersionExpiration": {"days": 30}, "expiration": {"days": 365}}],
}
V6_INLINE = {
    "versionings": [{"enabled": True}],
    "loggings": [{"targetBucket": "logs"}],
    "policy": json.dumps(TLS_ONLY),
    "lifecycleRules": [{"enabled": True, "abortIncompleteMultipartUploadDays": 7,
                        "noncurrentVersionExpirations": [{"days": 30}]}],
}


@pytest.mark.parametrize("type_,props", [(BUCKET, V7_INLINE), (BUCKET_V2, V6_INLINE)])
@pytest.mark.parametrize("policy,dropped", [
    ("s3-bucket-versioning", ("versioning", "versionings")),
    ("s3-bucket-access-logging", ("logging", "loggings")),
    ("s3-bucket-tls-only", ("policy",)),
    ("s3-bucket-lifecycle", ("lifecycleRules",)),
    ("s3-lifecycle-abort-incomplete-uploads", ("lifecycleRules",)),
])
def test_inline_shapes(pack, type_, props, policy, dropped):
    assert not pack.analyze_stack([res(type_, "data", props)]).violations(policy)
    stripped = {k: v for k, v in props.items() if k not in dropped}
    assert blamed(pack.analyze_stack([res(type_, "data", stripped)]), policy) == ["data"]


@pytest.mark.parametrize("type_,props", [(BUCKET, V7_INLINE), (BUCKET_V2, V6_INLINE)])
def test_inline_noncurrent_expiration(pack, type_, props):
    assert not pack.analyze_stack([res(type_, "data", props)]).violations("s3-versioned-bucket-expires-noncurrent")
    no_noncurrent = {**props, "lifecycleRules": [{"enabled": True, "abortIncompleteMultipartUploadDays": 7}]}
    assert pack.analyze_stack([res(type_, "data", no_noncurrent)]).violations("s3-versioned-bucket-expires-noncurrent")
    # An unversioned bucket has no noncurrent versions to expire.
    unversioned = {k: v for k, v in no_noncurrent.items() if k not in ("versioning", "versionings")}
    assert not pack.analyze_stack([res(type_, "data", unversioned)]).violations("s3-versioned-bucket-expires-noncurrent")


def test_advisory_hygiene_never_blocks(pack):
    stack = split_stack(rules=[{"id": "x", "status": "Enabled", "expiration": {"days": 1}}])
    levels = {d.level for d in pack.analyze_stack(stack).violations("s3-lifecycle-abort-incomplete-uploads")}
    assert levels == {"advisory"}


PUBLIC = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::data/*"}]}
SCOPED = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::data/*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
                        TLS_ONLY["Statement"][0]]}


@pytest.mark.parametrize("type_", [POLICY, BUCKET])
def test_bucket_policy_not_public(pack, type_):
    assert not pack.analyze(type_, {"policy": json.dumps(SCOPED)}).violations("s3-bucket-policy-not-public")
    [d] = pack.analyze(type_, {"policy": PUBLIC}).violations("s3-bucket-policy-not-public")  # object form
    assert "s3:GetObject" in d.message
    assert not pack.analyze(type_, {"policy": UNKNOWN_STRING_VALUE}).violations("s3-bucket-policy-not-public")


@pytest.mark.parametrize("type_,good,bad", [
    (BUCKET, {"acl": "private"}, {"acl": "public-read"}),
    (BUCKET_V2, {"grants": [{"type": "CanonicalUser", "id": "abc", "permissions": ["FULL_CONTROL"]}]},
     {"grants": [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers", "permissions": ["READ"]}]}),
    (ACL, {"acl": "private"}, {"acl": "public-read-write"}),
    (ACL, {"accessControlPolicy": {"grants": [{"grantee": {"type": "CanonicalUser", "id": "x"}, "permission": "READ"}]}},
     {"accessControlPolicy": {"grants": [{"grantee": {
         "type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "permission": "READ"}]}}),
])
def test_no_public_acl(pack, type_, good, bad):
    assert not pack.analyze(type_, good).violations("s3-bucket-no-public-acl")
    assert pack.analyze(type_, bad).violations("s3-bucket-no-public-acl")


def test_access_point_public_access_block(pack):
    assert not pack.analyze(ACCESS_POINT, {"bucket": "data"}).violations("s3-access-point-public-access-block")
    bad = {"bucket": "data", "publicAccessBlockConfiguration": {"blockPublicPolicy": False}}
    [d] = pack.analyze(ACCESS_POINT, bad).violations("s3-access-point-public-access-block")
    assert "blockPublicPolicy" in d.message


@pytest.mark.parametrize("type_", [BUCKET, BUCKET_V2, "aws:s3/directoryBucket:DirectoryBucket"])
def test_no_force_destroy_in_prod_only(pack, dev_pack, type_):
    assert not pack.analyze(type_, {}).violations("s3-bucket-no-force-destroy")
    [d] = pack.analyze(type_, {"forceDestroy": True}).violations("s3-bucket-no-force-destroy")
    assert d.level == "mandatory"
    assert [d.level for d in dev_pack.analyze(type_, {"forceDestroy": True}).violations(
        "s3-bucket-no-force-destroy")] == ["advisory"]


def test_stack_policy_exemption(pack):
    config = {"s3-bucket-versioning": {"exemptions": [
        {"resource": "urn:pulumi:prod::app::aws:s3/bucket:Bucket::data", "reason": "scratch data, rebuilt nightly",
         "expires": "2999-01-01"}]}}
    with pack.configured(config):
        result = pack.analyze_stack(split_stack(versioning=None))
        assert "data" not in blamed(result, "s3-bucket-versioning")
        assert "scratch data" in result.not_applicable["s3-bucket-versioning"]


@pytest.mark.parametrize("type_,props", [(BUCKET, V7_INLINE), (BUCKET_V2, V6_INLINE)])
def test_inline_log_target_is_exempt_from_logging(pack, type_, props):
    logs = res(BUCKET, "log-bucket", {"bucket": "logs"})  # both inline shapes log into "logs"
    result = pack.analyze_stack([res(type_, "data", props), logs])
    assert "log-bucket" not in blamed(result, "s3-bucket-access-logging")
    # The same bucket is judged when nobody logs into it.
    assert "log-bucket" in blamed(pack.analyze_stack([logs]), "s3-bucket-access-logging")


# -- AWS's current defaults (April 2023: public access blocked, ACLs disabled; January 2023: SSE-S3) -----------
WEBSITE = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"


def test_bucket_nobody_gave_an_acl_is_not_told_it_honours_acls(pack):
    # New buckets default to BucketOwnerEnforced: no ownership control means ACLs are off.
    result = pack.analyze_stack(split_stack(ownership=None))
    assert "data" not in blamed(result, "s3-bucket-ownership-enforced")
    [d] = [d for d in pack.analyze_stack(split_stack(ownership="ObjectWriter")).violations(
        "s3-bucket-ownership-enforced") if d.urn.endswith("::data")]
    assert "April 2023" in d.message and "ObjectWriter" in d.message


def test_unencrypted_means_sse_s3_not_no_encryption(pack):
    [d] = [d for d in pack.analyze_stack(split_stack()).violations("s3-bucket-kms-encryption")
           if d.urn.endswith("::data")]
    assert "no server-side encryption" not in d.message
    assert "SSE-S3" in d.message and "January 5, 2023" in d.message and "KMS key you control" in d.message
    bucket = res(BUCKET, "aes", {"bucket": "aes"})
    aes = link(res(SSE, "aes-sse", {"rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]}),
               "bucket", bucket)
    [d] = pack.analyze_stack([bucket, aes]).violations("s3-bucket-kms-encryption")
    assert "AES256" in d.message and "None" not in d.message


def test_public_access_block_resource_that_omits_a_setting_turns_it_off(pack):
    [d] = pack.analyze(PAB, {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True}).violations(
        "s3-public-access-block-settings")
    assert "leaves restrict_public_buckets off (restrict_public_buckets not set: the provider sends a setting" \
        in d.message and "left out as False" in d.message
    assert "block_public_acls" not in d.message  # only the setting that is off is named
    [d] = pack.analyze(PAB, {"blockPublicAcls": False}).violations("s3-public-access-block-settings")
    assert "leaves block_public_acls, block_public_policy, ignore_public_acls, restrict_public_buckets off" in d.message
    assert "(block_public_policy, ignore_public_acls, restrict_public_buckets not set:" in d.message
    [d] = pack.analyze(PAB, {}).violations("s3-public-access-block-settings")
    assert "(none of them is set: the provider sends a setting that is left out as False" in d.message


@pytest.mark.parametrize("shape", ["split", "inline-v7", "inline-v6"])
def test_website_bucket_is_judged_as_a_website(pack, shape):
    if shape == "split":
        site = res(BUCKET, "site", {"bucket": "site"})
        stack = [site, link(res(WEBSITE, "site-web", {"indexDocument": {"suffix": "index.html"}}), "bucket", site)]
    elif shape == "inline-v7":
        site = res(BUCKET, "site", {"bucket": "site", "website": {"indexDocument": "index.html"}})
        stack = [site]
    else:
        site = res(BUCKET_V2, "site", {"bucket": "site", "websites": [{"indexDocument": "index.html"}]})
        stack = [site]
    result = pack.analyze_stack(stack)
    [d] = result.violations("s3-bucket-public-website")
    assert d.urn == site["urn"] and d.level == "mandatory" and "CloudFront" in d.message and "origin access" in d.message
    # Not asked for SSE-KMS (it breaks anonymous reads) nor for a TLS-only policy (website endpoints are HTTP).
    assert not result.violations("s3-bucket-kms-encryption")
    assert not result.violations("s3-bucket-tls-only")


def test_plain_bucket_is_not_a_website(pack):
    result = pack.analyze_stack([res(BUCKET, "plain", {"bucket": "plain", "website": {}})])
    assert not result.violations("s3-bucket-public-website")
    assert result.violations("s3-bucket-kms-encryption")
