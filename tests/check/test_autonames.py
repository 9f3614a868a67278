"""Autonamed physical names, as pulumi-aws's Check fills them in during a preview.

Each case is a rule read in pulumi/pulumi-aws provider/autonaming.go + resource_overrides.go and in
pulumi/pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go (see the comment above AUTONAMED in
preflight/check/invokes.py). The program creates the resource with no name; the recorded props must hold the
name the provider would propose: the resource name (transformed), the separator, the random suffix, the
special suffix or prefix, within the maximum length.
"""
import re

import pytest

# (python constructor with its required args, resource name, property, expected regex of the value)
CASES = [
    ("aws.s3.Bucket", "", "LogsBucket", "bucket", r"logsbucket-[0-9a-f]{7}"),
    ("aws.lambda_.Function", "role='r', runtime='python3.12', handler='h'", "Api", "name", r"Api-[0-9a-f]{7}"),
    ("aws.iam.Role", "assume_role_policy='{}'", "Runner", "name", r"Runner-[0-9a-f]{7}"),
    ("aws.iam.Policy", "policy='{}'", "Read", "name", r"Read-[0-9a-f]{7}"),
    ("aws.sqs.Queue", "", "Jobs", "name", r"Jobs-[0-9a-f]{7}"),
    ("aws.sqs.Queue", "fifo_queue=True", "Orders", "name", r"Orders-[0-9a-f]{7}\.fifo"),
    ("aws.sns.Topic", "fifo_topic=True", "Events", "name", r"Events-[0-9a-f]{7}\.fifo"),
    ("aws.kms.Alias", "target_key_id='k'", "data", "name", r"alias/data-[0-9a-f]{7}"),
    ("aws.rds.Instance", "instance_class='db.t3.micro', engine='postgres'", "Main", "identifier",
     r"Main-[0-9a-f]{7}"),
    ("aws.rds.Instance", "instance_class='db.t3.micro', engine='sqlserver-ex'", "reports", "identifier",
     r"reports-[0-9a-f]{3}"),
    ("aws.lb.TargetGroup", "", "web", "name", r"web-[0-9a-f]{7}"),
    ("aws.ecs.Cluster", "", "apps", "name", r"apps-[0-9a-f]{7}"),
    ("aws.cloudwatch.LogGroup", "", "audit", "name", r"audit-[0-9a-f]{7}"),
    ("aws.cloudwatch.EventRule", "schedule_expression='rate(1 hour)'", "nightly", "name", r"nightly-[0-9a-f]{7}"),
    ("aws.secretsmanager.Secret", "", "db", "name", r"db-[0-9a-f]{7}"),
    ("aws.dynamodb.Table", "hash_key='id', attributes=[{'name': 'id', 'type': 'S'}]", "t", "name",
     r"t-[0-9a-f]{7}"),
    ("aws.efs.FileSystem", "", "shared", "creationToken", r"shared-[0-9a-f]{7}"),
    ("aws.elasticache.ReplicationGroup", "description='d'", "Cache", "replicationGroupId", r"cache-[0-9a-f]{7}"),
    ("aws.glue.CatalogDatabase", "", "Lake", "name", r"lake_[a-z]{8}"),
    ("aws.athena.Database", "bucket='b'", "q", "name", r"q_[0-9a-f]{7}"),
]


@pytest.mark.parametrize("ctor,args,name,prop,shape", CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_autoname_shape(run_program, ctor, args, name, prop, shape):
    [r] = run_program(f"""
        import pulumi_aws as aws
        {ctor}("{name}", {args})
    """)
    assert re.fullmatch(shape, r["props"][prop]), r["props"][prop]
    assert prop in r["autonamed"]


def test_the_suffix_follows_the_urn(run_program):
    """Two resources with the same name in different stacks differ; the same program gives the same name."""
    src = """
        import pulumi_aws as aws
        aws.sqs.Queue("jobs")
    """
    first = run_program(src)[0]["props"]["name"]
    again = run_program(src)[0]["props"]["name"]
    other = run_program(src, stack="dev")[0]["props"]["name"]
    assert first == again and first != other


@pytest.mark.parametrize("ctor,args,prop", [
    ("aws.rds.Cluster", "engine='aurora-postgresql'", "clusterIdentifier"),
    ("aws.rds.ClusterInstance", "cluster_identifier='c', instance_class='db.r6g.large', engine='aurora-postgresql'",
     "identifier"),
    ("aws.route53.Record", "zone_id='Z1', type='A', name='www.example.com', records=['1.2.3.4'], ttl=60", None),
])
def test_not_autonamed(run_program, ctor, args, prop):
    """The provider leaves these to the upstream provider at apply time: unknown in a preview, not filled in."""
    [r] = run_program(f"""
        import pulumi_aws as aws
        {ctor}("db", {args})
    """)
    assert r["autonamed"] == []
    if prop:
        assert prop not in r["props"]


def test_a_given_name_or_prefix_is_kept(run_program):
    resources = run_program("""
        import pulumi_aws as aws
        aws.s3.Bucket("a", bucket="exact-name")
        aws.s3.Bucket("b", bucket_prefix="pre-")
        aws.iam.Role("c", assume_role_policy="{}", name_prefix="svc-")
    """)
    by = {r["name"]: r for r in resources}
    assert by["a"]["props"]["bucket"] == "exact-name" and by["a"]["autonamed"] == []
    assert "bucket" not in by["b"]["props"] and by["b"]["autonamed"] == []
    assert "name" not in by["c"]["props"] and by["c"]["autonamed"] == []


def test_a_name_too_long_to_autoname_is_a_warning_not_a_truncated_name(tmp_path):
    """NewUniqueName does not truncate: the resource name plus separator and suffix over the maximum fails Check."""
    from preflight.check import engine
    from preflight.check.project import load_project, load_stack
    from tests.conftest import write_project
    long = "a-very-long-lambda-function-name-for-the-nightly-report-generator"  # 65 characters
    write_project(tmp_path, f"""
        import pulumi_aws as aws
        aws.lambda_.Function("{long}", role="r", runtime="python3.12", handler="h")
        aws.iam.Role("{long[:56]}", assume_role_policy="{{}}")
    """)
    project = load_project(str(tmp_path))
    rec = engine.record(project, load_stack(project, "prod"))
    by = {r["name"]: r for r in rec.resources}
    assert "name" not in by[long]["props"] and by[long]["autonamed"] == []
    assert re.fullmatch(r"a-very-long.{45}-[0-9a-f]{7}", by[long[:56]]["props"]["name"])  # exactly 64: fits
    [warning] = [w for w in rec.warnings if "cannot autoname" in w]
    assert long in warning and "longer than 64" in warning and "at most 56 characters" in warning
