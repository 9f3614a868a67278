import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
token = cfg.require_secret("apiToken")
port = cfg.require_secret("dbPort").apply(int)
key = aws.kms.Key("params", enable_key_rotation=True)
aws.ssm.Parameter("api-token", type="SecureString", key_id=key.key_id, value=token)
aws.sqs.Queue("facts", tags={"next_port": pulumi.Output.unsecret(port).apply(lambda p: str(p + 1)),
                              "token_length": pulumi.Output.unsecret(token).apply(lambda t: str(len(t)))})
