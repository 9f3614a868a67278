"""REST API in front of a Lambda, in the style of the Pulumi examples people start from."""
import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
stage_name = config.get("stage") or "v1"

role = aws.iam.Role(
    "handler-role",
    assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}],
    }),
)
aws.iam.RolePolicyAttachment(
    "handler-logs", role=role.name,
    policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")

handler = aws.lambda_.Function(
    "handler",
    runtime="python3.12",
    handler="app.handler",
    role=role.arn,
    code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c):\n    return {'statusCode': 200}\n")}),
    timeout=10,
)

api = aws.apigateway.RestApi("orders")
resource = aws.apigateway.Resource("orders-proxy", rest_api=api.id, parent_id=api.root_resource_id,
                                   path_part="{proxy+}")
method = aws.apigateway.Method("orders-any", rest_api=api.id, resource_id=resource.id, http_method="ANY",
                               authorization="NONE")
integration = aws.apigateway.Integration("orders-lambda", rest_api=api.id, resource_id=resource.id,
                                         http_method=method.http_method, integration_http_method="POST",
                                         type="AWS_PROXY", uri=handler.invoke_arn)
deployment = aws.apigateway.Deployment("orders-deployment", rest_api=api.id,
                                       opts=pulumi.ResourceOptions(depends_on=[integration]))
stage = aws.apigateway.Stage("orders-stage", rest_api=api.id, deployment=deployment.id, stage_name=stage_name)

aws.lambda_.Permission(
    "api-invoke",
    action="lambda:InvokeFunction",
    function=handler,
    principal="apigateway.amazonaws.com",
    source_arn=api.execution_arn.apply(lambda arn: arn + "/*/*"),
)

pulumi.export("url", pulumi.Output.concat("https://", api.id, ".execute-api.eu-west-1.amazonaws.com/", stage_name))
