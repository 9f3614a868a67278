"""Judgement helpers that moto cannot exercise (root user rows, old keys, error shapes)."""
from __future__ import annotations

import datetime as dt

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from preflight.audit.aws import NotSupported, PermissionDenied, classify, iam_action
from preflight.audit.checks import identity
from preflight.audit.checks.common import age_hours, allows_star_on_star
from preflight.audit.checks.exposure import open_ports
from preflight.audit.drill import classify_environment, scratch_name
from preflight.errors import UsageError


def client_error(code, message="", status=400):
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


def test_star_on_star_detection():
    assert allows_star_on_star({"Statement": [{"Effect": "Allow", "Action": ["*"], "Resource": "*"}]})
    assert allows_star_on_star('{"Statement": {"Effect": "Allow", "Action": "*", "Resource": ["*"]}}')
    assert allows_star_on_star("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22"
                               "%2C%22Resource%22%3A%22*%22%7D%5D%7D")  # URL-encoded, as IAM returns it
    assert not allows_star_on_star({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    assert not allows_star_on_star({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})


def test_open_ports():
    world_ssh = {"IpProtocol": "tcp", "FromPort": 20, "ToPort": 25, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    assert open_ports(world_ssh) == ["22 (SSH)"]
    assert open_ports({"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}) == ["all ports"]
    assert open_ports({**world_ssh, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}) == []
    assert open_ports({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                       "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}) == []


class FakeContext:
    """Just enough of AuditContext for checks that read memoized data."""

    def __init__(self, memo=None, items=None, max_key_age_days=90):
        self.account, self.region, self.max_key_age_days = "111122223333", "eu-west-1", max_key_age_days
        self._memo, self._items = memo or {}, items or {}

    def memo(self, key, load):
        return self._memo[key] if key in self._memo else load()

    def items(self, service, method, key, **params):
        return self._items[(method, tuple(sorted(params.items())))]


def report_with_root(mfa="false", key1="true"):
    return {("iam", "credential-report"): [
        {"user": "<root_account>", "mfa_active": mfa, "access_key_1_active": key1, "access_key_2_active": "false"}]}


def test_root_checks_read_the_credential_report_root_row():
    insecure = FakeContext(memo=report_with_root())
    assert [m for _, m in identity.root_mfa.run(insecure)] == ["the root user has no MFA device"]
    assert [m for _, m in identity.root_access_keys.run(insecure)] == ["the root user has 1 active access key(s)"]
    secure = FakeContext(memo=report_with_root(mfa="true", key1="false"))
    assert list(identity.root_mfa.run(secure)) == [] and list(identity.root_access_keys.run(secure)) == []


def test_root_checks_say_not_checked_without_a_root_row():
    with pytest.raises(NotSupported, match="no <root_account> row"):
        list(identity.root_mfa.run(FakeContext(memo={("iam", "credential-report"): []})))


def test_access_key_age_uses_the_default_90_days():
    now = dt.datetime.now(dt.timezone.utc)
    keys = [{"AccessKeyId": "AKIAOLD", "Status": "Active", "CreateDate": now - dt.timedelta(days=120)},
            {"AccessKeyId": "AKIANEW", "Status": "Active", "CreateDate": now - dt.timedelta(days=10)},
            {"AccessKeyId": "AKIAOFF", "Status": "Inactive", "CreateDate": now - dt.timedelta(days=400)}]
    ctx = FakeContext(items={("list_users", ()): [{"UserName": "ci", "Arn": "arn:aws:iam::1:user/ci"}],
                             ("list_access_keys", (("UserName", "ci"),)): keys})
    messages = [m for _, m in identity.iam_access_key_age.run(ctx)]
    assert len(messages) == 1 and "AKIAOLD" in messages[0] and "120 days old" in messages[0]


def test_error_classification():
    denied = classify(client_error("AccessDenied", "User: arn:aws:iam::1:user/a is not authorized to perform: "
                                                  "cloudtrail:DescribeTrails on resource: *", 403),
                      "cloudtrail", "DescribeTrails")
    assert isinstance(denied, PermissionDenied) and denied.action == "cloudtrail:DescribeTrails"
    bare = classify(client_error("AccessDeniedException", "", 400), "s3control", "GetPublicAccessBlock")
    assert isinstance(bare, PermissionDenied) and bare.action == "s3:GetAccountPublicAccessBlock"
    assert isinstance(classify(client_error("InvalidClientTokenId", "bad", 403), "sts", "GetCallerIdentity"),
                      UsageError)
    assert isinstance(classify(client_error("404", "<!doctype html><title>404 Not Found</title>", 404),
                               "backup", "ListRestoreTestingPlans"), NotSupported)
    assert isinstance(classify(EndpointConnectionError(endpoint_url="http://x"), "sts", "GetCallerIdentity"),
                      UsageError)
    other = client_error("ThrottlingException", "slow down")
    assert classify(other, "kms", "ListKeys") is other
    assert iam_action("budgets", "DescribeBudgets") == "budgets:ViewBudget"


def test_environment_names_follow_the_design_rules():
    assert classify_environment("prod") == classify_environment("acme-production") == "prod"
    assert classify_environment("sandbox") == classify_environment("shop-dev") == "dev"
    assert classify_environment("staging") == "staging"
    assert classify_environment("acme") is None
    name = scratch_name("Orders_DB--primary")
    assert name.startswith("preflight-drill-orders-db-primary-") and "--" not in name and len(name) <= 63


def test_age_hours_accepts_the_shapes_boto3_returns():
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=5)
    for value in (past, past.replace(tzinfo=None), past.timestamp(), past.isoformat()):
        assert 4.9 < age_hours(value) < 5.1
    assert age_hours(None) is None


class FakeStream:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_progress_only_on_a_terminal():
    from preflight.audit.runner import Progress
    terminal, pipe = FakeStream(True), FakeStream(False)
    for stream in (terminal, pipe):
        progress = Progress(2, stream)
        progress.step("kms-key-rotation")
        progress.finish()
    assert "1/2 kms-key-rotation" in terminal.text and terminal.text.endswith("\r\033[K")
    assert pipe.text == ""
