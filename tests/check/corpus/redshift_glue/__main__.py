import json
import pulumi
import pulumi_aws as aws

cfg = pulumi.Config()
raw = aws.s3.Bucket("raw")
scripts = aws.s3.Bucket("scripts")
script = aws.s3.BucketObject("etl", bucket=scripts.id, key="etl.py", source=pulumi.StringAsset("print('etl')\n"))
db = aws.glue.CatalogDatabase("lake", name="lake")
glue_role = aws.iam.Role("glue", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    managed_policy_arns=["arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"])
aws.glue.Crawler("raw", database_name=db.name, role=glue_role.arn,
                 s3_targets=[{"path": raw.bucket.apply(lambda b: f"s3://{b}/events/")}])
aws.glue.Job("etl", role_arn=glue_role.arn, glue_version="4.0",
             command={"script_location": pulumi.Output.concat("s3://", scripts.bucket, "/", script.key),
                      "python_version": "3"},
             default_arguments={"--TempDir": raw.bucket.apply(lambda b: f"s3://{b}/tmp/")})
key = aws.kms.Key("warehouse", enable_key_rotation=True, deletion_window_in_days=30)
master = aws.secretsmanager.get_secret_version(secret_id="analytics/redshift-master")
warehouse = aws.redshift.Cluster(
    "warehouse", cluster_identifier="analytics", database_name="analytics", node_type="ra3.xlplus",
    cluster_type="multi-node", number_of_nodes=2, master_username=cfg.require("masterUser"),
    master_password=pulumi.Output.secret(json.loads(master.secret_string)["password"]),
    encrypted=True, kms_key_id=key.arn, publicly_accessible=False, skip_final_snapshot=False,
    final_snapshot_identifier="analytics-final")
pulumi.export("endpoint", warehouse.endpoint)
