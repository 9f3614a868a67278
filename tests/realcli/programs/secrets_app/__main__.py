"""A service that reads a secret from stack config (set with `pulumi config set --secret`)."""
import json

import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
token = cfg.require_secret("apiToken")

secret = aws.secretsmanager.Secret("api-token", recovery_window_in_days=0)
aws.secretsmanager.SecretVersion("api-token-v1", secret_id=secret.id, secret_string=token)

key = aws.kms.Key("data", deletion_window_in_days=7, enable_key_rotation=False)

role = aws.iam.Role("worker", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]}))
aws.iam.RolePolicy("worker-inline", role=role.id, policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
