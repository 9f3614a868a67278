"""The first policies, each proven through the Analyzer protocol: a passing and a failing case."""
import json

import pytest

from tests.conftest import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, link, res

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
TRAIL = "aws:cloudtrail/trail:Trail"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

GOOD_DB = {"storageEncrypted": True, "backupRetentionPeriod": 7, "deletionProtection": True}
ALL_ON = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}


@pytest.mark.parametrize("type_", [RDS, CLUSTER])
@pytest.mark.parametrize("policy,prop,bad", [
    ("rds-storage-encrypted", "storageEncrypted", False),
    ("rds-backup-retention", "backupRetentionPeriod", 1),
    ("rds-deletion-protection", "deletionProtection", False),
])
def test_rds_policies(pack, type_, policy, prop, bad):
    assert not pack.analyze(type_, GOOD_DB).violations(policy)
    failing = pack.analyze(type_, {**GOOD_DB, prop: bad}).violations(policy)
    assert len(failing) == 1 and failing[0].level == "mandatory"
    # Missing means the provider's default, which is the insecure one.
    missing = {k: v for k, v in GOOD_DB.items() if k != prop}
    assert pack.analyze(type_, missing).violations(policy)


def test_unknown_input_never_misfires(pack):
    result = pack.analyze(RDS, {**GOOD_DB, "storageEncrypted": UNKNOWN_BOOLEAN_VALUE})
    assert not result.violations("rds-storage-encrypted")
    assert "unknown during preview" in result.not_applicable["rds-storage-encrypted"]


def test_dev_is_advisory(dev_pack):
    failing = dev_pack.analyze(RDS, {**GOOD_DB, "storageEncrypted": False}).violations("rds-storage-encrypted")
    assert [d.level for d in failing] == ["advisory"]


def test_message_says_what_and_how(pack):
    [d] = pack.analyze(RDS, {**GOOD_DB, "storageEncrypted": False}, name="orders").violations("rds-storage-encrypted")
    title, detail = d.message.split("\n", 1)  # the SDK's wire shape: description, newline, message
    assert title == "RDS instances and Aurora clusters must encrypt storage"
    assert "'orders'" in detail and "storage_encrypted=True" in detail


def _bucket_stack(sse=None, pab=ALL_ON, sse_type=SSE, bucket_props=None):
    bucket = res(BUCKET, "data", bucket_props or {})
    resources = [bucket]
    if sse is not None:
        resources.append(link(res(sse_type, "data-sse", {"rules": [
            {"applyServerSideEncryptionByDefault": {"sseAlgorithm": sse, "kmsMasterKeyId": "arn:aws:kms:k"}}]}),
            "bucket", bucket))
    if pab is not None:
        resources.append(link(res(PAB, "data-pab", dict(pab)), "bucket", bucket))
    return resources


@pytest.mark.parametrize("sse_type", [SSE, SSE_V2])
def test_s3_kms_encryption_split_resource(pack, sse_type):
    assert not pack.analyze_stack(_bucket_stack("aws:kms", sse_type=sse_type)).violations("s3-bucket-kms-encryption")
    [d] = pack.analyze_stack(_bucket_stack("AES256", sse_type=sse_type)).violations("s3-bucket-kms-encryption")
    assert d.urn.endswith("::data") and "AES256" in d.message
    [d] = pack.analyze_stack(_bucket_stack(None)).violations("s3-bucket-kms-encryption")
    assert "is not encrypted with a KMS key you control (no encryption configured: S3 encrypts every new object " \
           "with S3-managed keys (SSE-S3)" in d.message and "since January 5, 2023" in d.message  # S3's default


def test_s3_kms_encryption_inline_v7_shape(pack):
    inline = {"serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms"}}}}
    assert not pack.analyze_stack(_bucket_stack(None, bucket_props=inline)).violations("s3-bucket-kms-encryption")


def test_s3_split_resource_linked_by_property_dependency_when_id_unknown(pack):
    resources = _bucket_stack("aws:kms")
    resources[1]["props"]["bucket"] = UNKNOWN_STRING_VALUE  # preview: the bucket's id is not known yet
    assert not pack.analyze_stack(resources).violations("s3-bucket-kms-encryption")


def test_s3_bucket_public_access_block(pack):
    assert not pack.analyze_stack(_bucket_stack("aws:kms")).violations("s3-bucket-public-access-block")
    # No block at all: AWS blocks public access on new buckets by default, so it is advice, not a failure.
    [d] = pack.analyze_stack(_bucket_stack("aws:kms", pab=None)).violations("s3-bucket-public-access-block")
    assert "no aws.s3.BucketPublicAccessBlock" in d.message and "since April 2023" in d.message
    assert d.level == "advisory" and d.severity == "low"
    # A block that turns a setting off is one finding, on the block itself (s3-public-access-block-settings).
    partial = {**ALL_ON, "restrictPublicBuckets": False}
    assert not pack.analyze_stack(_bucket_stack("aws:kms", pab=partial)).violations("s3-bucket-public-access-block")
    [d] = pack.analyze(PAB, partial).violations("s3-public-access-block-settings")
    assert "leaves restrict_public_buckets off" in d.message and d.level == "mandatory"


@pytest.mark.parametrize("type_", [PAB, ACCOUNT_PAB])
def test_public_access_block_settings(pack, type_):
    assert not pack.analyze(type_, ALL_ON).violations("s3-public-access-block-settings")
    [d] = pack.analyze(type_, {**ALL_ON, "blockPublicPolicy": False}).violations("s3-public-access-block-settings")
    assert "leaves block_public_policy off;" in d.message  # set to False: named, no default claimed


@pytest.mark.parametrize("type_,field", [
    ("aws:iam/policy:Policy", "policy"), ("aws:iam/rolePolicy:RolePolicy", "policy"),
])
def test_iam_no_wildcard_admin(pack, type_, field):
    scoped = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": "*"}]}
    assert not pack.analyze(type_, {field: json.dumps(scoped)}).violations("iam-no-wildcard-admin")
    assert pack.analyze(type_, {field: json.dumps(admin)}).violations("iam-no-wildcard-admin")
    assert not pack.analyze(type_, {field: UNKNOWN_STRING_VALUE}).violations("iam-no-wildcard-admin")


def test_iam_role_inline_policy(pack):
    admin = json.dumps({"Statement": {"Effect": "Allow", "Action": "*:*", "Resource": "*"}})
    role = {"assumeRolePolicy": "{}", "inlinePolicies": [{"name": "everything", "policy": admin}]}
    [d] = pack.analyze("aws:iam/role:Role", role).violations("iam-no-wildcard-admin")
    assert "everything" in d.message


def test_security_group_admin_ports(pack):
    ok = {"ingress": [{"fromPort": 443, "toPort": 443, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]},
                      {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["10.0.0.0/8"]}]}
    assert not pack.analyze(SG, ok).violations("security-group-no-world-admin-ports")
    bad = {"ingress": [{"fromPort": 20, "toPort": 3389, "protocol": "tcp", "ipv6CidrBlocks": ["::/0"]}]}
    [d] = pack.analyze(SG, bad).violations("security-group-no-world-admin-ports")
    assert "22 (SSH)" in d.message and "3389 (RDP)" in d.message
    # Every port open: one finding, the more specific all-ports one (it supersedes admin ports).
    every = {"ingress": [{"fromPort": 0, "toPort": 65535, "protocol": "tcp", "ipv6CidrBlocks": ["::/0"]}]}
    result = pack.analyze(SG, every)
    assert result.policies() >= {"security-group-no-world-all-ports"}
    assert not result.violations("security-group-no-world-admin-ports")
    assert "security-group-no-world-all-ports" in result.not_applicable["security-group-no-world-admin-ports"]
    rule = {"type": "ingress", "fromPort": 3389, "toPort": 3389, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}
    assert pack.analyze(SG_RULE, rule).violations("security-group-no-world-admin-ports")
    assert not pack.analyze(SG_RULE, {**rule, "type": "egress"}).violations("security-group-no-world-admin-ports")
    vpc_rule = {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0", "securityGroupId": "sg-1"}
    assert pack.analyze(INGRESS, vpc_rule).violations("security-group-no-world-admin-ports")
    assert not pack.analyze(INGRESS, {**vpc_rule, "cidrIpv4": "10.1.0.0/16"}).violations(
        "security-group-no-world-admin-ports")


@pytest.mark.parametrize("policy,prop", [
    ("cloudtrail-multi-region", "isMultiRegionTrail"), ("cloudtrail-log-file-validation", "enableLogFileValidation")])
def test_cloudtrail(pack, policy, prop):
    good = {"isMultiRegionTrail": True, "enableLogFileValidation": True, "s3BucketName": "trail"}
    assert not pack.analyze(TRAIL, good).violations(policy)
    assert pack.analyze(TRAIL, {**good, prop: False}).violations(policy)


def test_prod_data_stores_protected(pack, dev_pack):
    unprotected = [res(RDS, "db", GOOD_DB), res("aws:dynamodb/table:Table", "t", {})]
    result = pack.analyze_stack(unprotected)
    assert {d.urn.rsplit("::", 1)[1] for d in result.violations("prod-data-stores-protected")} == {"db", "t"}
    protected = [res(RDS, "db", GOOD_DB, protect=True), res("aws:dynamodb/table:Table", "t", {}, protect=True)]
    assert not pack.analyze_stack(protected).violations("prod-data-stores-protected")
    # Only production demands it.
    assert not dev_pack.analyze_stack(unprotected).violations("prod-data-stores-protected")
