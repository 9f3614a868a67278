"""Transforms run as the engine runs them (resmon.RegisterResource in pkg/resource/deploy/source_eval.go): a
resource's own `transforms`, then its parents' walking up, then the stack's, each on the previous one's output,
before anything is recorded. The pack then judges what the engine would have sent it, not what the program
wrote before its transforms."""
import json

from tests.cli.test_check_cli import preflight
from tests.conftest import write_project


def test_stack_transform_changes_inputs_and_options(run_program):
    resources = run_program("""
        import pulumi, pulumi_aws as aws

        def protect_databases(args):
            if args.type_ == "aws:rds/instance:Instance":
                return pulumi.ResourceTransformResult(
                    props={**args.props, "storageEncrypted": True},
                    opts=pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=True)))
            return None

        aws.sqs.Queue("before")  # registered before the transform: untouched, as in the engine
        pulumi.runtime.register_resource_transform(protect_databases)
        aws.rds.Instance("db", engine="postgres", instance_class="db.t4g.micro", allocated_storage=20,
                         manage_master_user_password=True, username="app")
        aws.sqs.Queue("after")
    """)
    by_name = {r["name"]: r for r in resources}
    assert by_name["db"]["protect"] is True
    assert by_name["db"]["props"]["storageEncrypted"] is True
    assert by_name["db"]["props"]["engine"] == "postgres"
    assert by_name["db"].get("transformed") is True
    assert by_name["after"]["protect"] is False and by_name["after"].get("transformed") is True
    assert "transformed" not in by_name["before"]


def test_order_own_then_parents_then_stack(run_program):
    """Each transform appends its name to a tag: the final value shows the engine's order."""
    resources = run_program("""
        import pulumi, pulumi_aws as aws

        def mark(label):
            def t(args):
                if args.type_ != "aws:sqs/queue:Queue":
                    return None
                tags = dict(args.props.get("tags") or {})
                tags["order"] = (tags.get("order", "") + " " + label).strip()
                return pulumi.ResourceTransformResult(props={**args.props, "tags": tags}, opts=args.opts)
            return t

        pulumi.runtime.register_resource_transform(mark("stack"))

        class Service(pulumi.ComponentResource):
            def __init__(self, name, opts=None):
                super().__init__("acme:app:Service", name, None, opts)
                aws.sqs.Queue(f"{name}-q", opts=pulumi.ResourceOptions(parent=self, transforms=[mark("own")]))

        Service("svc", opts=pulumi.ResourceOptions(transforms=[mark("parent")]))
    """)
    [queue] = [r for r in resources if r["name"] == "svc-q"]
    assert queue["props"]["tags"]["order"] == "own parent stack"


def test_transform_that_fixes_a_violation_is_credited_and_one_that_breaks_is_caught(tmp_path):
    program = """
        import pulumi, pulumi_aws as aws

        def {name}(args):
            if args.type_ == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
                return pulumi.ResourceTransformResult(props={{**args.props, "blockPublicPolicy": {value}}},
                                                      opts=args.opts)
            return None

        pulumi.runtime.register_resource_transform({name})
        b = aws.s3.Bucket("data")
        aws.s3.BucketPublicAccessBlock("data-pab", bucket=b.id, block_public_acls=True, block_public_policy={written},
                                       ignore_public_acls=True, restrict_public_buckets=True)
    """
    outcomes = {}
    for label, value, written in (("fixes", "True", "False"), ("breaks", "False", "True")):
        project = tmp_path / label
        project.mkdir()
        write_project(project, program.format(name=label, value=value, written=written))
        proc = preflight("check", str(project), "--stack", "prod", "--format", "json")
        doc = json.loads(proc.stdout)
        outcomes[label] = {v["policy"] for v in doc["violations"] if v["urn"].endswith("::data-pab")}
        assert not any("transforms" in w for w in doc["warnings"]), doc["warnings"]
    assert "s3-public-access-block-settings" not in outcomes["fixes"]
    assert "s3-public-access-block-settings" in outcomes["breaks"]


def test_a_failing_transform_is_the_programs_error(tmp_path):
    write_project(tmp_path, """
        import pulumi, pulumi_aws as aws

        def broken(args):
            raise ValueError("tag policy table is missing")

        pulumi.runtime.register_resource_transform(broken)
        aws.sqs.Queue("q")
    """)
    proc = preflight("check", str(tmp_path), "--stack", "prod")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "tag policy table is missing" in proc.stderr


def test_invoke_transforms_change_what_an_invoke_is_asked(run_program):
    """register_invoke_transform: the engine runs the stack's invoke transforms before the provider answers
    (resmon.Invoke). Here one narrows every policy document to one bucket; both the plain and the output form
    of the invoke see it."""
    resources = run_program("""
        import pulumi, pulumi_aws as aws

        def narrow(args):
            if args.token != "aws:iam/getPolicyDocument:getPolicyDocument":
                return None
            statements = [dict(s, resources=["arn:aws:s3:::reports/*"]) for s in args.args.get("statements", [])]
            return pulumi.InvokeTransformResult(args={**args.args, "statements": statements}, opts=args.opts)

        pulumi.runtime.register_invoke_transform(narrow)
        statement = {"effect": "Allow", "actions": ["s3:GetObject"], "resources": ["*"]}
        plain = aws.iam.get_policy_document(statements=[statement])
        aws.iam.Policy("plain", policy=plain.json)
        lifted = aws.iam.get_policy_document_output(statements=[statement])
        aws.iam.Policy("lifted", policy=lifted.json)
    """)
    by_name = {r["name"]: r for r in resources}
    for name in ("plain", "lifted"):
        doc = json.loads(by_name[name]["props"]["policy"])
        assert doc["Statement"][0]["Resource"] == "arn:aws:s3:::reports/*", (name, doc)


def test_a_component_method_call_is_unknown_not_a_crash(tmp_path):
    """Methods of remote components (pulumi_eks.Cluster.get_kubeconfig) run in the component's plugin: offline
    their result is unknown, named in a warning; the program runs on."""
    write_project(tmp_path, """
        import pulumi, pulumi_aws as aws, pulumi_eks as eks
        cluster = eks.Cluster("c")
        kubeconfig = cluster.get_kubeconfig()
        aws.ssm.Parameter("kubeconfig", type="SecureString", value=kubeconfig.apply(str))
    """)
    proc = preflight("check", str(tmp_path), "--stack", "prod", "--format", "json", "--allow-uninspected")
    doc = json.loads(proc.stdout)
    assert proc.returncode in (0, 1), proc.stderr
    assert any("eks:index:Cluster/getKubeconfig" in w for w in doc["warnings"]), doc["warnings"]
    assert doc["resources"] >= 2
