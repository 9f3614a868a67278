"""The recording mock engine: what it records is what the engine would send to an analyzer."""
import json

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def test_records_inputs_options_and_graph(run_program):
    resources = run_program("""
        import pulumi, pulumi_aws as aws
        key = aws.kms.Key("k", enable_key_rotation=True, opts=pulumi.ResourceOptions(protect=True))
        b = aws.s3.Bucket("b", opts=pulumi.ResourceOptions(retain_on_delete=True, ignore_changes=["tags"]))
        aws.s3.BucketServerSideEncryptionConfiguration("sse", bucket=b.id, rules=[{
            "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key.arn}}])
    """, config={"aws:region": "eu-central-1", "aws:allowedAccountIds": ["999999999999"]})
    by_name = {r["name"]: r for r in resources}
    assert by_name["k"]["protect"] is True and by_name["k"]["props"]["enableKeyRotation"] is True
    assert by_name["b"]["retainOnDelete"] is True and by_name["b"]["ignoreChanges"] == ["tags"]
    sse = by_name["sse"]
    assert sse["urn"] == "urn:pulumi:prod::app::aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration::sse"
    assert by_name["b"]["urn"] in sse["propertyDependencies"]["bucket"]
    # A new key's ARN is computed by AWS: unknown in a preview, sent to the pack as the engine's sentinel.
    assert sse["props"]["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == UNKNOWN
    assert sse["props"]["bucket"] == UNKNOWN  # a new bucket's id too
    assert by_name["k"]["urn"] in sse["propertyDependencies"]["rules"]
    provider = sse["providerResource"]
    assert provider["type"] == "pulumi:providers:aws"
    assert provider["props"]["region"] == "eu-central-1" and json.loads(provider["props"]["allowedAccountIds"]) == ["999999999999"]


def test_component_children_and_explicit_provider(run_program):
    resources = run_program("""
        import pulumi, pulumi_aws as aws
        class Thing(pulumi.ComponentResource):
            def __init__(self, name):
                super().__init__("preflight:test:Thing", name)
                aws.sqs.Queue(f"{name}-q", opts=pulumi.ResourceOptions(parent=self))
        prov = aws.Provider("pinned", region="us-west-2", allowed_account_ids=["111111111111"])
        Thing("t")
        aws.sqs.Queue("pq", opts=pulumi.ResourceOptions(provider=prov))
    """)
    by_name = {r["name"]: r for r in resources}
    assert by_name["t-q"]["parent"] == by_name["t"]["urn"]
    assert by_name["t-q"]["urn"].endswith("::preflight:test:Thing$aws:sqs/queue:Queue::t-q")
    assert by_name["pq"]["providerResource"]["urn"] == by_name["pinned"]["urn"]
    # Explicit providers serialize structured inputs as JSON text, as pulumi-aws's Provider does.
    assert json.loads(by_name["pq"]["providerResource"]["props"]["allowedAccountIds"]) == ["111111111111"]


def test_invokes_answered_offline(run_program):
    resources = run_program("""
        import pulumi_aws as aws
        me = aws.get_caller_identity()
        zones = aws.get_availability_zones()
        part = aws.get_partition()
        doc = aws.iam.get_policy_document(statements=[{"effect": "Allow", "actions": ["s3:GetObject"],
            "resources": ["arn:aws:s3:::b/*"], "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
            "conditions": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]}]}])
        aws.iam.Policy("p", policy=doc.json, description=f"{me.account_id} {zones.names[1]} {part.partition}")
    """, config={"aws:region": "us-east-2"})
    [p] = resources
    assert p["props"]["description"] == "123456789012 us-east-2b aws"
    statement = json.loads(p["props"]["policy"])["Statement"][0]
    assert statement == {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                         "Principal": {"Service": "lambda.amazonaws.com"},
                         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}


def test_secret_config_stays_secret(run_program):
    resources = run_program("""
        import pulumi, pulumi_aws as aws
        pw = pulumi.Config().require_secret("pw")
        aws.ssm.Parameter("p", type="SecureString", value=pw)
    """, config={"aws:region": "us-east-1", "app:pw": {"secure": "v1:abcdefCIPHERTEXT"}})
    [p] = resources
    value = p["props"]["value"]
    assert value["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"  # a secret on the wire
    assert "CIPHERTEXT" not in json.dumps(p)


def test_autonamed_bucket_has_a_name_output(run_program):
    resources = run_program("""
        import pulumi, pulumi_aws as aws
        b = aws.s3.Bucket("logs")
        aws.iam.Policy("where", policy="{}", description=pulumi.Output.concat("s3://", b.bucket))
    """)
    where = next(r for r in resources if r["name"] == "where")
    assert where["props"]["description"].startswith("s3://logs-")


def test_delete_before_replace_is_sent_only_when_the_program_set_it(run_program):
    """The engine marks deleteBeforeReplace as defined only when the program set the option."""
    from preflight.analyzer import PolicyPackProcess, StackContext
    from tests.conftest import PACK_DIR
    resources = run_program("""
        import pulumi, pulumi_aws as aws
        aws.sqs.Queue("plain")
        aws.sqs.Queue("dbr", opts=pulumi.ResourceOptions(delete_before_replace=True))
    """)
    client = PolicyPackProcess(PACK_DIR, StackContext("app", "prod"))  # building requests starts nothing
    options = {r["name"]: client.analyze_request(r).options for r in resources}
    assert not options["plain"].deleteBeforeReplaceDefined
    assert options["dbr"].deleteBeforeReplaceDefined and options["dbr"].deleteBeforeReplace
