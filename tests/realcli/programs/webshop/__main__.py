import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()

assets = aws.s3.Bucket("assets", tags={"team": "shop"})
aws.s3.BucketVersioning("assets-versioning", bucket=assets.id,
                        versioning_configuration={"status": "Enabled"})
aws.s3.BucketServerSideEncryptionConfiguration(
    "assets-sse", bucket=assets.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])

uploads = aws.s3.Bucket("uploads", force_destroy=True)

db = aws.rds.Instance(
    "orders",
    engine="postgres",
    instance_class=cfg.get("dbSize") or "db.t3.micro",
    allocated_storage=20,
    username="shop",
    manage_master_user_password=True,
    skip_final_snapshot=True,
    backup_retention_period=1,
)

carts = aws.dynamodb.Table(
    "carts",
    attributes=[{"name": "id", "type": "S"}],
    hash_key="id",
    billing_mode="PAY_PER_REQUEST",
    point_in_time_recovery={"enabled": True},
    opts=pulumi.ResourceOptions(protect=True),
)

logs = aws.cloudwatch.LogGroup("app", retention_in_days=3)

pulumi.export("assets", assets.bucket)
pulumi.export("db", db.endpoint)
