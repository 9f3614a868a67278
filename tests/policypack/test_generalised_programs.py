"""Issue 13 measured the way users meet it: small programs in the styles people write, each insecure one with
its fix, run through `preflight check` (the recording engine and the pack over the protocol).

For every pair: the insecure program has a mandatory violation of the policy on the resource at fault; the fix
removes it and adds no finding the insecure program did not have.
"""
from __future__ import annotations

import pytest

from preflight.check.check import run_check
from tests.conftest import write_project

HEAD = "import json\nimport pulumi\nimport pulumi_aws as aws\n"
CONFIG = {"aws:region": "eu-west-1", "aws:allowedAccountIds": ["222222222222"]}

PAIRS = {
    "ecr-public-push": ("resource-policy-not-public", "aws:ecr/repositoryPolicy:RepositoryPolicy::images-policy", """
repo = aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
aws.ecr.RepositoryPolicy("images-policy", repository=repo.name, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "ci", "Effect": "Allow", "Principal": "*",
                   "Action": ["ecr:PutImage", "ecr:BatchDeleteImage", "ecr:BatchGetImage"]}]}))
""", """
repo = aws.ecr.Repository("images", image_tag_mutability="IMMUTABLE")
aws.ecr.RepositoryPolicy("images-policy", repository=repo.name, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Sid": "ci", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/ci"},
                   "Action": ["ecr:PutImage", "ecr:BatchGetImage"]}]}))
"""),
    "s3-full-access": ("iam-no-admin-managed-policies", "aws:iam/role:Role::worker", """
aws.iam.Role("worker", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    managed_policy_arns=["arn:aws:iam::aws:policy/AmazonS3FullAccess"])
""", """
aws.iam.Role("worker", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    managed_policy_arns=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
"""),
    "glue-password": ("workload-env-no-secrets", "aws:glue/connection:Connection::warehouse", """
aws.glue.Connection("warehouse", connection_properties={
    "JDBC_CONNECTION_URL": "jdbc:postgresql://warehouse.internal:5432/sales",
    "USERNAME": "etl", "PASSWORD": "Etl-Passw0rd-2024"})
""", """
aws.glue.Connection("warehouse", connection_properties={
    "JDBC_CONNECTION_URL": "jdbc:postgresql://warehouse.internal:5432/sales", "SECRET_ID": "prod/etl/warehouse"})
"""),
    "secret-literal": ("secret-version-no-literal", "aws:secretsmanager/secretVersion:SecretVersion::stripe-value", """
s = aws.secretsmanager.Secret("stripe")
aws.secretsmanager.SecretVersion("stripe-value", secret_id=s.id, secret_string="rk_test_51HxYzAbCdEfGhIjKlMn")
""", """
cfg = pulumi.Config()
s = aws.secretsmanager.Secret("stripe")
aws.secretsmanager.SecretVersion("stripe-value", secret_id=s.id, secret_string=cfg.require_secret("stripeKey"))
"""),
    "redshift-plain-config": ("database-password-not-plain", "aws:redshift/cluster:Cluster::dw", """
cfg = pulumi.Config()
aws.redshift.Cluster("dw", cluster_identifier="dw", node_type="ra3.xlplus", master_username="admin",
                     master_password=cfg.require("dwPassword"), encrypted=True)
""", """
cfg = pulumi.Config()
aws.redshift.Cluster("dw", cluster_identifier="dw", node_type="ra3.xlplus", master_username="admin",
                     master_password=cfg.require_secret("dwSecretPassword"), encrypted=True)
"""),
    "alb-implicit-http": ("lb-listener-https", "aws:lb/listener:Listener::web", """
lb = aws.lb.LoadBalancer("web-lb", load_balancer_type="application", subnets=["subnet-1", "subnet-2"])
aws.lb.Listener("web", load_balancer_arn=lb.arn, port=80,
                default_actions=[{"type": "forward", "target_group_arn": "arn:aws:elasticloadbalancing:tg"}])
""", """
lb = aws.lb.LoadBalancer("web-lb", load_balancer_type="application", subnets=["subnet-1", "subnet-2"])
aws.lb.Listener("web", load_balancer_arn=lb.arn, port=80, default_actions=[{"type": "redirect", "redirect": {
    "protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}])
"""),
    "ecs-public-ip": ("ecs-no-public-ip", "aws:ecs/service:Service::api", """
aws.ecs.Service("api", cluster="arn:aws:ecs:eu-west-1:222222222222:cluster/main", launch_type="FARGATE",
                task_definition="api:1", desired_count=2,
                network_configuration={"subnets": ["subnet-1"], "assign_public_ip": True})
""", """
aws.ecs.Service("api", cluster="arn:aws:ecs:eu-west-1:222222222222:cluster/main", launch_type="FARGATE",
                task_definition="api:1", desired_count=2,
                network_configuration={"subnets": ["subnet-1"], "assign_public_ip": False})
"""),
    "container-no-logs": ("ecs-container-logging", "aws:ecs/taskDefinition:TaskDefinition::worker", """
aws.ecs.TaskDefinition("worker", family="worker", requires_compatibilities=["FARGATE"], network_mode="awsvpc",
    cpu="256", memory="512", container_definitions=json.dumps([{"name": "worker", "image": "worker:1.4"}]))
""", """
aws.ecs.TaskDefinition("worker", family="worker", requires_compatibilities=["FARGATE"], network_mode="awsvpc",
    cpu="256", memory="512", container_definitions=json.dumps([{"name": "worker", "image": "worker:1.4",
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/worker",
                             "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "worker"}}}]))
"""),
    "kinesis-plain": ("kinesis-stream-encrypted", "aws:kinesis/stream:Stream::events", """
aws.kinesis.Stream("events", shard_count=2, retention_period=48)
""", """
aws.kinesis.Stream("events", shard_count=2, retention_period=48, encryption_type="KMS", kms_key_id="alias/aws/kinesis")
"""),
    "node12": ("lambda-runtime-supported", "aws:lambda/function:Function::thumbs", """
aws.lambda_.Function("thumbs", runtime="nodejs12.x", handler="index.handler", role="arn:aws:iam::222222222222:role/l",
                     code=pulumi.AssetArchive({"index.js": pulumi.StringAsset("exports.handler=async()=>1")}))
""", """
aws.lambda_.Function("thumbs", runtime="nodejs22.x", handler="index.handler", role="arn:aws:iam::222222222222:role/l",
                     code=pulumi.AssetArchive({"index.js": pulumi.StringAsset("exports.handler=async()=>1")}))
"""),
    "sfn-no-logs": ("stepfunctions-logging", "aws:sfn/stateMachine:StateMachine::orders", """
aws.sfn.StateMachine("orders", role_arn="arn:aws:iam::222222222222:role/sfn",
                     definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
""", """
logs = aws.cloudwatch.LogGroup("orders-logs", retention_in_days=365,
                               kms_key_id="arn:aws:kms:eu-west-1:222222222222:key/logs")
aws.sfn.StateMachine("orders", role_arn="arn:aws:iam::222222222222:role/sfn",
                     definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
                     logging_configuration={"level": "ERROR", "include_execution_data": False,
                                            "log_destination": logs.arn.apply(lambda a: f"{a}:*")})
"""),
    "split-ssh": ("security-group-no-world-admin-ports", "aws:ec2/securityGroup:SecurityGroup::bastion", """
aws.ec2.SecurityGroup("bastion", vpc_id="vpc-123", ingress=[{
    "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/1", "128.0.0.0/1"]}])
""", """
aws.ec2.SecurityGroup("bastion", vpc_id="vpc-123", ingress=[{
    "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_blocks": ["203.0.113.0/24"]}])
"""),
    "notaction-passrole": ("iam-no-wildcard-admin", "aws:iam/policy:Policy::deployer", """
aws.iam.Policy("deployer", policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}]}))
""", """
aws.iam.Policy("deployer", policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["lambda:UpdateFunctionCode", "lambda:PublishVersion"],
    "Resource": "arn:aws:lambda:eu-west-1:222222222222:function:api-*"}]}))
"""),
    "vpc-default-sg": ("vpc-default-security-group-restricted", "aws:ec2/vpc:Vpc::main", """
aws.ec2.Vpc("main", cidr_block="10.0.0.0/16")
""", """
vpc = aws.ec2.Vpc("main", cidr_block="10.0.0.0/16")
aws.ec2.DefaultSecurityGroup("main-default", vpc_id=vpc.id)
"""),
    "http-api-quick-create": ("apigatewayv2-no-quick-create", "aws:apigatewayv2/api:Api::chat", """
aws.apigatewayv2.Api("chat", protocol_type="HTTP", target="arn:aws:lambda:eu-west-1:222222222222:function:chat")
""", """
aws.apigatewayv2.Api("chat", protocol_type="HTTP")
"""),
}

STACK_CONFIG = {"app:dwPassword": "Dw-Passw0rd-plain", "app:dwSecretPassword": {"secure": "v1:abc"},
                "app:stripeKey": {"secure": "v1:def"}}


def _check(tmp_path_factory, label, source, extra=None):
    directory = tmp_path_factory.mktemp(label)
    write_project(directory, HEAD + source, stack="prod", config=dict(CONFIG, **STACK_CONFIG, **(extra or {})))
    result = run_check(str(directory), "prod")
    return {(v["policy"], v["urn"].split("::", 2)[-1] if v["urn"] else v["message"]): v
            for v in result.violations if v["level"] == "mandatory"}


@pytest.mark.parametrize("case", sorted(PAIRS))
def test_insecure_program_caught_and_its_fix_clean(tmp_path_factory, case):
    policy, resource, insecure, fixed = PAIRS[case]
    bad = _check(tmp_path_factory, f"{case}-bad", insecure)
    assert (policy, resource) in bad, f"{case}: expected {policy} on {resource}; got {sorted(bad)}"
    good = _check(tmp_path_factory, f"{case}-good", fixed)
    assert (policy, resource) not in good, f"{case}: the fix still fails {policy}"
    new = sorted(set(good) - set(bad))
    assert not new, f"{case}: the fix adds findings {new}"


def test_plain_openai_key_in_stack_config(tmp_path_factory):
    source = "aws.sns.Topic('alerts', kms_master_key_id='alias/aws/sns')\n"
    bad = _check(tmp_path_factory, "cfg-bad", source, {"app:openaiApiKey": "sk-proj-" + "Zq9" * 12})
    flagged = [v["message"] for (p, _), v in bad.items() if p == "stack-config-no-plaintext-secrets"]
    assert any("app:openaiApiKey" in m for m in flagged) and not any("Zq9" in m for m in flagged)
    good = _check(tmp_path_factory, "cfg-good", source, {"app:openaiApiKey": {"secure": "v1:xyz"}})
    assert not any("app:openaiApiKey" in v["message"] for (p, _), v in good.items()
                   if p == "stack-config-no-plaintext-secrets")
