import json
import pulumi
import pulumi_aws as aws

table = aws.dynamodb.Table("notes", billing_mode="PAY_PER_REQUEST", hash_key="id",
                           attributes=[aws.dynamodb.TableAttributeArgs(name="id", type="S")])

assume = aws.iam.get_policy_document(statements=[aws.iam.GetPolicyDocumentStatementArgs(
    actions=["sts:AssumeRole"],
    principals=[aws.iam.GetPolicyDocumentStatementPrincipalArgs(type="Service", identifiers=["lambda.amazonaws.com"])])])
role = aws.iam.Role("notes-fn", assume_role_policy=assume.json)
aws.iam.RolePolicy("notes-table", role=role.id,
                   policy=table.arn.apply(lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": arn}]})))
fn = aws.lambda_.Function("notes", runtime="python3.12", handler="index.handler", role=role.arn,
                          code=pulumi.FileArchive("./app"),
                          environment={"variables": {"TABLE": table.name}})
api = aws.apigatewayv2.Api("notes", protocol_type="HTTP")
integration = aws.apigatewayv2.Integration("notes", api_id=api.id, integration_type="AWS_PROXY",
                                           integration_uri=fn.invoke_arn, payload_format_version="2.0")
aws.apigatewayv2.Route("notes", api_id=api.id, route_key="ANY /notes/{id}",
                       target=integration.id.apply(lambda i: f"integrations/{i}"))
aws.apigatewayv2.Stage("default", api_id=api.id, name="$default", auto_deploy=True)
aws.lambda_.Permission("notes-api", action="lambda:InvokeFunction", function=fn.name,
                       principal="apigateway.amazonaws.com",
                       source_arn=pulumi.Output.format("{0}/*/*", api.execution_arn))
pulumi.export("endpoint", api.api_endpoint)
