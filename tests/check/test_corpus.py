"""The corpus (tests/check/corpus/): programs in the styles people write, each run through the CLI as a
subprocess. Each test asserts what a real `pulumi preview` would hand the policy pack (known inputs,
unknown computed outputs, known autonames, invoke answers) and the verdict."""
import json
import os
import subprocess
import sys


from tests.conftest import ROOT

CORPUS = os.path.join(ROOT, "tests", "check", "corpus")
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_KEY, SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
# The passphrase of the stack file Pulumi's own test suite ships (tests/roundtrip/roundtrip_test.go).
PASSPHRASE = "TestConfigRoundtripComments"


def check(tmp_path, program, stack, *extra, env=None, fmt="json"):
    """Run `preflight check` on a corpus program; return (exit code, report, recording, stderr)."""
    recording = tmp_path / f"{program}-recording.json"
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    run_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "preflight", "check", os.path.join(CORPUS, program), "--stack", stack,
                           "--format", fmt, "--save-recording", str(recording), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=run_env)
    report = json.loads(proc.stdout) if proc.stdout.strip() and fmt != "table" else proc.stdout
    rec = json.loads(recording.read_text()) if recording.exists() else None
    return proc.returncode, report, rec, proc.stderr


def by_name(rec):
    return {r["name"] + "/" + r["type"].rsplit(":", 1)[-1]: r for r in rec["resources"]}


def test_rest_api_with_lambda_permission(tmp_path):
    code, report, rec, err = check(tmp_path, "apigw_lambda", "prod")
    assert code in (0, 1), err
    assert code == (1 if report["summary"]["mandatory"] else 0)
    r = by_name(rec)
    perm = r["api-invoke/Permission"]["props"]
    # execution_arn is computed by AWS: the apply does not run in a preview, the input is unknown.
    assert perm["sourceArn"] == UNKNOWN
    # A Resource passed as an input reaches the pack as its id: unknown for a new function.
    assert perm["function"] == UNKNOWN and perm["principal"] == "apigateway.amazonaws.com"
    assert r["handler/Function"]["urn"] in r["api-invoke/Permission"]["propertyDependencies"]["function"]
    # Autonames are filled in by the provider's Check before a preview, so they are known.
    assert r["handler/Function"]["props"]["name"].startswith("handler-")
    assert r["orders/RestApi"]["props"]["name"].startswith("orders-")
    assert r["orders-stage/Stage"]["props"]["stageName"] == "v1"
    assert set(r["orders-deployment/Deployment"]["dependencies"]) == {r["orders-lambda/Integration"]["urn"], r["orders/RestApi"]["urn"]}
    assert report["warnings"] == [] and report["remoteComponents"] == []


def test_http_api_route_target_is_unknown_until_create(tmp_path):
    code, report, rec, err = check(tmp_path, "http_api", "dev")
    assert code == 0, err
    r = by_name(rec)
    assert r["notes/Route"]["props"]["target"] == UNKNOWN
    assert r["notes/Route"]["props"]["routeKey"] == "ANY /notes/{id}"
    assert r["notes-api/Permission"]["props"]["function"].startswith("notes-")  # fn.name: an autoname, known
    assert r["notes/Function"]["props"]["environment"]["variables"]["TABLE"].startswith("notes-")
    assert json.loads(r["notes-fn/Role"]["props"]["assumeRolePolicy"])["Statement"][0]["Principal"] == \
        {"Service": "lambda.amazonaws.com"}
    assert report["environment"] == "dev"


def test_appsync(tmp_path):
    code, report, rec, err = check(tmp_path, "appsync", "dev")
    assert code == 0, err
    r = by_name(rec)
    assert r["tasks/DataSource"]["props"]["dynamodbConfig"]["tableName"].startswith("tasks-")
    assert r["tasks/DataSource"]["props"]["serviceRoleArn"] == UNKNOWN
    assert r["tasks/ApiKey"]["props"]["apiId"] == UNKNOWN
    assert report["resourceTypes"]["aws:appsync/resolver:Resolver"] == 1


def test_fargate_behind_alb_with_default_vpc_lookups(tmp_path):
    code, report, rec, err = check(tmp_path, "ecs_fargate", "prod")
    assert code in (0, 1), err
    r = by_name(rec)
    vpc = r["alb/SecurityGroup"]["props"]["vpcId"]
    assert vpc.startswith("vpc-0") and len(vpc) == 21  # AWS's id format
    subnets = r["web/LoadBalancer"]["props"]["subnets"]
    assert len(subnets) == 3 and all(s.startswith("subnet-0") and len(s) == 24 for s in subnets)
    assert r["https/Listener"]["props"]["certificateArn"].startswith("arn:aws:acm:us-west-2:333333333333:certificate/")
    assert r["web/TaskDefinition"]["props"]["containerDefinitions"] == UNKNOWN  # built from a new repo's URL
    # The plain-form get_authorization_token got an unknown argument: placeholder values, named in a warning.
    assert any("aws:ecr/getAuthorizationToken:getAuthorizationToken" in w for w in report["warnings"])
    assert rec["invokes"]["answered"]["aws:ecr/getCredentials:getCredentials"] == 1


def test_eks_cluster_and_lookups(tmp_path):
    code, report, rec, err = check(tmp_path, "eks", "dev")
    assert code == 0, err
    r = by_name(rec)
    assert r["platform/Cluster"]["props"]["vpcConfig"]["subnetIds"] == [UNKNOWN, UNKNOWN]
    assert r["general/NodeGroup"]["props"]["clusterName"].startswith("platform-")
    assert {s["props"]["availabilityZone"] for k, s in r.items() if k.endswith("/Subnet")} == \
        {"eu-west-1a", "eu-west-1b"}
    assert rec["invokes"]["answered"]["aws:eks/getClusterAuth:getClusterAuth"] == 1


def test_static_site_with_certificate_validation(tmp_path):
    code, report, rec, err = check(tmp_path, "static_site", "prod")
    assert code in (0, 1), err
    r = by_name(rec)
    validation = r["site-validation/Record"]["props"]
    assert validation["zoneId"].startswith("Z0") and validation["name"] == UNKNOWN
    assert r["site/Distribution"]["props"]["defaultCacheBehavior"]["cachePolicyId"] == \
        "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS's id for Managed-CachingOptimized
    assert r["site/Certificate"]["providerResource"]["urn"] == r["us-east-1/aws"]["urn"]
    assert r["site/BucketPolicy"]["props"]["policy"] == UNKNOWN


def test_vpc_loops(tmp_path):
    code, report, rec, err = check(tmp_path, "vpc", "dev")
    assert code == 0, err
    r = by_name(rec)
    assert report["resourceTypes"]["aws:ec2/subnet:Subnet"] == 6
    assert [r[f"public-{i}/Subnet"]["props"]["availabilityZone"] for i in range(3)] == \
        ["ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"]
    assert r["private-0/RouteTable"]["props"]["routes"][0]["natGatewayId"] == UNKNOWN
    assert r["main/FlowLog"]["props"]["iamRoleArn"] == "arn:aws:iam::123456789012:role/vpc-flow-logs"


def test_redshift_and_glue(tmp_path):
    code, report, rec, err = check(tmp_path, "redshift_glue", "dev")
    assert code == 0, err
    r = by_name(rec)
    crawler = r["raw/Crawler"]["props"]
    assert crawler["s3Targets"][0]["path"].startswith("s3://raw-") and crawler["s3Targets"][0]["path"].endswith("/events/")
    assert r["etl/Job"]["props"]["command"]["scriptLocation"].startswith("s3://scripts-")
    cluster = r["warehouse/Cluster"]["props"]
    assert cluster["masterPassword"][SECRET_KEY] == SECRET_SIG and cluster["kmsKeyId"] == UNKNOWN
    assert cluster["encrypted"] is True


def test_stack_reference_unknown_by_default(tmp_path):
    code, report, rec, err = check(tmp_path, "stackref", "prod")
    assert code in (0, 1), err
    assert report["stackReferences"] == [{"name": "acme/network/prod", "answered": "unknown", "outputs": []}]
    assert any("--stack-outputs" in w and "acme/network/prod" in w for w in report["warnings"])
    r = by_name(rec)
    assert r["db/SecurityGroup"]["props"]["vpcId"] == UNKNOWN
    assert r["orders/Instance"]["props"]["password"] == {SECRET_KEY: SECRET_SIG, "value": UNKNOWN}


def test_stack_reference_from_stack_outputs(tmp_path):
    outputs = os.path.join(CORPUS, "stackref", "outputs.json")
    code, report, rec, err = check(tmp_path, "stackref", "prod", "--stack-outputs", outputs)
    assert code in (0, 1), err
    assert report["stackReferences"] == [{"name": "acme/network/prod", "answered": "stack-outputs",
                                          "outputs": ["dbPassword", "privateSubnetIds", "vpcId"]}]
    r = by_name(rec)
    assert r["db/SecurityGroup"]["props"]["vpcId"] == "vpc-0123456789abcdef0"
    assert r["db/SubnetGroup"]["props"]["subnetIds"] == ["subnet-0aaa1111bbbb2222c", "subnet-0ddd3333eeee4444f"]
    assert r["orders/Instance"]["props"]["password"][SECRET_KEY] == SECRET_SIG  # a secret output stays secret
    assert not any("stack references with unknown outputs" in w for w in report["warnings"])


def test_remote_component_never_passes_prod_in_silence(tmp_path):
    for fmt in ("json", "sarif", "table"):
        code, report, rec, err = check(tmp_path, "remote_vpc", "prod", fmt=fmt)
        assert code == 1, err
        if fmt == "json":
            assert report["remoteComponents"] == [{"type": "awsx:ec2:Vpc", "name": "edge", "inspected": False,
                                                   "urn": "urn:pulumi:prod::edge-network::awsx:ec2:Vpc::edge"}]
            assert report["summary"]["mandatory"] == 0
            assert any("awsx:ec2:Vpc" in w and "pulumi preview --policy-pack" in w for w in report["warnings"])
        elif fmt == "sarif":
            run = report["runs"][0]
            assert run["properties"]["remoteComponents"][0]["type"] == "awsx:ec2:Vpc"
            notes = run["invocations"][0]["toolExecutionNotifications"]
            assert any("awsx:ec2:Vpc" in n["message"]["text"] for n in notes)
            assert run["invocations"][0]["exitCode"] == 1
        else:
            assert "awsx:ec2:Vpc" in report and report.strip().splitlines()[-1].startswith("NOT PASSED")
    [edge] = rec["resources"]
    assert edge["remote"] is True and edge["custom"] is False and edge["props"]["cidr_block"] == "10.50.0.0/16"


def test_remote_component_opt_in_and_dev(tmp_path):
    code, report, _, err = check(tmp_path, "remote_vpc", "prod", "--allow-uninspected")
    assert code == 0, err
    assert report["remoteComponents"][0]["inspected"] is False  # still named
    code, report, _, err = check(tmp_path, "remote_vpc", "dev")
    assert code == 0, err
    assert any("awsx:ec2:Vpc" in w for w in report["warnings"])


def test_passphrase_secrets_decrypted_as_the_cli_does(tmp_path):
    code, report, rec, err = check(tmp_path, "secrets", "dev", env={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})
    assert code == 0, err
    r = by_name(rec)
    # "secret-value" (12 characters), encrypted by Pulumi's own test suite; 5432 read with .apply(int).
    assert r["facts/Queue"]["props"]["tags"] == {"next_port": "5433", "token_length": "12"}
    assert r["api-token/Parameter"]["props"]["value"][SECRET_KEY] == SECRET_SIG
    assert r["api-token/Parameter"]["props"]["keyId"] == UNKNOWN
    assert not any("ssm-securestring" in v["policy"] for v in report["violations"])


def test_passphrase_file(tmp_path):
    phrase = tmp_path / "phrase"
    phrase.write_text(PASSPHRASE + "\n")
    code, report, rec, err = check(tmp_path, "secrets", "dev", env={"PULUMI_CONFIG_PASSPHRASE_FILE": str(phrase)})
    assert code == 0, err
    assert by_name(rec)["facts/Queue"]["props"]["tags"]["token_length"] == "12"


def test_secrets_without_passphrase_are_unknown_never_a_literal(tmp_path):
    code, report, rec, err = check(tmp_path, "secrets", "dev")
    assert code == 0, err
    tags = by_name(rec)["facts/Queue"]["props"]["tags"]
    assert tags == UNKNOWN or set(tags.values()) == {UNKNOWN}
    assert any("PULUMI_CONFIG_PASSPHRASE" in w for w in report["warnings"])


def test_wrong_passphrase_is_one_line(tmp_path):
    code, _, _, err = check(tmp_path, "secrets", "dev", env={"PULUMI_CONFIG_PASSPHRASE": "wrong"})
    assert code == 2
    assert err.startswith("preflight check: error: incorrect passphrase") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_secret_values_never_printed(tmp_path):
    for fmt in ("table", "json", "sarif"):
        proc = subprocess.run([sys.executable, "-m", "preflight", "check", os.path.join(CORPUS, "secrets"),
                               "--stack", "dev", "--format", fmt], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, env={**os.environ, "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE})
        assert proc.returncode == 0, proc.stderr
        assert "secret-value" not in proc.stdout + proc.stderr


def test_invokes_answered_in_aws_formats_and_unknowns_named(tmp_path):
    code, report, rec, err = check(tmp_path, "invokes", "dev")
    assert code == 0, err
    r = by_name(rec)
    facts = r["facts/Queue"]["props"]["tags"]
    assert facts["ami"].startswith("ami-0") and len(facts["ami"]) == 21
    assert facts["subnet"].startswith("subnet-0") and facts["rt"].startswith("rtb-0") and facts["igw"].startswith("igw-0")
    assert facts["zone"].startswith("Z") and facts["zone"].isalnum() and facts["zone"].isupper()
    assert facts["cert"].startswith("arn:aws:acm:eu-north-1:777777777777:certificate/")
    assert facts["key"].startswith("arn:aws:kms:eu-north-1:777777777777:key/")
    assert facts["role"] == "arn:aws:iam::777777777777:role/deployer"
    assert facts["elb"] == "arn:aws:iam::897822967062:root"  # ELB's log-delivery account in eu-north-1
    assert facts["origin"] == "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"  # Managed-CORS-S3Origin
    assert facts["param"].startswith("ami-0") and facts["user"] == "AWS" and facts["az"].startswith("eu-north-1")
    assert facts["digest"].startswith("sha256:") and json.loads(facts["names"])[0] == "eu-north-1a"
    assert r["web/Instance"]["props"]["ami"] == facts["ami"]
    # Depends on a VPC the program creates: unknown, as the engine answers in a preview.
    assert r["pending/Queue"]["props"]["tags"]["cidr"] == UNKNOWN
    # Not in the table: unknown, never {}, and named in the warnings of every format.
    assert r["unknown-kind/Queue"]["props"]["tags"]["service"] == UNKNOWN
    assert any("aws:ec2/getVpcEndpointService:getVpcEndpointService" in w for w in report["warnings"])
    code, sarif, _, _ = check(tmp_path, "invokes", "dev", fmt="sarif")
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("getVpcEndpointService" in n["message"]["text"] for n in notes)
    code, table, _, _ = check(tmp_path, "invokes", "dev", fmt="table")
    assert "warning:" in table and "getVpcEndpointService" in table


def test_components_urns_applies_and_dry_run(tmp_path):
    code, report, rec, err = check(tmp_path, "components", "dev")
    assert code == 0, err
    r = by_name(rec)
    # The engine's URN rule: the parent's full qualified type, the root stack skipped.
    assert r["assets/Bucket"]["urn"] == \
        "urn:pulumi:dev::shop::shop:storage:Storage$shop:storage:PrivateBucket$aws:s3/bucket:Bucket::assets"
    assert r["assets/PrivateBucket"]["parent"] == r["storage/Storage"]["urn"]
    assert r["storage/Storage"]["urn"] == "urn:pulumi:dev::shop::shop:storage:Storage::storage"
    tags = r["labels/Queue"]["props"]["tags"]
    assert tags["label"] == "bucket:" + r["assets/Bucket"]["props"]["bucket"].upper()
    assert tags["arn"] == UNKNOWN and tags["mode"] == "preview"  # is_dry_run() is True, as in a preview


def test_resource_inputs_are_deterministic(tmp_path):
    """A Resource passed as an input used to fail about half the runs ("attached to a different loop")."""
    seen = set()
    for _i in range(10):
        code, report, rec, err = check(tmp_path, "resource_input", "dev")
        assert code == 0, err
        resources = sorted(rec["resources"], key=lambda x: x["urn"])
        seen.add(json.dumps([resources, report["violations"]], sort_keys=True))
    assert len(seen) == 1
    r = by_name(rec)
    assert r["from-sns/Permission"]["props"]["function"] == UNKNOWN
    assert r["worker/TopicSubscription"]["props"]["topic"] == UNKNOWN
    assert r["worker-basic/RolePolicyAttachment"]["props"]["role"] == UNKNOWN  # a new role ref: its id, unknown


def test_awsx_and_eks_sdks_are_remote_components(tmp_path):
    code, report, rec, err = check(tmp_path, "awsx_sdk", "prod")
    assert code == 1, err
    assert sorted(c["type"] for c in report["remoteComponents"]) == ["awsx:ec2:Vpc", "eks:index:Cluster"]
    r = by_name(rec)
    assert r["platform/Vpc"]["remote"] and r["platform/Vpc"]["props"]["cidrBlock"] == "10.60.0.0/16"
    # Outputs of a component built by its plugin are unknown offline.
    assert r["platform/LogGroup"]["props"]["tags"]["first_subnet"] == UNKNOWN
    assert r["platform/Cluster"]["props"]["vpcId"] == UNKNOWN


def test_stack_outputs_match_a_name_without_its_organization(tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"network/prod": {"vpcId": "vpc-0fedcba9876543210", "privateSubnetIds": [],
                                                    "dbPassword": "x-not-real"},
                                   "billing/prod": {"x": 1}}))
    code, report, rec, err = check(tmp_path, "stackref", "prod", "--stack-outputs", str(outputs))
    assert code in (0, 1), err
    assert report["stackReferences"][0]["answered"] == "stack-outputs"
    assert by_name(rec)["db/SecurityGroup"]["props"]["vpcId"] == "vpc-0fedcba9876543210"
    assert any("never references: billing/prod" in w for w in report["warnings"])
