"""Issue 13: secrets wherever a value can hide, detected by value and by name; never printed."""
import json

import pytest

from preflight.analyzer import PolicyPackProcess, StackContext
from tests.conftest import PACK_DIR, PackClient, UNKNOWN_STRING_VALUE, res, secret

OPENAI = "sk-proj-" + "A1b2C3d4E5f6G7h8J9k0L1m2N3"
GHP = "ghp_" + "a" * 36
PASSWORD = "Tr0ub4dor&3xyz"


@pytest.fixture(scope="module")
def config_pack():
    """A prod stack whose config holds a plain db password, a plain OpenAI key and a `secure:` password."""
    config = {"preflight:environment": "prod", "app:dbPassword": "PlainPassw0rd!", "app:openaiKey": OPENAI,
              "app:securePassword": "S3cure-from-secret-config", "app:logLevel": "info",
              "app:apiUrl": "https://api.example.com", "app:tokenTtl": "3600"}
    context = StackContext(project="app", stack="prod", config=config, secret_keys=["app:securePassword"])
    with PolicyPackProcess(PACK_DIR, context) as process:
        yield PackClient(process)


def _messages(result, policy):
    return " ".join(d.message for d in result.violations(policy))


def test_plain_secrets_in_stack_config_are_findings_but_never_printed(config_pack):
    r = config_pack.analyze_stack([res("aws:s3/bucket:Bucket", "b")])
    found = r.violations("stack-config-no-plaintext-secrets")
    keys = {k for d in found for k in ("app:dbPassword", "app:openaiKey") if k in d.message}
    assert keys == {"app:dbPassword", "app:openaiKey"}
    text = _messages(r, "stack-config-no-plaintext-secrets")
    assert "PlainPassw0rd!" not in text and OPENAI not in text
    assert "securePassword" not in text and "logLevel" not in text and "tokenTtl" not in text


def test_clean_config_passes(pack):
    assert not pack.analyze_stack([res("aws:s3/bucket:Bucket", "b")]).violations("stack-config-no-plaintext-secrets")


@pytest.mark.parametrize("type_,field", [
    ("aws:rds/instance:Instance", "password"), ("aws:rds/cluster:Cluster", "masterPassword"),
    ("aws:redshift/cluster:Cluster", "masterPassword"), ("aws:docdb/cluster:Cluster", "masterPassword"),
    ("aws:redshiftserverless/namespace:Namespace", "adminUserPassword"),
    ("aws:elasticache/replicationGroup:ReplicationGroup", "authToken"),
])
def test_database_passwords_from_literals_or_plain_config(config_pack, type_, field):
    # The SDK marks these inputs secret whatever their origin: the marking proves nothing, the origin does.
    plain = config_pack.analyze(type_, {field: secret("PlainPassw0rd!")})
    assert "dbPassword" in _messages(plain, "database-password-not-plain")
    literal = config_pack.analyze(type_, {field: secret(PASSWORD)})
    assert "literal" in _messages(literal, "database-password-not-plain")
    assert PASSWORD not in _messages(literal, "database-password-not-plain")
    from_secret = config_pack.analyze(type_, {field: secret("S3cure-from-secret-config")})
    assert not from_secret.violations("database-password-not-plain")
    generated = config_pack.analyze(type_, {field: UNKNOWN_STRING_VALUE})
    assert not generated.violations("database-password-not-plain")
    assert not config_pack.analyze(type_, {field: secret("[secret]")}).violations("database-password-not-plain")


def test_mq_broker_user_password(config_pack):
    bad = config_pack.analyze("aws:mq/broker:Broker", {"users": [{"username": "app", "password": secret(PASSWORD)}]})
    assert bad.violations("database-password-not-plain")


def test_secret_version_literals(config_pack):
    assert config_pack.analyze("aws:secretsmanager/secretVersion:SecretVersion",
                               {"secretId": "s", "secretString": secret(PASSWORD)}).violations("secret-version-no-literal")
    as_json = json.dumps({"username": "app", "password": PASSWORD})
    bad = config_pack.analyze("aws:secretsmanager/secretVersion:SecretVersion", {"secretString": secret(as_json)})
    assert "password" in _messages(bad, "secret-version-no-literal")
    fixed = json.dumps({"username": "app", "password": "S3cure-from-secret-config"})
    assert not config_pack.analyze("aws:secretsmanager/secretVersion:SecretVersion",
                                   {"secretString": secret(fixed)}).violations("secret-version-no-literal")
    assert not config_pack.analyze("aws:secretsmanager/secretVersion:SecretVersion",
                                   {"secretString": UNKNOWN_STRING_VALUE}).violations("secret-version-no-literal")


def test_glue_connection_password(pack):
    bad = pack.analyze("aws:glue/connection:Connection", {"connectionProperties": secret({
        "JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/app", "USERNAME": "etl", "PASSWORD": PASSWORD})})
    assert "PASSWORD" in _messages(bad, "workload-env-no-secrets")
    fixed = pack.analyze("aws:glue/connection:Connection", {"connectionProperties": secret({
        "JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/app", "SECRET_ID": "prod/etl/db"})})
    assert not fixed.violations("workload-env-no-secrets")


@pytest.mark.parametrize("type_,insecure,secure", [
    ("aws:sagemaker/model:Model",
     {"primaryContainer": {"image": "i", "environment": {"HF_TOKEN": "hf_" + "x" * 34}}},
     {"primaryContainer": {"image": "i", "environment": {"HF_TOKEN_SECRET_ARN": "arn:aws:secretsmanager:r:1:secret:t"}}}),
    ("aws:sagemaker/model:Model",
     {"containers": [{"image": "i", "environment": {"PGPASSWORD": PASSWORD}}]},
     {"containers": [{"image": "i", "environment": {"PGHOST": "db.internal"}}]}),
    ("aws:batch/jobDefinition:JobDefinition",
     {"type": "container", "containerProperties": json.dumps({"image": "i", "environment": [
         {"name": "OPENAI_API_KEY", "value": OPENAI}]})},
     {"type": "container", "containerProperties": json.dumps({"image": "i", "secrets": [
         {"name": "OPENAI_API_KEY", "valueFrom": "arn:aws:secretsmanager:r:1:secret:k"}]})}),
    ("aws:batch/jobDefinition:JobDefinition",
     {"type": "container", "containerProperties": json.dumps({"image": "i", "command": [
         "psql", "postgres://etl:" + PASSWORD + "@db.internal/app"]})},
     {"type": "container", "containerProperties": json.dumps({"image": "i", "command": ["psql", "-h", "db"]})}),
    ("aws:apprunner/service:Service",
     {"sourceConfiguration": {"imageRepository": {"imageIdentifier": "i", "imageConfiguration": {
         "runtimeEnvironmentVariables": {"MYSQL_PWD": PASSWORD}}}}},
     {"sourceConfiguration": {"imageRepository": {"imageIdentifier": "i", "imageConfiguration": {
         "runtimeEnvironmentSecrets": {"MYSQL_PWD": "arn:aws:secretsmanager:r:1:secret:db"}}}}}),
    ("aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
     {"environmentVariables": {"SLACK_BOT": "xoxb-" + "1234567890-abcdefghij"}},
     {"environmentVariables": {"SLACK_SECRET_ARN": "arn:aws:secretsmanager:r:1:secret:s"}}),
])
def test_workload_environments(pack, type_, insecure, secure):
    bad = pack.analyze(type_, insecure)
    assert bad.violations("workload-env-no-secrets"), type_
    assert PASSWORD not in _messages(bad, "workload-env-no-secrets") and OPENAI not in _messages(
        bad, "workload-env-no-secrets")
    assert not pack.analyze(type_, secure).violations("workload-env-no-secrets")


def test_ecs_command_and_entry_point(pack):
    def task(container):
        return {"containerDefinitions": json.dumps([dict({"name": "app", "image": "i"}, **container)])}
    bad = pack.analyze("aws:ecs/taskDefinition:TaskDefinition",
                       task({"command": ["sh", "-c", f"export PGPASSWORD={PASSWORD}; ./migrate"]}))
    assert bad.violations("ecs-task-env-no-secrets")
    bad = pack.analyze("aws:ecs/taskDefinition:TaskDefinition", task({"entryPoint": ["./run", "--api-key", GHP]}))
    assert bad.violations("ecs-task-env-no-secrets")
    ok = pack.analyze("aws:ecs/taskDefinition:TaskDefinition", task({"command": ["./serve", "--port", "8080"]}))
    assert not ok.violations("ecs-task-env-no-secrets")


@pytest.mark.parametrize("name", ["PGPASSWORD", "MYSQL_PWD", "GITHUBTOKEN", "APPSECRET"])
def test_single_word_secret_names(pack, name):
    bad = pack.analyze("aws:lambda/function:Function", {"environment": {"variables": {name: PASSWORD}}})
    assert bad.violations("lambda-env-no-secrets"), name


@pytest.mark.parametrize("value", ["postgres://app:" + PASSWORD + "@db.internal:5432/app", "hf_" + "Q" * 34])
def test_secrets_found_by_value_under_innocent_names(pack, value):
    bad = pack.analyze("aws:lambda/function:Function", {"environment": {"variables": {"DATABASE_URL": value}}})
    assert bad.violations("lambda-env-no-secrets")
    ok = pack.analyze("aws:lambda/function:Function", {"environment": {"variables": {
        "DATABASE_URL": "postgres://app@db.internal:5432/app", "MAX_TOKENS": "4096", "TOKENIZER": "cl100k"}}})
    assert not ok.violations("lambda-env-no-secrets")


def test_secure_config_is_not_plain_when_only_configure_stack_names_the_secret_keys():
    # Pulumi's Python host starts a pack with the decrypted config in PULUMI_CONFIG but no
    # PULUMI_CONFIG_SECRET_KEYS (sdk/policy_proxy.go): which keys are secret arrives in ConfigureStack only.
    # Found by the real-CLI parity test (tests/realcli): a `secure:` value was reported as plain text there.
    config = {"preflight:environment": "prod", "app:securePassword": "S3cure-from-secret-config",
              "app:openaiKey": OPENAI}
    context = StackContext(project="app", stack="prod", config=config, secret_keys=[])
    with PolicyPackProcess(PACK_DIR, context) as process:
        context.secret_keys = ["app:securePassword", "app:openaiKey"]  # sent with ConfigureStack only
        client = PackClient(process)
        r = client.analyze_stack([res("aws:s3/bucket:Bucket", "b")])
        assert not r.violations("stack-config-no-plaintext-secrets"), _messages(r, "stack-config-no-plaintext-secrets")
        version = client.analyze("aws:secretsmanager/secretVersion:SecretVersion",
                                 {"secretId": "s", "secretString": secret("S3cure-from-secret-config")})
        assert not version.violations("secret-version-no-literal")
    # The same config with no secret keys anywhere is plain text in the stack file: a finding.
    context = StackContext(project="app", stack="prod", config=config, secret_keys=[])
    with PolicyPackProcess(PACK_DIR, context) as process:
        r = PackClient(process).analyze_stack([res("aws:s3/bucket:Bucket", "b")])
        assert r.violations("stack-config-no-plaintext-secrets")
