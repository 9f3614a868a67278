"""No policy ever crashes: every policy fed inputs of every wrong shape, through the analyzer protocol.

Inputs are built from the property names the policies themselves read (every quoted camelCase word in the
pack's source) with values of any shape: lists of objects, numbers for strings, nested unknowns, secret
and asset objects, JSON documents of any structure, empty and huge values, links between resources.
A policy that raises is reported by the server as "could not evaluate" (fail closed); here that is a bug.

    PREFLIGHT_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest -q tests/policypack/test_fuzz.py
"""
import glob
import json
import os
import re
import sys

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import (COULD_NOT_EVALUATE, PACK_DIR, SECRET_SIG, SECRET_SIG_KEY, UNKNOWN_BOOLEAN_VALUE,
                            UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE)

sys.path.insert(0, PACK_DIR)
from preflight_policies import catalog as pack_catalog  # noqa: E402

EXAMPLES = int(os.environ.get("PREFLIGHT_FUZZ_EXAMPLES", "150"))

_POLICIES = pack_catalog.all_policies()
TYPES = sorted({t for p in _POLICIES for t in getattr(p, "types", ()) if t != "*"})
# Types that policies judge together (a bucket and its split-out settings, a trail and its bucket...):
# mostly drawn from one family per stack, so that cross-resource code paths are reached.
FAMILIES = {}
for _p in _POLICIES:
    _types = [t for t in getattr(_p, "types", ()) if t != "*"]
    if len(_types) > 1:
        FAMILIES[tuple(sorted(_types))] = True
FAMILIES = sorted(FAMILIES)


def _vocabulary():
    words = set()
    for path in glob.glob(os.path.join(PACK_DIR, "preflight_policies", "**", "*.py"), recursive=True):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for literal in re.findall(r'"([A-Za-z][A-Za-z0-9_.:/-]{0,60})"', text):
            for part in literal.split("."):
                if re.fullmatch(r"[a-z][A-Za-z0-9]{1,40}", part) or re.fullmatch(r"[A-Z][A-Za-z]{1,30}", part):
                    words.add(part)
    return sorted(words | {"Statement", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
                           "NotPrincipal", "Condition", "AWS", "Service", "Federated", "Version", "Sid"})


KEYS = _vocabulary()
# Inputs that name another resource (what Stack.referenced and links_to follow).
LINK_KEYS = ["bucket", "targetBucket", "s3BucketName", "topic", "role", "roleArn", "monitorArnLists", "alarmActions",
             "kmsKeyId", "kmsMasterKeyId", "restApiId", "apiId", "vaultName", "backupVaultName", "logGroupName",
             "functionName", "securityGroupId", "vpcId", "planId", "loggingConfig", "policyArn", "keyId"]
SPECIAL = [UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE,
           "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
           "*", "*:*", "s3:*", "iam:PassRole", "0.0.0.0/0", "::/0", "-1", "tcp", "all", "true", "false", "True",
           "Enabled", "Disabled", "Allow", "Deny", "aws:kms", "AES256", "arn:aws:s3:::b", "arn:aws:iam::1:role/r",
           "arn:aws:kms:us-east-1:1:key/k", "prod", "", " ", "null", "{}", "[]", "{\"Statement\": 7}", "x" * 20000,
           "https://runbooks.example.com/x", "BucketOwnerEnforced", "ObjectWriter", "SECURITY", "PAUSED"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 63), max_value=2 ** 63),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), st.sampled_from(SPECIAL),
    st.sampled_from(KEYS))


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
        children.map(lambda v: {SECRET_SIG_KEY: SECRET_SIG, "value": v}),
        children.map(lambda v: {SECRET_SIG_KEY: "c44067f5952c0a294b673a41bacd8c17", "path": v}),
        children.map(lambda v: json.dumps(v, default=str)),  # a JSON document of any structure, as a string
        st.builds(lambda v, k: {"Version": "2012-10-17", "Statement": v if k else [v]}, children, st.booleans()),
    )


values = st.recursive(scalars, _containers, max_leaves=25)
props = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)


@st.composite
def stacks(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    family = draw(st.sampled_from(FAMILIES))
    resources = []
    for i in range(count):
        type_ = draw(st.sampled_from(family) if draw(st.integers(0, 9)) < 7 else st.sampled_from(TYPES))
        name = draw(st.sampled_from(["a", "b", "data", f"r{i}"]))
        resources.append({"type": type_, "name": name, "props": draw(props),
                          "urn": f"urn:pulumi:prod::app::{type_}::{name}{i}",
                          "protect": draw(st.booleans())})
    for r in resources:  # links between resources, as the engine records property dependencies
        for _ in range(draw(st.integers(min_value=0, max_value=2))):
            target = draw(st.sampled_from(resources))
            key = draw(st.sampled_from(KEYS))
            r.setdefault("propertyDependencies", {}).setdefault(key, []).append(target["urn"])
            r.setdefault("dependencies", []).append(target["urn"])
            if draw(st.booleans()):
                r["props"][key] = draw(st.sampled_from([target["name"], [target["name"], {"x": 1}], {"a": target["name"]}]))
        for key in draw(st.lists(st.sampled_from(LINK_KEYS), max_size=2)):  # link inputs of any shape
            r["props"][key] = draw(st.one_of(values, st.just([{"arn": "arn:aws:iam::1:role/r"}]),
                                             st.sampled_from([x["name"] for x in resources])))
        if draw(st.booleans()):
            r["parent"] = draw(st.sampled_from(resources))["urn"]
    return resources


def _crashes(response):
    return [f"{d.policyName}: {d.message}" for d in response.diagnostics if COULD_NOT_EVALUATE in d.message]


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(resources=stacks(), which=st.sampled_from(["prod", "baseline", "dev"]))
# Found by this test: a list where a port goes made netrules group rules by an unhashable key.
@example(resources=[{"type": "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "name": "a",
                     "props": {"fromPort": [], "cidrIpv4": "0.0.0.0/0"}, "protect": False,
                     "urn": "urn:pulumi:prod::app::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::a"}],
         which="prod")
def test_no_policy_ever_crashes(pack, baseline_pack, dev_pack, resources, which):
    client = {"prod": pack, "baseline": baseline_pack, "dev": dev_pack}[which]
    crashes = []
    for r in resources:
        crashes += _crashes(client.process.analyze(r))
    crashes += _crashes(client.process.analyze_stack(resources))
    assert not crashes, "\n".join(crashes[:5]) + "\n" + json.dumps(resources, default=str)[:3000]


def test_fuzzer_reaches_every_policy_type_and_reads_their_inputs():
    # The generator is only as good as its vocabulary: it must know the types and the names policies read.
    assert len(TYPES) > 100
    for word in ("bucket", "policy", "ingress", "loggingConfig", "Statement", "kmsMasterKeyId", "notifications"):
        assert word in KEYS, word
