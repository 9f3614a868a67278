"""API Gateway + Lambda in a component, in the style of the Pulumi examples."""
import pulumi
import pulumi_aws as aws


class Api(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("shop:index:Api", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", assume_role_policy=aws.iam.get_policy_document(statements=[{
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
        }]).json, opts=child)
        fn = aws.lambda_.Function(f"{name}-fn", role=role.arn, runtime="python3.12", handler="app.handler",
                                  code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(e, c): return {}")}),
                                  opts=child)
        api = aws.apigateway.RestApi(f"{name}-api", opts=child)
        aws.lambda_.Permission(f"{name}-invoke", action="lambda:InvokeFunction", function=fn.name,
                               principal="apigateway.amazonaws.com",
                               source_arn=api.execution_arn.apply(lambda a: f"{a}/*/*"), opts=child)
        self.url = api.id
        self.register_outputs({"url": self.url})


api = Api("orders")
pulumi.export("url", api.url)
