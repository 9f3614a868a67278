import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()

if cfg.get_bool("keepOrders") is not False:
    aws.dynamodb.Table("orders", attributes=[{"name": "id", "type": "S"}], hash_key="id",
                       billing_mode="PAY_PER_REQUEST", deletion_protection_enabled=True,
                       point_in_time_recovery={"enabled": True})

aws.s3.Bucket("archive", bucket=cfg.get("archiveBucket") or "acme-archive-1")

aws.dynamodb.Table("sessions", name=cfg.get("sessionsTable") or "sessions-1",
                   attributes=[{"name": "id", "type": "S"}], hash_key="id", billing_mode="PAY_PER_REQUEST",
                   opts=pulumi.ResourceOptions(delete_before_replace=True))

if cfg.get_bool("keepCarts") is not False:
    aws.dynamodb.Table("carts", attributes=[{"name": "id", "type": "S"}], hash_key="id",
                       billing_mode="PAY_PER_REQUEST",
                       opts=pulumi.ResourceOptions(protect=cfg.get_bool("protectCarts") is not False))

secret = aws.secretsmanager.Secret("db-password")
aws.secretsmanager.SecretVersion("db-password-v1", secret_id=secret.id,
                                 secret_string=cfg.require_secret("dbPassword"))
