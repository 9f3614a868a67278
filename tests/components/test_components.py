"""Components on the mock engine: each child's security-relevant inputs, protection, parenting, and
validation errors for bad arguments."""
from __future__ import annotations

import json

import pytest

import components as c
from components.profiles import BackupRuleProfile
from .harness import ACCOUNT, build

KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/test"
CONTACT = c.SecurityContact(name="Acme security", title="Security operations", email="security@example.com",
                            phone="+44 20 7946 0000")


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
                                                                         state_bucket_name="acme-prod-state",
                                                                         security_contact=CONTACT)))
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


def test_account_baseline_enables_security_hub_macie_and_the_security_contact():
    run = build(lambda: c.AccountBaseline("acct", c.AccountBaselineArgs(prefix="acme-prod", security_contact=CONTACT)))
    hub = run.one("aws:securityhub/account:Account").inputs
    # Explicit standards instead of the defaults, which include the outdated CIS 1.2.0.
    assert hub["enableDefaultStandards"] is False and hub["autoEnableControls"] is True
    assert hub["controlFindingGenerator"] == "SECURITY_CONTROL"
    standards = {r.inputs["standardsArn"] for r in
                 run.of_type("aws:securityhub/standardsSubscription:StandardsSubscription")}
    assert standards == {"arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
                         "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0"}
    assert run.one("aws:macie2/account:Account").inputs["status"] == "ENABLED"
    contact = run.one("aws:account/alternativeContact:AlternativeContact").inputs
    assert contact == {"alternateContactType": "SECURITY", "name": "Acme security", "title": "Security operations",
                       "emailAddress": "security@example.com", "phoneNumber": "+44 20 7946 0000"}


def test_account_baseline_opt_outs_leave_the_services_out():
    run = build(lambda: c.AccountBaseline("acct", c.AccountBaselineArgs(
        prefix="acme-prod", security_contact_managed_elsewhere=True, security_hub=False, macie=False)))
    for absent in ("aws:securityhub/account:Account", "aws:securityhub/standardsSubscription:StandardsSubscription",
                   "aws:macie2/account:Account", "aws:account/alternativeContact:AlternativeContact"):
        assert run.of_type(absent) == [], absent
    assert run.one("aws:guardduty/detector:Detector").inputs["enable"] is True


@pytest.mark.parametrize("kwargs, message", [
    ({"password_min_length": 8}, "password_min_length"),
    ({"prefix": "Acme Prod"}, "name prefix"),
    ({"security_contact": None}, "security_contact is missing"),
    ({"security_contact_managed_elsewhere": True}, "keep one"),
    ({"security_hub_standards": ("cis",)}, "security_hub_standards"),
])
def test_account_baseline_rejects_bad_args(kwargs, message):
    with pytest.raises(ValueError, match=message):
        c.AccountBaselineArgs(**{"prefix": "acme-prod", "security_contact": CONTACT, **kwargs})


@pytest.mark.parametrize("kwargs, message", [
    ({"email": "security"}, "not an e-mail address"),
    ({"phone": "020 7946 0000"}, "international phone number"),
    ({"name": " "}, "name is empty"),
    ({"title": ""}, "title is empty"),
])
def test_security_contact_is_validated(kwargs, message):
    fields = {"name": "Sec", "title": "Security", "email": "security@example.com", "phone": "+1 555 0100", **kwargs}
    with pytest.raises(ValueError, match=message):
        c.SecurityContact(**fields)


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


def test_network_flow_logs_opt_out_drops_only_the_flow_logs():
    run = build(_network(flow_logs=False))
    for absent in ("aws:ec2/flowLog:FlowLog", "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role"):
        assert run.of_type(absent) == [], absent
    assert len(run.of_type("aws:ec2/subnet:Subnet")) == 9
    assert run.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")


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


# -- AuditTrail ----------------------------------------------------------------------------------
def test_audit_trail_is_multi_region_validated_encrypted_and_source_scoped():
    run = build(lambda: c.AuditTrail("audit", c.AuditTrailArgs(
        trail_name="acme-prod-audit", access_log_bucket="logs", alarm_topic_arn="arn:aws:sns:eu-west-1:1:t",
        runbook_url="https://runbooks.example.com")))
    trail = run.one("aws:cloudtrail/trail:Trail").inputs
    assert trail["isMultiRegionTrail"] is True and trail["includeGlobalServiceEvents"] is True
    assert trail["enableLogFileValidation"] is True and trail["enableLogging"] is True
    key = run.one("aws:kms/key:Key")
    assert trail["kmsKeyId"] == key.inputs.get("arn", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/audit-key-key-1234")
    assert trail["cloudWatchLogsGroupArn"].endswith(":*") and trail["cloudWatchLogsRoleArn"]
    trail_arn = f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/acme-prod-audit"
    key_stmts = statements(key.inputs["policy"])
    encrypt = key_stmts["AllowCloudTrailToEncryptForThisAccountsTrail"]
    assert encrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"}
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceArn": trail_arn}
    bucket_stmts = statements(run.one("aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    write = bucket_stmts["AllowCloudTrailWrite"]
    assert write["Condition"] == {"StringEquals": {"aws:SourceArn": trail_arn}}
    assert write["Resource"].endswith(f"/AWSLogs/{ACCOUNT}/*")
    assert "DenyInsecureTransport" in bucket_stmts
    lifecycle = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert any(r.get("expiration", {}).get("days") == 2557 for r in lifecycle)
    group = run.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert group["retentionInDays"] == 365 and group["kmsKeyId"]
    alarms = run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    assert len(alarms) == len(run.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")) >= 5
    assert all(a.inputs["alarmActions"] == ["arn:aws:sns:eu-west-1:1:t"] and "Runbook: https://" in
               a.inputs["alarmDescription"] for a in alarms)


def test_audit_trail_records_configuration_and_s3_data_events():
    data_arn = "arn:aws:s3:::acme-prod-data"
    run = build(lambda: c.AuditTrail("audit", c.AuditTrailArgs(
        trail_name="acme-prod-audit", access_log_bucket="logs", s3_data_event_bucket_arns=[data_arn])))
    selectors = run.one("aws:cloudtrail/trail:Trail").inputs["eventSelectors"]
    assert selectors == [{"readWriteType": "All", "includeManagementEvents": True,
                          "dataResources": [{"type": "AWS::S3::Object", "values": [data_arn + "/"]}]}]
    recorder = run.one("aws:cfg/recorder:Recorder")
    assert recorder.inputs["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": True}
    trail_bucket = run.one("aws:s3/bucket:Bucket", "audit-logs-bucket")
    key = run.one("aws:kms/key:Key")
    channel = run.one("aws:cfg/deliveryChannel:DeliveryChannel").inputs
    assert channel["s3BucketName"] == trail_bucket.inputs.get("bucket", "audit-logs-bucket-abc123")
    assert channel["s3KmsKeyArn"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/audit-key-key-1234"
    assert channel["s3KeyPrefix"] == "config"
    assert channel["snapshotDeliveryProperties"] == {"deliveryFrequency": "TwentyFour_Hours"}
    status = run.one("aws:cfg/recorderStatus:RecorderStatus").inputs
    assert status == {"name": "acme-prod-audit-config", "isEnabled": True}
    role = run.one("aws:iam/role:Role", "config-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "config.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert recorder.inputs["roleArn"].endswith("audit-config-role")
    assert run.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "config").inputs["policyArn"] == \
        "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
    delivery = statements(run.one("aws:iam/rolePolicy:RolePolicy", "config-delivery").inputs["policy"])
    assert delivery["DeliverConfigurationHistory"]["Resource"] == \
        f"arn:aws:s3:::audit-logs-bucket-abc123/config/AWSLogs/{ACCOUNT}/*"
    assert delivery["EncryptDeliveries"]["Resource"] == channel["s3KmsKeyArn"]
    assert key.protect is True


def test_audit_trail_opt_outs_drop_config_and_data_events():
    run = build(lambda: c.AuditTrail("audit", c.AuditTrailArgs(trail_name="acme-prod-audit", access_log_bucket="logs",
                                                              record_configuration=False)))
    assert run.of_type("aws:cfg/recorder:Recorder") == [] and run.of_type("aws:cfg/recorderStatus:RecorderStatus") == []
    assert run.one("aws:cloudtrail/trail:Trail").inputs["eventSelectors"] == [
        {"readWriteType": "All", "includeManagementEvents": True}]
    with pytest.raises(ValueError, match="config_snapshot_frequency"):
        c.AuditTrailArgs(trail_name="t-audit", access_log_bucket="logs", config_snapshot_frequency="daily")


def test_audit_trail_requires_runbook_with_alarms():
    with pytest.raises(ValueError, match="runbook_url"):
        c.AuditTrailArgs(trail_name="t-audit", access_log_bucket="logs", alarm_topic_arn="arn:aws:sns:x")
    with pytest.raises(ValueError, match="trail name"):
        c.AuditTrailArgs(trail_name="a b", access_log_bucket="logs")


# -- BackupPlan ----------------------------------------------------------------------------------
def test_backup_plan_locks_vault_tiers_rules_and_tests_restores():
    run = build(lambda: c.BackupPlan("backup", c.BackupPlanArgs(
        plan_name="acme-prod-backup", kms_key_arn=KEY_ARN, rules=c.PROD.backup_rules,
        vault_lock_mode="compliance", copy_to_vault_arn="arn:aws:backup:eu-central-1:1:backup-vault:dr",
        restore_test_resource_types=("RDS", "S3"))))
    vault = run.one("aws:backup/vault:Vault")
    assert vault.inputs["kmsKeyArn"] == KEY_ARN and vault.inputs["forceDestroy"] is False and vault.protect
    lock = run.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration").inputs
    assert lock["changeableForDays"] == 3 and lock["maxRetentionDays"] == 730 and lock["minRetentionDays"] == 7
    rules = {r["ruleName"]: r for r in run.one("aws:backup/plan:Plan").inputs["rules"]}
    assert set(rules) == {"daily", "weekly", "monthly"}
    assert rules["daily"]["enableContinuousBackup"] is True
    assert rules["monthly"]["lifecycle"] == {"coldStorageAfter": 90, "deleteAfter": 730}
    assert all(r["copyActions"][0]["destinationVaultArn"].startswith("arn:aws:backup:eu-central-1")
               for r in rules.values())
    selection = run.one("aws:backup/selection:Selection").inputs
    assert selection["selectionTags"] == [{"type": "STRINGEQUALS", "key": "preflight:backup",
                                           "value": "acme-prod-backup"}]
    testing = run.one("aws:backup/restoreTestingPlan:RestoreTestingPlan").inputs
    assert testing["scheduleExpression"] == "cron(0 6 ? * SUN *)"
    assert testing["recoveryPointSelection"]["algorithm"] == "LATEST_WITHIN_WINDOW"
    assert {s.inputs["protectedResourceType"] for s in
            run.of_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")} == {"RDS", "S3"}


def test_backup_plan_governance_lock_in_dev():
    run = build(lambda: c.BackupPlan("backup", c.BackupPlanArgs(
        plan_name="acme-dev-backup", kms_key_arn=KEY_ARN, rules=c.DEV.backup_rules, vault_lock_mode="governance",
        protect=False)))
    assert "changeableForDays" not in run.one("aws:backup/vaultLockConfiguration:VaultLockConfiguration").inputs
    assert run.one("aws:backup/vault:Vault").protect is False


@pytest.mark.parametrize("rules, message", [
    ((BackupRuleProfile("m", "cron(0 5 1 * ? *)", delete_after_days=100, cold_storage_after_days=30),),
     r"set delete_after_days >= 120"),
    ((), "rules is empty"),
    ((BackupRuleProfile("d", "daily", delete_after_days=7),), "cron"),
    ((BackupRuleProfile("d", "cron(0 5 ? * * *)", delete_after_days=60, continuous=True),), "continuous"),
])
def test_backup_plan_rejects_bad_rules(rules, message):
    with pytest.raises(ValueError, match=message):
        c.BackupPlanArgs(plan_name="p1", kms_key_arn=KEY_ARN, rules=rules)


# -- Database ------------------------------------------------------------------------------------
def _db(**kwargs):
    args = {"identifier": "acme-prod-db", "vpc_id": "vpc-1", "subnet_ids": ["s1", "s2"], "kms_key_arn": KEY_ARN,
            "backup_plan_tag": "acme-prod-backup", "allowed_cidrs": ["10.20.64.0/20"], **kwargs}
    return lambda: c.Database("db", c.DatabaseArgs(**args))


def test_database_is_encrypted_private_managed_and_protected():
    run = build(_db())
    db = run.one("aws:rds/instance:Instance")
    i = db.inputs
    assert db.protect is True
    assert i["storageEncrypted"] is True and i["kmsKeyId"] == KEY_ARN
    assert i["manageMasterUserPassword"] is True and "password" not in i
    assert i["iamDatabaseAuthenticationEnabled"] is True and i["publiclyAccessible"] is False
    assert i["multiAz"] is True and i["deletionProtection"] is True and i["skipFinalSnapshot"] is False
    assert i["finalSnapshotIdentifier"] == "acme-prod-db-final" and i["copyTagsToSnapshot"] is True
    assert i["backupRetentionPeriod"] == 14 and i["deleteAutomatedBackups"] is False
    assert i["tags"]["preflight:backup"] == "acme-prod-backup"
    assert i["performanceInsightsKmsKeyId"] == KEY_ARN
    params = {p["name"]: p["value"] for p in run.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    assert params["rds.force_ssl"] == "1"
    sg = run.one("aws:ec2/securityGroup:SecurityGroup").inputs
    assert [r["cidrBlocks"] for r in sg["ingress"]] == [["10.20.64.0/20"]] and sg["egress"] == []
    groups = run.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert {g.inputs["name"] for g in groups} == {"/aws/rds/instance/acme-prod-db/postgresql",
                                                  "/aws/rds/instance/acme-prod-db/upgrade"}


@pytest.mark.parametrize("kwargs, message", [
    ({"allowed_cidrs": ["0.0.0.0/0"]}, "not private"),
    ({"allowed_cidrs": []}, "at least one allowed source"),
    ({"identifier": "Bad_DB"}, "identifier"),
    ({"subnet_ids": ["s1"]}, "two AZs"),
    ({"backup_retention_days": 1}, "backup_retention_days"),
    ({"master_username": "postgres"}, "well-known"),
])
def test_database_rejects_bad_args(kwargs, message):
    args = {"identifier": "acme-db", "vpc_id": "vpc-1", "subnet_ids": ["s1", "s2"], "kms_key_arn": KEY_ARN,
            "allowed_cidrs": ["10.0.0.0/24"], **kwargs}
    with pytest.raises(ValueError, match=message):
        c.DatabaseArgs(**args)


# -- Secret --------------------------------------------------------------------------------------
def test_secret_is_encrypted_and_rotated():
    import pulumi
    run = build(lambda: c.Secret("api", c.SecretArgs(
        secret_name="prod/app/api", kms_key_arn=KEY_ARN, description="partner API token",
        rotation_lambda_arn="arn:aws:lambda:eu-west-1:1:function:rotate", secret_string=pulumi.Output.secret("x"))))
    secret = run.one("aws:secretsmanager/secret:Secret")
    assert secret.inputs["kmsKeyId"] == KEY_ARN and secret.inputs["recoveryWindowInDays"] == 30 and secret.protect
    rotation = run.one("aws:secretsmanager/secretRotation:SecretRotation").inputs
    assert rotation["rotationRules"] == {"automaticallyAfterDays": 30}


def test_secret_refuses_plain_values_and_silent_no_rotation():
    with pytest.raises(ValueError, match="plain string"):
        c.SecretArgs(secret_name="s", kms_key_arn=KEY_ARN, description="d", no_rotation_reason="vendor",
                     secret_string="hunter2")
    with pytest.raises(ValueError, match="no rotation"):
        c.SecretArgs(secret_name="s", kms_key_arn=KEY_ARN, description="d")


# -- Alerting and CostGuard ----------------------------------------------------------------------
def test_alerting_topic_is_encrypted_scoped_and_alarms_carry_actions_and_runbooks():
    def program():
        alerting = c.Alerting("alerts", c.AlertingArgs(topic_name="acme-alerts", kms_key_arn=KEY_ARN,
                                                       runbook_base_url="https://runbooks.example.com/acme",
                                                       oncall_https_endpoint="https://events.pagerduty.com/x"))
        alerting.alarm("errors-high", c.AlarmSpec("5xx above 10 per 5 minutes", "5XXError", "AWS/ApiGateway", 10))
        return alerting
    run = build(program)
    assert run.one("aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == KEY_ARN
    policy = statements(run.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    assert policy["AllowAlertPublishersInThisAccount"]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    sub = run.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert sub["protocol"] == "https"
    alarm = run.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    assert alarm["alarmActions"] and alarm["okActions"] and alarm["actionsEnabled"] is True
    assert alarm["alarmDescription"].endswith("Runbook: https://runbooks.example.com/acme#errors-high")


def test_alerting_needs_an_oncall_destination_over_tls():
    with pytest.raises(ValueError, match="on-call destination"):
        c.AlertingArgs(topic_name="t", kms_key_arn=KEY_ARN, runbook_base_url="https://r")
    with pytest.raises(ValueError, match="https://"):
        c.AlertingArgs(topic_name="t", kms_key_arn=KEY_ARN, runbook_base_url="https://r",
                       oncall_https_endpoint="http://pager")


def test_cost_guard_budget_and_anomaly_alerts_go_to_the_topic():
    topic = "arn:aws:sns:eu-west-1:1:alerts"
    run = build(lambda: c.CostGuard("cost", c.CostGuardArgs(budget_name="acme-monthly", monthly_limit_usd=2000,
                                                            alert_topic_arn=topic)))
    budget = run.one("aws:budgets/budget:Budget").inputs
    assert budget["budgetType"] == "COST" and budget["limitAmount"] == "2000.00" and budget["timeUnit"] == "MONTHLY"
    kinds = {(n["notificationType"], n["threshold"]) for n in budget["notifications"]}
    assert ("FORECASTED", 100) in kinds and ("ACTUAL", 80) in kinds
    assert all(n["subscriberSnsTopicArns"] == [topic] for n in budget["notifications"])
    sub = run.one("aws:costexplorer/anomalySubscription:AnomalySubscription").inputs
    assert sub["subscribers"] == [{"type": "SNS", "address": topic}] and sub["frequency"] == "IMMEDIATE"
    with pytest.raises(ValueError, match="monthly_limit_usd"):
        c.CostGuardArgs(budget_name="b", monthly_limit_usd=0, alert_topic_arn=topic)


def test_cost_guard_anomaly_detection_opt_out_keeps_the_budget():
    run = build(lambda: c.CostGuard("cost", c.CostGuardArgs(budget_name="acme-monthly", monthly_limit_usd=2000,
                                                            alert_topic_arn="arn:aws:sns:eu-west-1:1:alerts",
                                                            anomaly_detection=False)))
    assert run.of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor") == []
    assert run.of_type("aws:costexplorer/anomalySubscription:AnomalySubscription") == []
    assert run.one("aws:budgets/budget:Budget").inputs["notifications"]


# -- AgentAccess ---------------------------------------------------------------------------------
def test_agent_role_is_bounded_short_lived_and_needs_approval_in_prod():
    run = build(lambda: c.AgentAccess("agent", c.AgentAccessArgs(
        role_name="acme-prod-agent", trusted_principal_arns=["arn:aws:iam::1:role/runner"],
        statements=[c.AgentStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::data/*"])])))
    role = run.one("aws:iam/role:Role").inputs
    assert role["maxSessionDuration"] == 3600 and role["permissionsBoundary"]
    assert role["tags"]["preflight:agent"] == "true"
    boundary = statements(run.one("aws:iam/policy:Policy").inputs["policy"])
    deny = boundary["DenyDestructiveAndProtectionChanges"]
    assert {"kms:ScheduleKeyDeletion", "cloudtrail:StopLogging", "rds:DeleteDBInstance",
            "ec2:TerminateInstances", "securityhub:DisableSecurityHub", "macie2:DisableMacie",
            "bedrock:DeleteModelInvocationLoggingConfiguration", "config:StopConfigurationRecorder",
            "account:DeleteAlternateContact"} <= set(deny["Action"])
    assert len(json.dumps(boundary, separators=(",", ":"))) < 6144, "IAM managed policies hold 6,144 characters"
    assert boundary["DenyWithoutApprovalSession"]["Condition"] == {
        "Null": {"aws:PrincipalTag/preflight-approval": "true"}}
    permissions = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    assert all("*" not in a for s in permissions for a in s["Action"])


@pytest.mark.parametrize("actions, resources, message", [
    (["s3:*"], ["arn:aws:s3:::b"], "wildcard"),
    (["*"], ["arn:aws:s3:::b"], "wildcard"),
    (["rds:DeleteDBInstance"], ["arn:aws:rds:x"], "destructive"),
    (["kms:ScheduleKeyDeletion"], ["arn:aws:kms:x"], "destructive"),
    (["s3:GetObject"], ["*"], "contains '\\*'"),
])
def test_agent_statements_reject_wildcards_and_destructive_actions(actions, resources, message):
    with pytest.raises(ValueError, match=message):
        c.AgentStatement(actions=actions, resources=resources)


# -- ApiProtection -------------------------------------------------------------------------------
def test_api_protection_throttles_logs_traces_and_rate_limits():
    run = build(lambda: c.ApiProtection("llm", c.ApiProtectionArgs(
        rest_api_id="api-1", deployment_id="dep-1", stage_name="v1", kms_key_arn=KEY_ARN,
        consumers=["web-app", "partner-acme"])))
    stage = run.one("aws:apigateway/stage:Stage").inputs
    assert stage["xrayTracingEnabled"] is True
    log_format = json.loads(stage["accessLogSettings"]["format"])
    assert log_format["requestId"] == "$context.requestId"
    settings = run.one("aws:apigateway/methodSettings:MethodSettings").inputs["settings"]
    assert settings["throttlingRateLimit"] == 10 and settings["dataTraceEnabled"] is False
    plan = run.one("aws:apigateway/usagePlan:UsagePlan").inputs
    assert plan["throttleSettings"] == {"rateLimit": 10, "burstLimit": 20}
    assert plan["quotaSettings"] == {"limit": 10000, "period": "DAY"}
    assert len(run.of_type("aws:apigateway/apiKey:ApiKey")) == 2
    assert len(run.of_type("aws:apigateway/usagePlanKey:UsagePlanKey")) == 2
    acl = run.one("aws:wafv2/webAcl:WebAcl").inputs
    rate = [r for r in acl["rules"] if "rateBasedStatement" in r["statement"]]
    assert rate and rate[0]["action"] == {"block": {}} and rate[0]["statement"]["rateBasedStatement"]["limit"] == 500
    assert run.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs["resourceArn"].endswith("/stages/v1")
    assert run.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")
    assert all(g.inputs["kmsKeyId"] == KEY_ARN for g in run.of_type("aws:cloudwatch/logGroup:LogGroup"))


def test_api_protection_xray_opt_out_keeps_the_other_controls():
    run = build(lambda: c.ApiProtection("llm", c.ApiProtectionArgs(
        rest_api_id="api-1", deployment_id="dep-1", stage_name="v1", kms_key_arn=KEY_ARN, consumers=["web-app"],
        xray_tracing=False)))
    stage = run.one("aws:apigateway/stage:Stage").inputs
    assert stage["xrayTracingEnabled"] is False and stage["accessLogSettings"]["destinationArn"]
    assert run.one("aws:wafv2/webAclAssociation:WebAclAssociation")


def test_api_protection_rejects_bad_args():
    with pytest.raises(ValueError, match="consumers is empty"):
        c.ApiProtectionArgs(rest_api_id="a", deployment_id="d", stage_name="v1", kms_key_arn=KEY_ARN, consumers=[])
    with pytest.raises(ValueError, match="stage_name"):
        c.ApiProtectionArgs(rest_api_id="a", deployment_id="d", stage_name="v-1", kms_key_arn=KEY_ARN,
                            consumers=["a"])


# -- Profiles and Environment --------------------------------------------------------------------
@pytest.mark.parametrize("configured, stack, expected", [
    (None, "prod", "prod"), (None, "acme-dev", "dev"), (None, "feature-x", "prod"), ("staging", "x", "prod"),
    ("staging", "acme-dev", "staging"), ("dev", "prod", "prod"),
    ("bogus", "dev", "prod"), (None, "test", "dev"),
])
def test_environment_resolution_matches_the_pack(configured, stack, expected):
    assert c.resolve_environment(configured, stack) == expected


def test_every_profile_backup_rule_respects_cold_storage_minimum():
    for profile in (c.PROD, c.STAGING, c.DEV):
        c.BackupPlanArgs(plan_name="p1", kms_key_arn=KEY_ARN, rules=profile.backup_rules,
                         vault_lock_mode=profile.vault_lock_mode)


def test_environment_prod_protects_every_data_store_and_parents_every_child():
    run = build(lambda: c.Environment("acme", c.EnvironmentArgs(
        prefix="acme-prod", profile=c.PROD, cidr_block="10.20.0.0/16",
        availability_zones=["eu-west-1a", "eu-west-1b"], runbook_base_url="https://runbooks.example.com",
        oncall_email="oncall@example.com", agent_trusted_principal_arns=["arn:aws:iam::1:role/runner"],
        security_contact=CONTACT)))
    stores = ("aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:rds/instance:Instance", "aws:backup/vault:Vault")
    for r in run.recorded:
        if r.type in stores:
            assert r.protect, f"{r.type} {r.name} is not protected in prod"
    root = run.one("preflight:environment:Environment")
    assert all(r.parent for r in run.recorded if r.type != "preflight:environment:Environment")
    assert all(r.parent != root.parent for r in run.recorded if r.urn != root.urn), \
        "every resource must sit under the Environment component"
    assert run.one("aws:rds/instance:Instance").inputs["multiAz"] is True
    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 2
    tokens = {r.type for r in run.recorded if r.type.startswith("preflight:")}
    assert tokens >= {"preflight:account:AccountBaseline", "preflight:kms:KmsKey", "preflight:network:Network",
                      "preflight:trail:AuditTrail", "preflight:alerting:Alerting", "preflight:cost:CostGuard",
                      "preflight:backup:BackupPlan", "preflight:database:Database", "preflight:agents:AgentAccess",
                      "preflight:storage:SecureBucket"}


def test_environment_dev_is_not_protected_and_uses_one_nat():
    run = build(lambda: c.Environment("acme", c.EnvironmentArgs(
        prefix="acme-dev", profile=c.DEV, cidr_block="10.10.0.0/16",
        availability_zones=["eu-west-1a", "eu-west-1b"], runbook_base_url="https://runbooks.example.com",
        oncall_email="dev@example.com", security_contact=CONTACT)), stack="dev")
    assert not any(r.protect for r in run.recorded)
    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert run.one("aws:rds/instance:Instance").inputs["multiAz"] is False
    assert run.of_type("aws:macie2/account:Account") == [], "dev holds no customer data: no Macie by default"
    assert run.of_type("aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration") == []
    assert run.one("aws:securityhub/account:Account") and run.one("aws:cfg/recorder:Recorder")
    assert not run.of_type("aws:iam/role:Role") or all(r.name.find("agent") < 0 for r in
                                                       run.of_type("aws:iam/role:Role"))


HAIKU = "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"


def _prod_environment(**kwargs):
    args = {"prefix": "acme-prod", "profile": c.PROD, "cidr_block": "10.20.0.0/16",
            "availability_zones": ["eu-west-1a", "eu-west-1b"], "runbook_base_url": "https://runbooks.example.com",
            "oncall_email": "oncall@example.com", "security_contact": CONTACT,
            "agent_trusted_principal_arns": ["arn:aws:iam::1:role/runner"],
            "agent_model_arns": [HAIKU],
            **kwargs}
    return lambda: c.Environment("acme", c.EnvironmentArgs(**args))


def test_environment_using_bedrock_logs_invocations_and_records_data_events():
    run = build(_prod_environment())
    logging = run.one("aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration")
    assert logging.inputs["loggingConfig"]["textDataDeliveryEnabled"] is True
    group = run.one("aws:cloudwatch/logGroup:LogGroup", "bedrock-logging")
    assert group.inputs["kmsKeyId"] == f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/acme-data-key-1234"
    assert group.inputs["retentionInDays"] == 365
    data_key = statements(run.one("aws:kms/key:Key", "acme-data").inputs["policy"])
    assert data_key["AllowBedrockInvocationLogDelivery"]["Principal"] == {"Service": "bedrock.amazonaws.com"}
    values = run.one("aws:cloudtrail/trail:Trail").inputs["eventSelectors"][0]["dataResources"][0]["values"]
    assert values == ["arn:aws:s3:::acme-data-bucket-abc123/", "arn:aws:s3:::acme-account-state-bucket-abc123/"]
    assert run.one("aws:account/alternativeContact:AlternativeContact").inputs["alternateContactType"] == "SECURITY"
    assert run.one("aws:macie2/account:Account").inputs["status"] == "ENABLED"


def test_environment_bedrock_invocation_logging_opt_out_and_contact_required():
    run = build(_prod_environment(bedrock_invocation_logging=False))
    assert run.of_type("aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration") == []
    data_key = statements(run.one("aws:kms/key:Key", "acme-data").inputs["policy"])
    assert "AllowBedrockInvocationLogDelivery" not in data_key
    with pytest.raises(ValueError, match="security_contact is missing"):
        _prod_environment(security_contact=None)()


# -- ModelInvocationLogging ----------------------------------------------------------------------
def test_model_invocation_logging_is_encrypted_retained_and_delivered_by_a_bounded_role():
    run = build(lambda: c.ModelInvocationLogging("llm", c.ModelInvocationLoggingArgs(
        kms_key_arn=KEY_ARN, access_log_bucket="logs")))
    group = run.one("aws:cloudwatch/logGroup:LogGroup").inputs
    assert (group["name"], group["retentionInDays"], group["kmsKeyId"]) == \
        ("/aws/bedrock/model-invocations", 365, KEY_ARN)
    config = run.one("aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration").inputs
    logging = config["loggingConfig"]
    assert logging["textDataDeliveryEnabled"] is True and logging["imageDataDeliveryEnabled"] is True
    assert logging["embeddingDataDeliveryEnabled"] is False
    cloudwatch = logging["cloudwatchConfig"]
    assert cloudwatch["logGroupName"] == "/aws/bedrock/model-invocations"
    assert cloudwatch["largeDataDeliveryS3Config"] == {"bucketName": "llm-large-data-bucket-abc123",
                                                       "keyPrefix": "bedrock"}
    role = run.one("aws:iam/role:Role", "llm-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                                  "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:*"}}
    assert cloudwatch["roleArn"].endswith("llm-role")
    boundary = run.one("aws:iam/policy:Policy", "llm-boundary")
    assert role.inputs["permissionsBoundary"].endswith("llm-boundary")
    delivery = run.one("aws:iam/rolePolicy:RolePolicy", "llm-delivery").inputs["policy"]
    assert json.loads(boundary.inputs["policy"]) == json.loads(delivery)
    assert statements(delivery)["DeliverInvocationLogs"]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    bucket_stmts = statements(run.one("aws:s3/bucketPolicy:BucketPolicy", "llm-large-data").inputs["policy"])
    write = bucket_stmts["AllowBedrockInvocationLogDelivery"]
    assert write["Resource"] == \
        f"arn:aws:s3:::llm-large-data-bucket-abc123/bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*"
    assert write["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert "DenyInsecureTransport" in bucket_stmts
    assert run.one("aws:s3/bucket:Bucket", "llm-large-data").protect is True


def test_model_invocation_logging_without_large_data_bucket_and_validation():
    run = build(lambda: c.ModelInvocationLogging("llm", c.ModelInvocationLoggingArgs(
        kms_key_arn=KEY_ARN, large_data_bucket=False, log_group_name="/acme/bedrock")))
    assert run.of_type("aws:s3/bucket:Bucket") == []
    logging = run.one("aws:bedrockmodel/invocationLoggingConfiguration:InvocationLoggingConfiguration").inputs[
        "loggingConfig"]
    assert "largeDataDeliveryS3Config" not in logging["cloudwatchConfig"]
    assert logging["videoDataDeliveryEnabled"] is False
    with pytest.raises(ValueError, match="kms_key_arn is required"):
        c.ModelInvocationLoggingArgs(kms_key_arn="")
    with pytest.raises(ValueError, match="log_retention_days"):
        c.ModelInvocationLoggingArgs(kms_key_arn=KEY_ARN, log_retention_days=30)
    with pytest.raises(ValueError, match="not a valid log group name"):
        c.ModelInvocationLoggingArgs(kms_key_arn=KEY_ARN, log_group_name="bad name")
