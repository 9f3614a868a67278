"""Components on the mock engine: each child's security-relevant inputs, protection, parenting, and
validation errors for bad arguments."""
from __future__ import annotations

import json

import pytest

import components as c
from components.profiles import BackupRuleProfile
from .harness import ACCOUNT, build

KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/test"


def statements(policy_json: str) -> dict:
    return {s.get("Sid"): s for s in json.loads(policy_json)["Statement"]}


# -- KmsKey --------------------------------------------------------------------------------------
def test_kms_key_rotates_has_window_and_explicit_policy():
    run = build(lambda: c.KmsKey("data", c.KmsKeyArgs(description="data", alias="acme-data",
                                                      services=("logs", "cloudwatch"))))
    key = run.one("aws:kms/key:Key")
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert key.protect is True
    stmts = statements(key.inputs["policy"])
    admin = stmts["AccountAdministersKeyThroughIam"]
    assert admin["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert "kms:*" not in admin["Action"] and "*" not in admin["Action"]
    logs = stmts["AllowCloudWatchLogsForThisAccount"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]
    assert stmts["AllowCloudWatchAlarmsToPublish"]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert run.one("aws:kms/alias:Alias").inputs["name"] == "alias/acme-data"
    component = run.one("preflight:kms:KmsKey")
    assert {r.name for r in run.children_of(component.urn)} == {"data-key", "data-alias"}


@pytest.mark.parametrize("kwargs, message", [
    ({"deletion_window_in_days": 3}, "deletion_window_in_days"),
    ({"services": ("nope",)}, "unknown service"),
    ({"alias": "alias/x"}, "without the 'alias/' prefix"),
    ({"description": " "}, "description is empty"),
])
def test_kms_key_rejects_bad_args(kwargs, message):
    args = {"description": "d", **kwargs}
    with pytest.raises(ValueError, match=message):
        c.KmsKeyArgs(**args)


# -- SecureBucket --------------------------------------------------------------------------------
def test_secure_bucket_turns_every_protection_on():
    run = build(lambda: c.SecureBucket("data", c.SecureBucketArgs(kms_key_arn=KEY_ARN, access_log_bucket="logs")))
    bucket = run.one("aws:s3/bucket:Bucket")
    assert bucket.protect is True and bucket.inputs.get("forceDestroy") is False
    for deprecated in ("versioning", "serverSideEncryptionConfiguration", "logging", "policy", "lifecycleRules"):
        assert deprecated not in bucket.inputs
    sse = run.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    rule = sse.inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY_ARN}
    assert rule["bucketKeyEnabled"] is True
    pab = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(pab[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets"))
    assert run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"}
    assert run.one("aws:s3/bucketVersioning:BucketVersioning").inputs["versioningConfiguration"]["status"] == "Enabled"
    policy = statements(run.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    assert policy["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert policy["DenyOutdatedTls"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}
    assert policy["DenyOtherKmsKeys"]["Condition"]["StringNotEqualsIfExists"] == {
        "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}
    logging = run.one("aws:s3/bucketLogging:BucketLogging").inputs
    assert logging["targetBucket"] == "logs"
    rules = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert rules[0]["noncurrentVersionExpiration"] == {"noncurrentDays": 90}
    assert rules[0]["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert not run.of_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert len(run.of_type("aws:s3/bucket:Bucket")) == 1, "an explicit log bucket means no companion bucket"


def test_secure_bucket_creates_a_separate_log_bucket_and_object_lock_on_request():
    run = build(lambda: c.SecureBucket("vault", c.SecureBucketArgs(
        kms_key_arn=KEY_ARN, object_lock=c.ObjectLock(mode="COMPLIANCE", days=30))))
    buckets = {r.name: r for r in run.of_type("aws:s3/bucket:Bucket")}
    assert set(buckets) == {"vault-bucket", "vault-access-logs-bucket"}
    assert buckets["vault-bucket"].inputs["objectLockEnabled"] is True
    assert "objectLockEnabled" not in buckets["vault-access-logs-bucket"].inputs
    lock = run.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").inputs
    assert lock["rule"] == {"defaultRetention": {"mode": "COMPLIANCE", "days": 30}}
    log_policy = statements(run.one("aws:s3/bucketPolicy:BucketPolicy", "vault-access-logs").inputs["policy"])
    delivery = log_policy["AllowS3ServerAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    # The mock names an unnamed bucket '<resource name>-abc123', as AWS would give it a physical name.
    assert run.one("aws:s3/bucketLogging:BucketLogging").inputs["targetBucket"] == "vault-access-logs-bucket-abc123"


@pytest.mark.parametrize("kwargs, message", [
    ({"kms_key_arn": ""}, "kms_key_arn is required"),
    ({"object_lock": c.ObjectLock(), "receives_access_logs": True, "access_logging": False},
     "cannot receive S3 server access logs"),
    ({"bucket_name": "Bad_Name"}, "not a valid S3 bucket name"),
    ({"noncurrent_version_expiration_days": 0}, "noncurrent_version_expiration_days"),
])
def test_secure_bucket_rejects_bad_args(kwargs, message):
    with pytest.raises(ValueError, match=message):
        c.SecureBucketArgs(**{"kms_key_arn": KEY_ARN, **kwargs})


def test_object_lock_mode_is_validated():
    with pytest.raises(ValueError, match="GOVERNANCE"):
        c.ObjectLock(mode="forever")


# -- AccountBaseline -----------------------------------------------------------------------------
def test_account_baseline_controls_and_protected_state_backend():
    run = build(lambda: c.AccountBaseline("acct", c.AccountBaselineArgs(prefix="acme-prod",
                                                                         state_bucket_name="acme-prod-state")))
    pab = run.one("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock").inputs
    assert all(pab[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets"))
    assert run.one("aws:ebs/encryptionByDefault:EncryptionByDefault").inputs["enabled"] is True
    imds = run.one("aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults").inputs
    assert imds["httpTokens"] == "required" and imds["httpPutResponseHopLimit"] == 1
    pw = run.one("aws:iam/accountPasswordPolicy:AccountPasswordPolicy").inputs
    assert (pw["minimumPasswordLength"], pw["passwordReusePrevention"], pw["maxPasswordAge"]) == \
        (14, 24, 90)
    assert run.one("aws:accessanalyzer/analyzer:Analyzer").inputs["type"] == "ACCOUNT"
    assert run.one("aws:guardduty/detector:Detector").inputs["enable"] is True
    assert {r.inputs["name"] for r in run.of_type("aws:guardduty/detectorFeature:DetectorFeature")} >= {
        "S3_DATA_EVENTS", "EBS_MALWARE_PROTECTION"}
    state = run.one("aws:s3/bucket:Bucket", "acct-state-bucket")
    assert state.inputs["bucket"] == "acme-prod-state" and state.protect is True
    assert run.one("aws:kms/key:Key", "acct-state").protect is True
    assert run.one("aws:kms/alias:Alias").inputs["name"] == "alias/acme-prod-pulumi-state"
    assert run.one("aws:s3/bucketLogging:BucketLogging", "acct-state").inputs["targetBucket"] == \
        "acct-access-logs-bucket-abc123"


def test_account_baseline_rejects_weak_password_policy():
    with pytest.raises(ValueError, match="password_min_length"):
        c.AccountBaselineArgs(prefix="acme-prod", password_min_length=8)
    with pytest.raises(ValueError, match="name prefix"):
        c.AccountBaselineArgs(prefix="Acme Prod")


# -- Network -------------------------------------------------------------------------------------
def _network(**kwargs):
    args = {"cidr_block": "10.20.0.0/16", "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
            "flow_log_kms_key_arn": KEY_ARN, **kwargs}
    return lambda: c.Network("net", c.NetworkArgs(**args))


def test_network_is_private_logged_and_has_nat_per_az():
    run = build(_network(bedrock_runtime_endpoint=True))
    subnets = run.of_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 9 and all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 3
    sg = run.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs
    assert sg.get("ingress", []) == [] and sg.get("egress", []) == []
    flow = run.one("aws:ec2/flowLog:FlowLog").inputs
    assert flow["trafficType"] == "ALL" and flow["logDestinationType"] == "cloud-watch-logs"
    group = run.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["kmsKeyId"] == KEY_ARN and group["retentionInDays"] == 365
    endpoints = {r.inputs["serviceName"]: r.inputs for r in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert endpoints["com.amazonaws.eu-west-1.s3"]["vpcEndpointType"] == "Gateway"
    assert "com.amazonaws.eu-west-1.dynamodb" in endpoints
    assert endpoints["com.amazonaws.eu-west-1.bedrock-runtime"]["privateDnsEnabled"] is True
    routes = run.of_type("aws:ec2/route:Route")
    igw_routes = [r for r in routes if r.inputs.get("gatewayId")]
    assert len(igw_routes) == 1 and igw_routes[0].name == "net-public-default-route"
    trust = json.loads(run.one("aws:iam/role:Role").inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}


def test_network_dev_uses_one_nat():
    run = build(_network(nat_per_az=False, availability_zones=["eu-west-1a", "eu-west-1b"]))
    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 1
    nat_routes = [r for r in run.of_type("aws:ec2/route:Route") if r.inputs.get("natGatewayId")]
    assert len(nat_routes) == 2 and len({r.inputs["natGatewayId"] for r in nat_routes}) == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"cidr_block": "8.8.0.0/16"}, "private IPv4"),
    ({"cidr_block": "10.0.0.0/8"}, "/16 to /24"),
    ({"cidr_block": "nonsense"}, "not a CIDR"),
    ({"other_environment_cidrs": ["10.20.128.0/17"]}, "overlaps another environment"),
    ({"availability_zones": ["eu-west-1a"]}, "at least 2"),
    ({"availability_zones": ["eu-west-1a", "eu-west-1a"]}, "duplicates"),
])
def test_network_rejects_bad_args(kwargs, message):
    args = {"cidr_block": "10.20.0.0/16", "availability_zones": ["eu-west-1a", "eu-west-1b"],
            "flow_log_kms_key_arn": KEY_ARN, **kwargs}
    with pytest.raises(ValueError, match=message):
        c.NetworkArgs(**args)
