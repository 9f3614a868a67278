"""Secrets policies through the Analyzer protocol. Fake credentials are assembled at run time so that the
repository itself never contains a string a secret scanner would (rightly) flag.
"""
import base64
import gzip
import json

import pytest

from tests.conftest import UNKNOWN_STRING_VALUE, link, res, secret

FUNCTION = "aws:lambda/function:Function"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
PARAMETER = "aws:ssm/parameter:Parameter"
STAGE = "aws:apigateway/stage:Stage"
SECRET = "aws:secretsmanager/secret:Secret"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"

FAKE = {
    "aws": "AKIA" + "Q" * 16,
    "openai": "sk-" + "proj-" + "a1B2" * 8,
    "anthropic": "sk-" + "ant-api03-" + "x9Y8" * 8,
    "github": "gh" + "p_" + "Z" * 36,
    "slack": "xo" + "xb-1234567890-abcdefghij",
    "stripe": "sk" + "_live_" + "4" * 24,
    "pem": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----",
}
SAFE_ENV = {"LOG_LEVEL": "info", "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:db",
            "DB_PASSWORD": "{{resolve:secretsmanager:db:SecretString:password}}", "TOKEN_TTL": "3600",
            "API_KEY": "<set-at-deploy>", "PARTITION_KEY": "pk"}


@pytest.mark.parametrize("kind", sorted(FAKE))
def test_lambda_env_provider_keys(pack, kind):
    env = {"environment": {"variables": {**SAFE_ENV, "UPSTREAM": FAKE[kind]}}}
    [d] = pack.analyze(FUNCTION, env, name="fn").violations("lambda-env-no-secrets")
    assert "UPSTREAM" in d.message and FAKE[kind] not in d.message  # never echo the value


def test_lambda_env_names_and_pulumi_secrets(pack):
    assert not pack.analyze(FUNCTION, {"environment": {"variables": SAFE_ENV}}).violations("lambda-env-no-secrets")
    [d] = pack.analyze(FUNCTION, {"environment": {"variables": {"DB_PASSWORD": "hunter2hunter2"}}}).violations(
        "lambda-env-no-secrets")
    assert "secret-looking name" in d.message and "hunter2" not in d.message and "Pulumi secret" not in d.message
    marked = {"environment": {"variables": {"DB_PASSWORD": secret("hunter2hunter2")}}}
    [d] = pack.analyze(FUNCTION, marked).violations("lambda-env-no-secrets")
    assert "Pulumi secret" in d.message and "plain text" in d.message
    assert not pack.analyze(FUNCTION, {"environment": {"variables": {"DB_PASSWORD": UNKNOWN_STRING_VALUE}}}).violations(
        "lambda-env-no-secrets")


def test_ecs_container_environment(pack):
    good = [{"name": "web", "environment": [{"name": "LOG_LEVEL", "value": "info"}],
             "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:db"}]}]
    bad = [{"name": "web", "environment": [{"name": "STRIPE_KEY", "value": FAKE["stripe"]}]}]
    assert not pack.analyze(TASK, {"containerDefinitions": json.dumps(good)}).violations("ecs-task-env-no-secrets")
    [d] = pack.analyze(TASK, {"containerDefinitions": json.dumps(bad)}).violations("ecs-task-env-no-secrets")
    assert "container 'web'" in d.message and "Stripe" in d.message
    result = pack.analyze(TASK, {"containerDefinitions": UNKNOWN_STRING_VALUE})
    assert not result.violations("ecs-task-env-no-secrets") and "ecs-task-env-no-secrets" in result.not_applicable


SCRIPT_OK = "#!/bin/bash\nyum install -y nginx\nDB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db)\n"
SCRIPT_BAD = "#!/bin/bash\nexport DB_PASSWORD='s3cr3t-pw-123'\nsystemctl start app\n"


@pytest.mark.parametrize("type_,field,encode", [
    (INSTANCE, "userData", lambda s: s),
    (INSTANCE, "userDataBase64", lambda s: base64.b64encode(gzip.compress(s.encode())).decode()),
    (TEMPLATE, "userData", lambda s: base64.b64encode(s.encode()).decode()),
])
def test_user_data(pack, type_, field, encode):
    assert not pack.analyze(type_, {field: encode(SCRIPT_OK)}).violations("ec2-user-data-no-secrets")
    [d] = pack.analyze(type_, {field: encode(SCRIPT_BAD)}).violations("ec2-user-data-no-secrets")
    assert "line 2" in d.message and "s3cr3t" not in d.message
    key_script = f"#cloud-config\nwrite_files:\n  - content: {FAKE['aws']}\n"
    assert pack.analyze(type_, {field: encode(key_script)}).violations("ec2-user-data-no-secrets")


@pytest.mark.parametrize("props,bad", [
    ({"name": "/app/db/password", "type": "SecureString", "value": secret("x")}, False),
    ({"name": "/app/log-level", "type": "String", "value": secret("info")}, False),
    ({"name": "/app/db/password", "type": "String", "value": secret("pw-1234567")}, True),
    ({"name": "/app/upstream", "type": "String", "insecureValue": "AKIA" + "Q" * 16}, True),
    ({"name": "/app/db/password-arn", "type": "String", "value": "arn:aws:secretsmanager:x"}, False),
])
def test_ssm_parameter_secure_string(pack, props, bad):
    assert bool(pack.analyze(PARAMETER, props).violations("ssm-parameter-secrets-secure-string")) == bad


def test_tags_no_secrets(pack):
    ok = {"tags": {"team": "payments", "secret-rotation": "monthly", "token-owner": "alice"}}
    assert not pack.analyze("aws:s3/bucket:Bucket", ok).violations("tags-no-secrets")
    [d] = pack.analyze("aws:sqs/queue:Queue", {"tags": {"deploy-token": "Zx81kLmn00Qw"}}).violations("tags-no-secrets")
    assert "deploy-token" in d.message and "Zx81" not in d.message
    assert pack.analyze("aws:sns/topic:Topic", {"tags": {"note": FAKE["github"]}}).violations("tags-no-secrets")


def test_stage_variables(pack):
    assert not pack.analyze(STAGE, {"variables": {"backend": "api.internal"}}).violations(
        "apigateway-stage-variables-no-secrets")
    assert pack.analyze(STAGE, {"variables": {"backendApiKey": "k-8f7a6s5d4f3g"}}).violations(
        "apigateway-stage-variables-no-secrets")


@pytest.mark.parametrize("policy,type_,good,bad", [
    ("secretsmanager-secret-kms-cmk", SECRET, {"kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"}, {}),
    ("secretsmanager-secret-kms-cmk", SECRET, {"kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"},
     {"kmsKeyId": "alias/aws/secretsmanager"}),
    ("secretsmanager-recovery-window", SECRET, {}, {"recoveryWindowInDays": 0}),
    ("secretsmanager-rotation-interval", ROTATION, {"rotationRules": {"automaticallyAfterDays": 30}},
     {"rotationRules": {"automaticallyAfterDays": 180}}),
    ("secretsmanager-rotation-interval", ROTATION, {"rotationRules": {"scheduleExpression": "rate(30 days)"}},
     {"rotationRules": {}}),
    ("ssm-securestring-kms-cmk", PARAMETER, {"type": "SecureString", "keyId": "arn:aws:kms:k"},
     {"type": "SecureString"}),
])
def test_secrets_manager_and_securestring(pack, policy, type_, good, bad):
    assert not pack.analyze(type_, good).violations(policy)
    assert pack.analyze(type_, bad).violations(policy)


def test_secret_rotation_stack_rule(pack):
    db = res(SECRET, "db", {"name": "db"})
    rotation = link(res(ROTATION, "db-rotation", {"rotationRules": {"automaticallyAfterDays": 30}}), "secretId", db)
    assert not pack.analyze_stack([db, rotation]).violations("secretsmanager-secret-rotation")
    [d] = pack.analyze_stack([db]).violations("secretsmanager-secret-rotation")
    assert d.urn.endswith("::db") and "never rotated" in d.message


def test_secrets_are_advisory_in_dev(dev_pack):
    [d] = dev_pack.analyze(FUNCTION, {"environment": {"variables": {"K": FAKE["openai"]}}}).violations(
        "lambda-env-no-secrets")
    assert d.level == "advisory"


def test_rotation_interval_names_what_is_set_and_never_prints_none(pack):
    [d] = pack.analyze(ROTATION, {}).violations("secretsmanager-rotation-interval")
    assert "None" not in d.message
    assert "has no rotation interval (rotation_rules.automatically_after_days not set: the provider requires " \
           "rotation_rules" in d.message and "automatically_after_days to 90 or less" in d.message
    [d] = pack.analyze(ROTATION, {"rotationRules": {"automaticallyAfterDays": 180}}).violations(
        "secretsmanager-rotation-interval")
    assert "(rotation_rules.automatically_after_days is 180)" in d.message and "not set" not in d.message


@pytest.mark.parametrize("schedule,fires", [
    ("rate(30 days)", False), ("rate(90 days)", False), ("rate(120 days)", True), ("rate(12 hours)", False),
    ("rate(2400 hours)", True), ("cron(0 8 1 * ? *)", False),
])
def test_rotation_interval_reads_rate_schedules(pack, schedule, fires):
    found = pack.analyze(ROTATION, {"rotationRules": {"scheduleExpression": schedule}}).violations(
        "secretsmanager-rotation-interval")
    assert bool(found) is fires
    if fires:
        assert f"schedule_expression is '{schedule}'" in found[0].message
