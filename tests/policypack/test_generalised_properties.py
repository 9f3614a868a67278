"""Property-based tests for the shared analyzers of issue 13, through the protocol (pack subprocess)."""
import ipaddress
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def partitions(draw, version):
    """A random partition of the whole IPv4 / IPv6 space into CIDRs (what several rules may add up to)."""
    nets = [ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")]
    for _ in range(draw(st.integers(1, 12))):
        i = draw(st.integers(0, len(nets) - 1))
        if nets[i].prefixlen < (28 if version == 4 else 120):
            nets[i:i + 1] = list(nets[i].subnets(prefixlen_diff=1))
    return [str(n) for n in draw(st.permutations(nets))]


def _sg(v4, v6, port=22):
    return {"ingress": [{"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": v4,
                         "ipv6CidrBlocks": v6}]}


@SETTINGS
@given(parts=partitions(4), data=st.data())
def test_any_partition_of_ipv4_is_the_internet_and_any_gap_is_not(pack, parts, data):
    full = pack.analyze("aws:ec2/securityGroup:SecurityGroup", _sg(parts, []))
    assert full.violations("security-group-no-world-admin-ports")
    if len(parts) > 1:
        gap = data.draw(st.integers(0, len(parts) - 1))
        partial = pack.analyze("aws:ec2/securityGroup:SecurityGroup", _sg(parts[:gap] + parts[gap + 1:], []))
        assert not partial.violations("security-group-no-world-admin-ports")


@SETTINGS
@given(parts=partitions(6))
def test_any_partition_of_ipv6_is_the_internet(pack, parts):
    assert pack.analyze("aws:ec2/securityGroup:SecurityGroup", _sg([], parts, 3389)).violations(
        "security-group-no-world-admin-ports")
    assert pack.analyze("aws:ec2/securityGroup:SecurityGroup", _sg([], parts, 8443)).violations(
        "security-group-no-world-ingress")


NON_NARROWING = ["aws:SecureTransport", "aws:MultiFactorAuthPresent", "aws:CurrentTime", "aws:RequestedRegion",
                 "aws:UserAgent", "aws:Referer", "s3:x-amz-acl"]
NARROWING = ["aws:SourceAccount", "aws:SourceArn", "aws:PrincipalOrgID", "aws:SourceVpce", "aws:PrincipalAccount"]
OPERATORS = ["StringEquals", "StringLike", "Bool", "ArnLike", "ArnEquals"]


@SETTINGS
@given(keys=st.lists(st.sampled_from(NON_NARROWING), min_size=0, max_size=3, unique=True),
       op=st.sampled_from(OPERATORS), as_string=st.booleans())
def test_conditions_on_how_never_make_a_public_policy_private(pack, keys, op, as_string):
    stmt = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
    if keys:
        stmt["Condition"] = {op: {k: "true" for k in keys}}
    doc = {"Version": "2012-10-17", "Statement": [stmt]}
    r = pack.analyze("aws:sqs/queuePolicy:QueuePolicy", {"policy": json.dumps(doc) if as_string else doc})
    assert r.violations("resource-policy-not-public")


@SETTINGS
@given(key=st.sampled_from(NARROWING), extra=st.lists(st.sampled_from(NON_NARROWING), max_size=2, unique=True),
       value=st.from_regex(r"[a-z0-9:/-]{6,20}", fullmatch=True))
def test_a_condition_on_who_makes_it_private(pack, key, extra, value):
    stmt = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*",
            "Condition": {"StringEquals": {key: value}, "Bool": {k: "true" for k in extra}}}
    r = pack.analyze("aws:sqs/queuePolicy:QueuePolicy", {"policy": json.dumps({"Statement": [stmt]})})
    assert not r.violations("resource-policy-not-public")


@SETTINGS
@given(name=st.sampled_from(["PGPASSWORD", "DB_PASSWORD", "MYSQL_PWD", "apiToken", "STRIPE_SECRET", "adminPassword"]),
       value=st.from_regex(r"[A-Za-z0-9!#%^&*_+=]{10,40}", fullmatch=True).filter(
           lambda v: any(c.isalpha() for c in v) and any(c.isdigit() for c in v) and len(set(v)) > 3))
def test_secret_values_are_caught_and_never_printed(pack, name, value):
    """(All-digit and one-character values are treated as placeholders or numbers, by design.)"""
    r = pack.analyze("aws:lambda/function:Function", {"environment": {"variables": {name: value}}})
    found = r.violations("lambda-env-no-secrets")
    assert found and all(value not in d.message for d in r.diagnostics)
