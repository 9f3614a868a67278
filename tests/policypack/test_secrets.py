"""No message, in any format, carries a value the program or the stack config marked secret."""
import json

from tests.conftest import res, secret

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SG = "aws:ec2/securityGroup:SecurityGroup"
BUCKET = "aws:s3/bucket:Bucket"
LAMBDA = "aws:lambda/function:Function"

SECRET_ARN = "arn:aws:s3:::payroll-exports-7f3a9c"
SECRET_NAME = "s3cr3t-bucket-name-42"


def _texts(result):
    return [d.message for d in result.diagnostics] + list(result.not_applicable.values())


def test_secret_input_is_redacted_in_analyze_messages(pack):
    # A policy that names the offending action/resource would echo it; the program marked it secret.
    doc = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "*"},
                                    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": SECRET_ARN}]})
    plain = pack.analyze(ROLE_POLICY, {"policy": doc, "role": "r"})
    hidden = pack.analyze(ROLE_POLICY, {"policy": secret(doc), "role": "r"})
    assert plain.violations("iam-no-write-on-all-resources")  # the same finding is still reported...
    assert hidden.violations("iam-no-write-on-all-resources")
    assert any("s3:DeleteObject" in t for t in _texts(plain))
    assert not any("s3:DeleteObject" in t for t in _texts(hidden))  # ...without the secret in it
    assert any("[secret]" in t for t in _texts(hidden))


def test_secret_leaf_inside_an_object_is_redacted_in_stack_messages(pack):
    bucket = res(BUCKET, "data", {"bucket": secret(SECRET_NAME)})
    result = pack.analyze_stack([bucket])
    texts = _texts(result)
    assert result.violations("s3-bucket-versioning")
    assert not any(SECRET_NAME in t for t in texts)


def test_secret_numbers_and_short_values_are_redacted_as_words(pack):
    sg = {"ingress": [{"fromPort": secret(22), "toPort": secret(22), "protocol": "tcp",
                       "cidrBlocks": ["0.0.0.0/0"]}]}
    [d] = pack.analyze(SG, sg).violations("security-group-no-world-admin-ports")
    assert "22" not in d.message.replace("[secret]", "") and "[secret]" in d.message


def test_stack_config_secret_is_redacted(pack_for):
    client = pack_for("prod", stack="secret-cfg", config={"app:dbName": "orders-db-3c9f"})
    client.process.context.config = {"preflight:environment": "prod", "app:dbName": "orders-db-3c9f"}
    client.process.context.secret_keys = ["app:dbName"]
    client.process.configure_stack()
    result = client.analyze("aws:rds/instance:Instance", {"storageEncrypted": False}, name="orders-db-3c9f")
    [d] = result.violations("rds-storage-encrypted")
    assert "orders-db-3c9f" not in d.message


def test_crash_text_never_carries_a_secret():
    from tests.conftest import PACK_DIR
    import sys
    sys.path.insert(0, PACK_DIR)
    from preflight_policies.server import Redactor
    redact = Redactor(["hunter2-long", "abc", 5432, True, ""])
    text = redact("boom (KeyError: 'hunter2-long') on abc and abcd, port 5432 and 54321")
    assert "hunter2-long" not in text and " abc " not in f" {text} ".replace("abcd", "")
    assert "abcd" in text and "54321" in text and "5432 " not in text
