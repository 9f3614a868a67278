"""The baseline program: bootstraps one environment (one stack = one AWS account).

A first slice; the components issue replaces it with the full baseline built from components/.
"""
import json

import pulumi
import pulumi_aws as aws

env = pulumi.Config("preflight").get("environment") or pulumi.get_stack()
protect = env == "prod"

key = aws.kms.Key("data", description="Preflight data key", enable_key_rotation=True,
                  deletion_window_in_days=30, opts=pulumi.ResourceOptions(protect=protect))

bucket = aws.s3.Bucket("data", opts=pulumi.ResourceOptions(protect=protect))
aws.s3.BucketServerSideEncryptionConfiguration(
    "data", bucket=bucket.id,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn},
            "bucket_key_enabled": True}])
aws.s3.BucketPublicAccessBlock("data", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets=True)

db = aws.rds.Instance("app", engine="postgres", instance_class="db.t4g.micro", allocated_storage=20,
                      storage_encrypted=True, kms_key_id=key.arn, backup_retention_period=7,
                      deletion_protection=True, manage_master_user_password=True, username="app",
                      skip_final_snapshot=False, final_snapshot_identifier="app-final",
                      opts=pulumi.ResourceOptions(protect=protect))

pulumi.export("bucket", bucket.id)
