"""A typical small app: a bucket with AES256 only, an unencrypted DB, a password from secret config."""
import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
prefix = cfg.require("bucketPrefix")
db_password = cfg.require_secret("dbPassword")

assets = aws.s3.Bucket("assets", bucket=f"{prefix}-assets")
aws.s3.BucketServerSideEncryptionConfiguration(
    "assets", bucket=assets.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}])

identity = aws.get_caller_identity()
zones = aws.get_availability_zones()

db = aws.rds.Instance("orders", engine="postgres", instance_class="db.t4g.micro", allocated_storage=20,
                      username="shop", password=db_password, backup_retention_period=1,
                      skip_final_snapshot=True,
                      tags={"account": identity.account_id, "az": zones.names[0]})

if cfg.get_bool("explode"):
    raise ValueError("sample program failure requested by config 'explode'")

pulumi.export("assets", assets.id)
