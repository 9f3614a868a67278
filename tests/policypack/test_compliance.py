"""Compliance policies (CloudTrail, Config, Security Hub, contacts, Macie) through the Analyzer protocol."""
import pytest

from tests.conftest import UNKNOWN_STRING_VALUE, link, res

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
RECORDER = "aws:cfg/recorder:Recorder"
HUB = "aws:securityhub/account:Account"
HUB_V2 = "aws:securityhub/accountV2:AccountV2"
ANALYZER = "aws:accessanalyzer/analyzer:Analyzer"
CONTACT = "aws:account/alternativeContact:AlternativeContact"
MACIE = "aws:macie2/account:Account"
FUNCTION = "aws:lambda/function:Function"

GOOD_TRAIL = {"isMultiRegionTrail": True, "enableLogFileValidation": True, "s3BucketName": "trail-logs",
              "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k",
              "cloudWatchLogsGroupArn": "arn:aws:logs:us-east-1:1:log-group:trail:*",
              "cloudWatchLogsRoleArn": "arn:aws:iam::1:role/trail"}
S3_DATA = [{"readWriteType": "All", "includeManagementEvents": True,
            "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::customer-data/"]}]}]
ADVANCED_S3 = [{"name": "mgmt", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]},
               {"name": "s3", "fieldSelectors": [{"field": "eventCategory", "equals": ["Data"]},
                                                 {"field": "resources.type", "equals": ["AWS::S3::Object"]}]}]


@pytest.mark.parametrize("policy,good,bad", [
    ("cloudtrail-kms-encryption", {}, {"kmsKeyId": None}),
    ("cloudtrail-cloudwatch-logs", {}, {"cloudWatchLogsGroupArn": ""}),
    ("cloudtrail-logging-enabled", {"enableLogging": True}, {"enableLogging": False}),
    ("cloudtrail-management-events", {"eventSelectors": S3_DATA},
     {"eventSelectors": [{"readWriteType": "WriteOnly", "includeManagementEvents": True}]}),
    ("cloudtrail-management-events", {"advancedEventSelectors": ADVANCED_S3},
     {"advancedEventSelectors": ADVANCED_S3[1:]}),
    ("cloudtrail-s3-data-events", {"eventSelectors": S3_DATA}, {"eventSelectors": [{"readWriteType": "All"}]}),
    ("cloudtrail-s3-data-events", {"advancedEventSelectors": ADVANCED_S3}, {"advancedEventSelectors": ADVANCED_S3[:1]}),
])
def test_trail_policies(pack, policy, good, bad):
    assert not pack.analyze(TRAIL, {**GOOD_TRAIL, **good}).violations(policy)
    props = {k: v for k, v in {**GOOD_TRAIL, **bad}.items() if v is not None}
    [d] = pack.analyze(TRAIL, props, name="audit").violations(policy)
    assert "'audit'" in d.message


def test_trail_without_selectors_records_management_events(pack):
    assert not pack.analyze(TRAIL, GOOD_TRAIL).violations("cloudtrail-management-events")
    [d] = pack.analyze(TRAIL, GOOD_TRAIL).violations("cloudtrail-s3-data-events")
    assert d.level == "advisory"


@pytest.mark.parametrize("policy,props", [
    ("cloudtrail-kms-encryption", {"kmsKeyId": UNKNOWN_STRING_VALUE}),
    ("cloudtrail-management-events", {"eventSelectors": UNKNOWN_STRING_VALUE}),
    ("cloudtrail-s3-data-events", {"advancedEventSelectors": [{"fieldSelectors": UNKNOWN_STRING_VALUE}]}),
])
def test_trail_unknown_inputs_never_misfire(pack, policy, props):
    result = pack.analyze(TRAIL, {**GOOD_TRAIL, **props})
    assert not result.violations(policy) and policy in result.not_applicable


@pytest.mark.parametrize("bucket_type", [BUCKET, BUCKET_V2])
def test_cloudtrail_bucket_access_logging(pack, bucket_type):
    bucket = res(bucket_type, "trail-logs", {"bucket": "trail-logs"})
    trail = link(res(TRAIL, "audit", dict(GOOD_TRAIL)), "s3BucketName", bucket)
    other = res(bucket_type, "unrelated", {})
    result = pack.analyze_stack([bucket, other, trail])
    assert [d.urn.rsplit("::", 1)[1] for d in result.violations("cloudtrail-bucket-access-logging")] == ["trail-logs"]
    logging = link(res(BUCKET_LOGGING, "trail-logs-logging", {"targetBucket": "access-logs"}), "bucket", bucket)
    assert not pack.analyze_stack([bucket, other, trail, logging]).violations("cloudtrail-bucket-access-logging")
    # Matched by the bucket's name when the trail names it literally.
    literal = res(TRAIL, "audit", dict(GOOD_TRAIL, s3BucketName="trail-logs"))
    assert pack.analyze_stack([bucket, literal]).violations("cloudtrail-bucket-access-logging")


def test_config_recorder_all_resources(pack):
    policy = "config-recorder-all-resources"
    assert not pack.analyze(RECORDER, {"recordingGroup": {"allSupported": True}}).violations(policy)
    assert not pack.analyze(RECORDER, {}).violations(policy)  # the provider's default records everything
    bad = {"recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]}}
    [d] = pack.analyze(RECORDER, bad, name="rec").violations(policy)
    assert "'rec'" in d.message
    result = pack.analyze(RECORDER, {"recordingGroup": {"allSupported": UNKNOWN_STRING_VALUE}})
    assert not result.violations(policy) and policy in result.not_applicable


# Account-level services: required of the prod account baseline (mandatory), satisfied by the resource.
PRESENCE = [
    ("cloudtrail-present", [res(TRAIL, "audit", GOOD_TRAIL)]),
    ("config-recorder-present", [res(RECORDER, "rec", {})]),
    ("securityhub-enabled", [res(HUB, "hub", {})]),
    ("securityhub-enabled", [res(HUB_V2, "hub", {})]),
    ("access-analyzer-present", [res(ANALYZER, "aa", {"type": "ACCOUNT"})]),
    ("security-contact-registered", [res(CONTACT, "sec", {"alternateContactType": "SECURITY"})]),
]


@pytest.mark.parametrize("policy,satisfying", PRESENCE)
def test_account_services_presence(baseline_pack, pack_for, policy, satisfying):
    pack, dev_pack = baseline_pack, pack_for("dev", config={"preflight:accountBaseline": "true"})
    workload = [res(FUNCTION, "f", {})]
    [d] = pack.analyze_stack(workload).violations(policy)
    assert d.level == "mandatory"
    assert not pack.analyze_stack(workload + satisfying).violations(policy)
    assert not dev_pack.analyze_stack(workload).violations(policy)
    assert not pack.analyze_stack([]).violations(policy)  # nothing on AWS, nothing to guard


def test_security_contact_must_be_security(baseline_pack):
    pack = baseline_pack
    billing = [res(FUNCTION, "f", {}), res(CONTACT, "bill", {"alternateContactType": "BILLING"})]
    assert pack.analyze_stack(billing).violations("security-contact-registered")


def test_macie_only_when_the_stack_stores_data(baseline_pack):
    pack = baseline_pack
    assert not pack.analyze_stack([res(FUNCTION, "f", {})]).violations("macie-enabled")
    data = [res(BUCKET, "customer-data", {})]
    assert pack.analyze_stack(data).violations("macie-enabled")
    assert pack.analyze_stack(data + [res(MACIE, "macie", {"status": "PAUSED"})]).violations("macie-enabled")
    assert not pack.analyze_stack(data + [res(MACIE, "macie", {"status": "ENABLED"})]).violations("macie-enabled")
