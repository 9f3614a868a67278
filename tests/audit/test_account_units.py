"""Judgement of the account-level checks on shapes moto cannot produce (old dates, rule orders, selectors,
root MFA devices), with a fake context; end-to-end passing and failing accounts are in test_audit_moto.py."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from components.trail import SECURITY_ALARMS
from preflight.audit.aws import NotSupported
from preflight.audit.checks import detection, iam_account, identity, monitoring, network, storage, trail

from . import seeds

NOW = dt.datetime.now(dt.timezone.utc)


def days_ago(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


class Ctx:
    """calls: method -> answer (or an exception to raise); items: method -> list; memo: key -> value."""

    def __init__(self, calls=None, items=None, memo=None, **options):
        self.account, self.region, self.caller_arn = "111122223333", "eu-west-1", "arn:aws:iam::111122223333:user/a"
        self.max_unused_days, self.max_key_age_days = options.get("max_unused_days", 45), 90
        self._calls, self._items, self._memo = calls or {}, items or {}, memo or {}

    def call(self, service, method, absent=(), **params):
        answer = self._calls.get(method)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def items(self, service, method, key, **params):
        return self._items.get(method, [])

    def pages(self, service, method, **params):
        return self._items.get(method, [{}])

    def memo(self, key, load):
        return self._memo[key] if key in self._memo else load()


def messages(check, ctx):
    return [message for _, message in check.run(ctx)]


def report(*rows):
    return {("iam", "credential-report"): list(rows)}


# -- IAM and account ---------------------------------------------------------------------------------
def test_password_policy_names_every_weakness():
    assert messages(iam_account.iam_password_policy, Ctx()) == [
        "the account has no IAM password policy: AWS's default accepts 8-character passwords and lets users "
        "reuse old ones"]
    weak = Ctx(calls={"get_account_password_policy": {"PasswordPolicy": {
        "MinimumPasswordLength": 8, "PasswordReusePrevention": 5, "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True, "RequireNumbers": True}}})
    [message] = messages(iam_account.iam_password_policy, weak)
    assert "minimum length 8 (needs 14)" in message and "reuse prevention 5 (needs 24)" in message
    assert "symbols not required" in message and "uppercase" not in message
    strong = Ctx(calls={"get_account_password_policy": {"PasswordPolicy": {
        "MinimumPasswordLength": 16, "PasswordReusePrevention": 24, "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True, "RequireNumbers": True, "RequireSymbols": True}}})
    assert messages(iam_account.iam_password_policy, strong) == []


def user(name, **fields):
    row = {"user": name, "arn": f"arn:aws:iam::111122223333:user/{name}", "user_creation_time": days_ago(400),
           "password_enabled": "false", "password_last_used": "N/A", "password_last_changed": "N/A",
           "mfa_active": "false", "access_key_1_active": "false", "access_key_1_last_rotated": "N/A",
           "access_key_1_last_used_date": "N/A", "access_key_2_active": "false",
           "access_key_2_last_rotated": "N/A", "access_key_2_last_used_date": "N/A"}
    row.update(fields)
    return row


def test_unused_credentials_use_the_45_day_default():
    ctx = Ctx(memo=report(
        user("<root_account>", password_enabled="true", password_last_used=days_ago(300)),  # root: not judged here
        user("old-login", password_enabled="true", password_last_used=days_ago(60)),
        user("recent-login", password_enabled="true", password_last_used=days_ago(10)),
        user("never-logged-in", password_enabled="true", password_last_used="no_information",
             password_last_changed=days_ago(50)),
        user("stale-key", access_key_1_active="true", access_key_1_last_rotated=days_ago(200),
             access_key_1_last_used_date=days_ago(46)),
        user("unused-new-key", access_key_2_active="true", access_key_2_last_rotated=days_ago(3)),
        user("inactive-old-key", access_key_1_active="false", access_key_1_last_rotated=days_ago(900))))
    found = {(r.rsplit("/", 1)[-1], m.split(" was ")[0]) for r, m in iam_account.iam_unused_credentials.run(ctx)}
    assert found == {("old-login", "the console password of IAM user 'old-login' is enabled but"),
                     ("never-logged-in", "the console password of IAM user 'never-logged-in' is enabled but"),
                     ("stale-key", "active access key 1 of IAM user 'stale-key'")}
    assert messages(iam_account.iam_unused_credentials, Ctx(memo=ctx._memo, max_unused_days=90)) == []


def test_console_mfa_and_setup_keys_read_the_credential_report():
    ctx = Ctx(memo=report(
        user("alice", password_enabled="true", mfa_active="true"),
        user("bob", password_enabled="true", access_key_1_active="true", access_key_1_last_rotated=days_ago(1)),
        user("carol", password_enabled="true", mfa_active="true", access_key_1_active="true",
             access_key_1_last_used_date=days_ago(1)),
        user("ci", access_key_1_active="true")))
    assert messages(iam_account.iam_console_mfa, ctx) == ["IAM user 'bob' can sign in to the console without MFA"]
    [setup] = messages(iam_account.iam_setup_access_keys, ctx)
    assert setup.startswith("console user 'bob' has active access key 1 that was never used")


def test_expired_server_certificates_only():
    ctx = Ctx(items={"list_server_certificates": [
        {"ServerCertificateName": "old", "Arn": "arn:old", "Expiration": NOW - dt.timedelta(days=1)},
        {"ServerCertificateName": "good", "Arn": "arn:good", "Expiration": NOW + dt.timedelta(days=30)}]})
    assert list(iam_account.iam_expired_server_certificates.run(ctx)) == [
        ("arn:old", f"IAM server certificate 'old' expired on {(NOW - dt.timedelta(days=1)).date().isoformat()}")]


def test_support_role_and_cloudshell_read_every_page_of_policy_entities():
    pages = [{"PolicyUsers": [{"UserName": "dev"}]}, {"PolicyRoles": [{"RoleName": "ops"}], "PolicyGroups": []}]
    ctx = Ctx(items={"list_entities_for_policy": pages})
    assert iam_account.policy_entities(ctx, "AWSCloudShellFullAccess") == ["user dev", "role ops"]
    assert messages(iam_account.cloudshell_full_access, ctx) == [
        "AWSCloudShellFullAccess (a shell with file transfer out of the account) is attached to user dev, role ops"]
    assert messages(iam_account.iam_support_role, ctx) == []
    assert iam_account.aws_managed_policy_arn(
        type("C", (), {"caller_arn": "arn:aws-cn:sts::1:assumed-role/a/b"})(), "AWSSupportAccess") == \
        "arn:aws-cn:iam::aws:policy/AWSSupportAccess"


def test_root_hardware_mfa():
    root = {"user": "<root_account>", "mfa_active": "true"}
    virtual = [{"SerialNumber": "arn:aws:iam::111122223333:mfa/root-account-mfa-device",
                "User": {"Arn": "arn:aws:iam::111122223333:root"}}]
    assert messages(identity.root_hardware_mfa, Ctx(memo=report(root), items={"list_virtual_mfa_devices": virtual})) \
        == ["the root user's MFA is a virtual device (an app on a phone)"]
    assert messages(identity.root_hardware_mfa, Ctx(memo=report(root))) == []  # MFA, none virtual: hardware
    assert messages(identity.root_hardware_mfa, Ctx(memo=report({**root, "mfa_active": "false"}),
                                                    items={"list_virtual_mfa_devices": virtual})) == []
    with pytest.raises(NotSupported):
        messages(identity.root_hardware_mfa, Ctx(memo=report()))


# -- storage, network, detection -------------------------------------------------------------------
@pytest.mark.parametrize("statement, ok", [
    ({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
     True),
    ({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": ["s3:*"],
      "Condition": {"Bool": {"aws:SecureTransport": False}}}, True),
    ({"Effect": "Deny", "Principal": "*", "Action": "*", "Condition": {"BoolIfExists": {"aws:SecureTransport": ["false"]}}},
     True),
    ({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, False),  # only reads are refused over HTTP
    ({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*",
      "Condition": {"Bool": {"aws:SecureTransport": "false"}}}, False),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
     False),
])
def test_tls_only_bucket_policy(statement, ok):
    assert storage.denies_plain_http(json.dumps({"Statement": [statement]})) is ok


def acl(*entries):
    return {"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": [
        {"Egress": False, "RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0"},
        *entries]}


def entry(number, action, protocol="-1", ports=None, cidr="0.0.0.0/0", v6=False):
    item = {"Egress": False, "RuleNumber": number, "Protocol": protocol, "RuleAction": action,
            ("Ipv6CidrBlock" if v6 else "CidrBlock"): cidr}
    if ports:
        item["PortRange"] = {"From": ports[0], "To": ports[1]}
    return item


def test_nacl_rules_are_judged_in_order():
    assert network.world_admin_ports(acl(entry(100, "allow"))) == ["22 (SSH) from 0.0.0.0/0",
                                                                   "3389 (RDP) from 0.0.0.0/0"]
    assert network.world_admin_ports(acl(entry(89, "deny", "6", (22, 22)), entry(90, "deny", "17", (22, 22)),
                                         entry(100, "allow"))) == ["3389 (RDP) from 0.0.0.0/0"]
    # Denying TCP 22 leaves UDP 22 to the allow-all rule.
    assert network.world_admin_ports(acl(entry(90, "deny", "6", (22, 22)), entry(100, "allow"))) == [
        "22 (SSH) from 0.0.0.0/0", "3389 (RDP) from 0.0.0.0/0"]
    assert network.world_admin_ports(acl(entry(100, "allow", "6", (20, 25)))) == ["22 (SSH) from 0.0.0.0/0"]
    # A deny for part of the internet does not close the port to the rest of it.
    assert network.world_admin_ports(acl(entry(50, "deny", cidr="10.0.0.0/8"), entry(100, "allow", "6", (22, 22)))) \
        == ["22 (SSH) from 0.0.0.0/0"]
    assert network.world_admin_ports(acl(entry(100, "allow", "6", (443, 443)), entry(101, "allow", "1"))) == []
    assert network.world_admin_ports(acl(entry(100, "allow", "17", (3000, 4000)))) == ["3389 (RDP) from 0.0.0.0/0"]
    assert network.world_admin_ports(acl(entry(100, "allow", cidr="::/0", v6=True))) == [
        "22 (SSH) from ::/0", "3389 (RDP) from ::/0"]
    assert network.world_admin_ports({"Entries": [{**entry(100, "allow"), "Egress": True}]}) == []


def test_config_recorder_states():
    def ctx(recorder, state):
        return Ctx(calls={"describe_configuration_recorders": {"ConfigurationRecorders": recorder},
                          "describe_configuration_recorder_status": {"ConfigurationRecordersStatus": state}})
    group = {"name": "default", "recordingGroup": {"allSupported": True}}
    assert "no configuration recorder" in messages(detection.config_recorder_enabled, ctx([], []))[0]
    assert "is not recording" in messages(detection.config_recorder_enabled, ctx([group], [
        {"name": "default", "recording": False}]))[0]
    assert "fails to record: AccessDenied" in messages(detection.config_recorder_enabled, ctx([group], [
        {"name": "default", "recording": True, "lastStatus": "FAILURE", "lastErrorCode": "AccessDenied"}]))[0]
    assert "only some resource types" in messages(detection.config_recorder_enabled, ctx(
        [{"name": "default", "recordingGroup": {"allSupported": False, "resourceTypes": ["AWS::S3::Bucket"]}}],
        [{"name": "default", "recording": True, "lastStatus": "SUCCESS"}]))[0]
    assert messages(detection.config_recorder_enabled, ctx([group], [
        {"name": "default", "recording": True, "lastStatus": "SUCCESS"}])) == []


@pytest.mark.parametrize("selectors, write, read", [
    ({"EventSelectors": [{"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object",
                                                                     "Values": ["arn:aws:s3"]}]}]}, True, True),
    ({"EventSelectors": [{"ReadWriteType": "WriteOnly", "DataResources": [
        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::data/"]}]}]}, True, False),
    ({"EventSelectors": [{"ReadWriteType": "All", "DataResources": [
        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::other/"]}]}]}, False, False),
    ({"EventSelectors": [{"ReadWriteType": "All", "DataResources": [
        {"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}]}, False, False),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]},
     True, True),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "readOnly", "Equals": ["true"]}]}]}, False, True),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3:::data/"]}]}]}, False, False),
    ({"AdvancedEventSelectors": [{"FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "eventName", "Equals": ["PutObject"]}]}]}, False, False),  # narrowed to some events: not all
    ({}, False, False),
])
def test_s3_object_level_logging(selectors, write, read):
    assert trail.s3_object_logging(selectors, "data", write=True) is write
    assert trail.s3_object_logging(selectors, "data", write=False) is read


# -- CIS 4.x metric filters ----------------------------------------------------------------------------
def test_the_benchmark_patterns_each_match_their_own_check_only():
    by_slug = {slug: required for slug, _, required, _ in monitoring.ALARMS}
    assert set(by_slug) == set(seeds.CIS_FILTERS)
    for slug, pattern in seeds.CIS_FILTERS.items():
        assert monitoring.matches(pattern, by_slug[slug]), slug
        others = [s for s, required in by_slug.items() if s != slug and monitoring.matches(pattern, required)]
        assert others == [], (slug, others)


def test_a_pattern_missing_one_event_does_not_count():
    required = dict((s, r) for s, _, r, _ in monitoring.ALARMS)
    pattern = seeds.CIS_FILTERS["cloudtrail-changes"].replace(' || ($.eventName = "StopLogging")', "")
    assert not monitoring.matches(pattern, required["cloudtrail-changes"])
    # DeleteVpc is gone even though DeleteVpcPeeringConnection still starts with it.
    pattern = seeds.CIS_FILTERS["vpc-changes"].replace(' || ($.eventName = "DeleteVpc")', "")
    assert "DeleteVpcPeeringConnection" in pattern and not monitoring.matches(pattern, required["vpc-changes"])


def test_remediations_claim_components_audittrail_only_where_its_filters_pass():
    """components.AuditTrail creates some CIS filters; a check may say so only if that filter passes it."""
    component = {alarm_id: pattern for alarm_id, _, pattern in SECURITY_ALARMS}
    for slug, _, required, by_component in monitoring.ALARMS:
        passes = slug in component and monitoring.matches(component[slug], required)
        assert passes is by_component, slug
        check = next(c for c in monitoring.CHECKS if c.id == f"alarm-{slug}")
        assert ("components.AuditTrail" in check.remediation) is by_component


def test_alarm_chain_needs_an_alarm_with_a_subscribed_topic():
    ctx = Ctx(items={
        "describe_alarms": [
            {"AlarmName": "no-actions", "MetricName": "m1", "Namespace": "CIS", "AlarmActions": []},
            {"AlarmName": "unsubscribed", "MetricName": "m2", "Namespace": "CIS",
             "AlarmActions": ["arn:aws:sns:eu-west-1:1:empty"]},
            {"AlarmName": "disabled", "MetricName": "m3", "Namespace": "CIS", "ActionsEnabled": False,
             "AlarmActions": ["arn:aws:sns:eu-west-1:1:empty"]}],
        "list_subscriptions_by_topic": [{"SubscriptionArn": "PendingConfirmation"}]})
    assert monitoring.alarm_problem(ctx, [("m0", "CIS")]) == "its metric has no CloudWatch alarm"
    for metric in ("m1", "m2", "m3"):
        assert monitoring.alarm_problem(ctx, [(metric, "CIS")]).startswith("no alarm on its metric notifies")
    confirmed = Ctx(items={**ctx._items, "list_subscriptions_by_topic": [{"SubscriptionArn": "arn:aws:sns:x"}]})
    assert monitoring.alarm_problem(confirmed, [("m2", "CIS")]) == ""
