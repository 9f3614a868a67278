"""Issue 13: data protection, observability and AI checks judged by the mistake; every insecure case has its fix."""
import json

import pytest

from tests.conftest import UNKNOWN_STRING_VALUE, link, res, secret


@pytest.mark.parametrize("policy,type_,insecure,fixed", [
    ("kinesis-stream-encrypted", "aws:kinesis/stream:Stream", {"shardCount": 1},
     {"shardCount": 1, "encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"}),
    ("firehose-encrypted", "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", {"destination": "extended_s3"},
     {"destination": "extended_s3", "serverSideEncryption": {"enabled": True, "keyType": "AWS_OWNED_CMK"}}),
    ("firehose-encrypted", "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
     {"serverSideEncryption": {"enabled": False}},
     {"kinesisSourceConfiguration": {"kinesisStreamArn": "arn:s", "roleArn": "arn:r"}}),
    ("msk-encryption-in-transit", "aws:msk/cluster:Cluster",
     {"encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT"}}}, {"kafkaVersion": "3.6.0"}),
    ("msk-encryption-in-transit", "aws:msk/cluster:Cluster",
     {"encryptionInfo": {"encryptionInTransit": {"inCluster": False}}},
     {"encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS", "inCluster": True}}}),
    ("backup-plan-retention", "aws:backup/plan:Plan",
     {"rules": [{"ruleName": "daily", "targetVaultName": "v", "lifecycle": {"deleteAfter": 1}}]},
     {"rules": [{"ruleName": "daily", "targetVaultName": "v", "lifecycle": {"deleteAfter": 35}}]}),
    ("ecs-container-logging", "aws:ecs/taskDefinition:TaskDefinition",
     {"containerDefinitions": json.dumps([{"name": "app", "image": "i"}])},
     {"containerDefinitions": json.dumps([{"name": "app", "image": "i", "logConfiguration": {
         "logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}}}])}),
    ("stepfunctions-logging", "aws:sfn/stateMachine:StateMachine", {"definition": "{}"},
     {"definition": "{}", "loggingConfiguration": {"level": "ERROR", "logDestination": "arn:aws:logs:r:1:log-group:x:*"}}),
    ("stepfunctions-logging", "aws:sfn/stateMachine:StateMachine", {"loggingConfiguration": {"level": "OFF"}},
     {"loggingConfiguration": {"level": "ALL", "logDestination": UNKNOWN_STRING_VALUE}}),
    ("lambda-runtime-supported", "aws:lambda/function:Function", {"runtime": "nodejs12.x"}, {"runtime": "nodejs22.x"}),
    ("lambda-runtime-supported", "aws:lambda/function:Function", {"runtime": "python3.8"}, {"runtime": "python3.12"}),
    ("bedrock-guardrail-blocks", "aws:bedrock/guardrail:Guardrail",
     {"contentPolicyConfig": {"filtersConfigs": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH",
                                                  "outputStrength": "NONE", "inputAction": "NONE"}]}},
     {"contentPolicyConfig": {"filtersConfigs": [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH",
                                                  "outputStrength": "NONE", "inputAction": "BLOCK"}]}}),
    ("bedrock-guardrail-blocks", "aws:bedrock/guardrail:Guardrail",
     {"topicPolicyConfig": {"topicsConfigs": [{"name": "investing", "type": "DENY", "definition": "d",
                                               "inputAction": "NONE"}]}},
     {"topicPolicyConfig": {"topicsConfigs": [{"name": "investing", "type": "DENY", "definition": "d"}]}}),
    ("bedrock-agent-model-approved", "aws:bedrock/agentAgent:AgentAgent",
     {"foundationModel": "anthropic.claude-opus-4-20250514-v1:0"},
     {"foundationModel": "anthropic.claude-3-5-haiku-20241022-v1:0"}),
    ("sagemaker-endpoint-instance-approved", "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
     {"productionVariants": [{"modelName": "m", "instanceType": "ml.p4d.24xlarge", "initialInstanceCount": 2}]},
     {"productionVariants": [{"modelName": "m", "instanceType": "ml.g5.xlarge", "initialInstanceCount": 1}]}),
    ("agentcore-runtime-vpc", "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
     {"networkConfiguration": {"networkMode": "PUBLIC"}},
     {"networkConfiguration": {"networkMode": "VPC", "networkModeConfig": {"subnets": ["s"], "securityGroups": ["g"]}}}),
    ("agentcore-gateway-authorization", "aws:bedrock/agentcoreGateway:AgentcoreGateway",
     {"authorizerType": "NONE", "protocolType": "MCP"},
     {"authorizerType": "CUSTOM_JWT", "protocolType": "MCP", "authorizerConfiguration": {"customJwtAuthorizer": {
         "discoveryUrl": "https://idp/.well-known/openid-configuration"}}}),
    ("agentcore-credential-not-literal",
     "aws:bedrock/agentcoreApiKeyCredentialProvider:AgentcoreApiKeyCredentialProvider",
     {"apiKey": secret("tvly-3f9a8b7c6d5e4f3a2b1c")}, {"apiKey": secret(UNKNOWN_STRING_VALUE)}),
    ("agentcore-credential-not-literal",
     "aws:bedrock/agentcoreOauth2CredentialProvider:AgentcoreOauth2CredentialProvider",
     {"oauth2ProviderConfig": {"githubOauth2ProviderConfig": {"clientId": "c", "clientSecret": secret("9f8e7d6c5b4a")}}},
     {"oauth2ProviderConfig": {"githubOauth2ProviderConfig": {"clientId": "c", "clientSecret": secret("[secret]")}}}),
])
def test_insecure_caught_fix_clears_it(pack, policy, type_, insecure, fixed):
    assert pack.analyze(type_, insecure).violations(policy), (policy, insecure)
    assert not pack.analyze(type_, fixed).violations(policy), (policy, fixed)


def test_action_group_taking_free_form_sql_needs_return_control(pack):
    group = {"actionGroupName": "reports", "agentId": "a", "agentVersion": "DRAFT",
             "functionSchema": {"memberFunctions": {"functions": [{"name": "run_report", "parameters": [
                 {"mapBlockKey": "sql_query", "type": "string", "required": True}]}]}},
             "actionGroupExecutor": {"lambda": "arn:aws:lambda:r:1:function:reports"}}
    bad = pack.analyze("aws:bedrock/agentAgentActionGroup:AgentAgentActionGroup", group)
    assert "sql_query" in bad.violations("bedrock-action-group-human-approval")[0].message
    group["actionGroupExecutor"] = {"customControl": "RETURN_CONTROL"}
    assert not pack.analyze("aws:bedrock/agentAgentActionGroup:AgentAgentActionGroup", group).violations(
        "bedrock-action-group-human-approval")
    api = dict(group, functionSchema=None, actionGroupExecutor={"lambda": "arn:fn"}, apiSchema={"payload": json.dumps(
        {"openapi": "3.0.0", "paths": {"/run": {"post": {"parameters": [{"name": "command", "in": "query"}]}}}})})
    assert pack.analyze("aws:bedrock/agentAgentActionGroup:AgentAgentActionGroup", api).violations(
        "bedrock-action-group-human-approval")


def test_tool_lambda_role_is_judged_as_an_agent_role(pack):
    trust = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                       "Action": "sts:AssumeRole"}]})
    role = res("aws:iam/role:Role", "tool-role", {"assumeRolePolicy": trust, "inlinePolicies": [{"name": "db", "policy":
               json.dumps({"Statement": [{"Effect": "Allow", "Action": "dynamodb:DeleteTable",
                                          "Resource": "arn:aws:dynamodb:r:1:table/orders"}]})}]})
    fn = link(res("aws:lambda/function:Function", "tool", {"runtime": "python3.12"}), "role", role, "arn:role")
    group = link(res("aws:bedrock/agentAgentActionGroup:AgentAgentActionGroup", "g", {"actionGroupName": "g"}),
                 "actionGroupExecutor", fn, {"lambda": "arn:fn"})
    bad = pack.analyze_stack([role, fn, group])
    found = bad.violations("agent-role-no-destructive-actions")
    assert found and found[0].urn == role["urn"] and "tool" in found[0].message
    alone = pack.analyze_stack([role, fn])  # the same function, not a tool of an agent
    assert not alone.violations("agent-role-no-destructive-actions")


def test_lambda_without_declared_log_group(pack):
    fn = res("aws:lambda/function:Function", "api", {"runtime": "python3.12", "name": "api-handler"})
    found = pack.analyze_stack([fn]).violations("lambda-log-group-retention")
    assert found and found[0].urn == fn["urn"]
    by_value = res("aws:cloudwatch/logGroup:LogGroup", "lg", {"name": "/aws/lambda/api-handler", "retentionInDays": 30})
    assert not pack.analyze_stack([fn, by_value]).violations("lambda-log-group-retention")
    auto = res("aws:lambda/function:Function", "auto", {"runtime": "python3.12"})
    by_dependency = link(res("aws:cloudwatch/logGroup:LogGroup", "lg2", {"retentionInDays": 30}), "name", auto,
                         UNKNOWN_STRING_VALUE)
    assert not pack.analyze_stack([auto, by_dependency]).violations("lambda-log-group-retention")


def test_alarm_topic_with_aws_managed_key(pack):
    topic = res("aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": "alias/aws/sns"})
    alarm = link(res("aws:cloudwatch/metricAlarm:MetricAlarm", "errors", {}), "alarmActions", topic, ["arn:t"])
    found = pack.analyze_stack([topic, alarm]).violations("alarm-topic-customer-key")
    assert found and found[0].urn == topic["urn"]
    topic["props"]["kmsMasterKeyId"] = "arn:aws:kms:eu-west-1:1:key/abc"
    assert not pack.analyze_stack([topic, alarm]).violations("alarm-topic-customer-key")


def _bucket_with_rule(name, rule):
    bucket = res("aws:s3/bucket:Bucket", name, {"bucket": name})
    lc = link(res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", f"{name}-lc",
                  {"rules": [rule]}), "bucket", bucket)
    return [bucket, lc]


def test_lifecycle_expiring_current_objects_of_a_data_bucket(pack):
    expire = {"id": "expire", "status": "Enabled", "expiration": {"days": 30}}
    found = pack.analyze_stack(_bucket_with_rule("customer-uploads-data", dict(expire, id="x"))).violations(
        "s3-data-bucket-no-current-expiration")
    assert not found  # "uploads": a transfer area, not a data store
    found = pack.analyze_stack(_bucket_with_rule("customer-records", expire)).violations(
        "s3-data-bucket-no-current-expiration")
    assert found and "customer-records" in found[0].message
    keep = {"id": "old", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrentDays": 90}}
    assert not pack.analyze_stack(_bucket_with_rule("customer-records", keep)).violations(
        "s3-data-bucket-no-current-expiration")
    tmp = dict(expire, filter={"prefix": "tmp/"})
    assert not pack.analyze_stack(_bucket_with_rule("customer-records", tmp)).violations(
        "s3-data-bucket-no-current-expiration")
    assert not pack.analyze_stack(_bucket_with_rule("app-access-logs", expire)).violations(
        "s3-data-bucket-no-current-expiration")


def test_lifecycle_rule_is_prod_only(pack_for):
    dev = pack_for("dev")
    expire = {"id": "expire", "status": "Enabled", "expiration": {"days": 30}}
    assert not dev.analyze_stack(_bucket_with_rule("customer-records", expire)).violations(
        "s3-data-bucket-no-current-expiration")


@pytest.mark.parametrize("type_", ["aws:opensearch/serverlessCollection:ServerlessCollection",
                                   "aws:redshiftserverless/namespace:Namespace", "aws:qldb/ledger:Ledger"])
def test_vector_and_other_stores_must_be_protected_in_prod(pack, type_):
    assert pack.analyze_stack([res(type_, "store", {})]).violations("prod-data-stores-protected")
    assert not pack.analyze_stack([res(type_, "store", {}, protect=True)]).violations("prod-data-stores-protected")
