"""The pack's fast paths give exactly the answers of the slow, obvious ones.

- decode_struct (one pass, lazily on first read) against the SDK's own reading of a resource:
  json_format.MessageToDict + pulumi_policy's deserialize_properties.
- Stack.referenced / referencing (indexed) against the plain scans they replace.
"""
import random
import sys

import pytest
from google.protobuf import json_format, struct_pb2
from pulumi_policy.deserialize import deserialize_properties

from tests.conftest import PACK_DIR, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, secret

sys.path.insert(0, PACK_DIR)
from preflight_policies.resource import (  # noqa: E402
    ARCHIVE_SIG, ASSET_SIG, SIG_KEY, UNKNOWN, Resource, Stack, _identities, decode_struct, is_unknown)

TRICKY = {
    "s": "text", "empty": "", "unicode": "zürich ✓", "t": True, "f": False, "none": None,
    "zero": 0, "negzero": -0.0, "int": 42, "neg": -7, "half": 1.5, "tiny": 1e-300,
    "big": 2 ** 53, "bigger": 2.0 ** 60, "justbelow": 2 ** 53 - 1,
    "nested": [[1, [2, [3, []]]], [{"a": [True, None, "x"]}], {}],
    "obj": {"deep": {"deeper": {"list": [0.25, {"k": "v"}], "flag": False}}},
    "unknownStr": UNKNOWN_STRING_VALUE, "unknownNum": UNKNOWN_NUMBER_VALUE,
    "listWithUnknown": ["a", UNKNOWN_STRING_VALUE],
    "password": secret("hunter2"),
    "env": {"variables": {"KEY": secret("k"), "PLAIN": "p"}},
    "secretList": [1, secret({"inner": secret([True, 3])}), secret(None)],
    "secretNumber": secret(3.0),
}


def struct(value):
    s = struct_pb2.Struct()
    s.update(value)
    return s


def assert_same(actual, expected, path=()):
    """Equal, and of the type a check would rely on (bool stays bool; integral numbers are ints)."""
    if isinstance(expected, bool):
        assert actual is expected, path
    elif isinstance(expected, float):
        assert not isinstance(actual, bool) and actual == expected, path
        if expected.is_integer() and abs(expected) < 2 ** 53:
            assert type(actual) is int, (path, actual)
        else:
            assert type(actual) is float, (path, actual)
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), path
        for k in expected:
            assert_same(actual[k], expected[k], path + (k,))
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, path + (i,))
    else:
        assert type(actual) is type(expected) and actual == expected, path


def test_decoder_matches_the_sdks_reading():
    s = struct(TRICKY)
    expected = deserialize_properties(json_format.MessageToDict(s))
    assert_same(decode_struct(s), expected)


def test_decoder_records_where_secrets_were():
    paths = set()
    decode_struct(struct(TRICKY), paths)
    assert paths == {("password",), ("env", "variables", "KEY"), ("secretList", 1),
                     ("secretList", 1, "inner"), ("secretList", 2), ("secretNumber",)}


def test_assets_and_archives_stay_plain_dicts():
    archive = {SIG_KEY: ARCHIVE_SIG, "assets": {"app.py": {SIG_KEY: ASSET_SIG, "text": "print(1)"}}}
    asset = {SIG_KEY: ASSET_SIG, "path": "./index.html", "secretish": secret("x")}
    s = struct({"code": archive, "page": asset})
    paths = set()
    decoded = decode_struct(s, paths)
    assert decoded["code"] == archive
    assert decoded["page"]["path"] == "./index.html"
    assert paths == set()  # what an asset holds is not an input the checks judge


def test_secret_without_value_is_none():
    assert decode_struct(struct({"x": {SIG_KEY: secret(1)[SIG_KEY]}})) == {"x": None}


def test_resource_decodes_on_first_read_and_once():
    r = Resource.from_struct("aws:rds/instance:Instance", "db", "urn:x", struct({"password": secret("p"), "n": 5}))
    assert r._props is None  # nothing decoded yet
    assert r.secret_paths == {("password",)}  # reading secrets decodes too
    props = r.props
    assert props == {"password": "p", "n": 5} and r.props is props
    assert r.is_secret("password") and not r.is_secret("n")
    assert r.get("n") == 5 and r.peek("missing", "d") == "d"


def test_resource_props_can_be_replaced():
    r = Resource.from_struct("t:m/x:X", "x", "urn:x", struct({"password": secret("p")}))
    r.props = {"n": 1}
    assert r.peek("n") == 1 and r.secret_paths == {("password",)}


def test_resource_from_plain_props_still_works():
    r = Resource("t:m/x:X", "x", "urn:x", {"a": UNKNOWN_STRING_VALUE})
    assert r.peek("a") is UNKNOWN and r.secret_paths == set()


# -- Stack indexes ------------------------------------------------------------------------------
BUCKET, BUCKET_V2 = "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OTHER = "aws:sqs/queue:Queue"


def plain_referenced(stack, resource, prop, *types):
    """The obvious scan (the implementation the index replaced)."""
    targets = stack.of_type(*types) if types else stack.resources
    urns = set(resource.property_dependency_urns.get(prop, ()))
    found = [t for t in targets if t.urn in urns]
    if found:
        return found
    value = resource.peek(prop)
    if value is None or is_unknown(value):
        return []
    values = {v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)}
    return [t for t in targets if values & _identities(t)]


def plain_referencing(stack, target, prop, *types):
    return [r for r in stack.of_type(*types) if target in plain_referenced(stack, r, prop, target.type)]


def random_stack(seed):
    rng = random.Random(seed)
    buckets, resources = [], []

    def add(type_, name, props, deps=None):
        urn = f"urn:pulumi:prod::app::{type_}::{name}"
        r = Resource(type_, name, urn, props, property_dependency_urns=deps or {})
        resources.append(r)
        return r

    for i in range(40):
        kind = rng.choice([BUCKET, BUCKET_V2, OTHER])
        props = {}
        if rng.random() < 0.7:
            props["bucket"] = rng.choice([f"b{i}", f"b{i % 7}", UNKNOWN_STRING_VALUE, "shared"])
        if rng.random() < 0.2:
            props["arn"] = f"arn:aws:s3:::b{i % 5}"
        r = add(kind, rng.choice([f"n{i}", f"n{i % 9}"]), props)  # some names collide on purpose
        if kind != OTHER:
            buckets.append(r)
    for i in range(60):
        kind = rng.choice([SSE, PAB, OTHER])
        ref = rng.random()
        deps = {}
        if ref < 0.4:
            value = rng.choice([f"b{rng.randrange(40)}", "shared", f"n{rng.randrange(9)}", f"arn:aws:s3:::b{i % 5}"])
        elif ref < 0.55:
            value = [f"b{rng.randrange(40)}", f"b{rng.randrange(40)}", 7, UNKNOWN_STRING_VALUE]
        elif ref < 0.65:
            value = UNKNOWN_STRING_VALUE
        elif ref < 0.75:
            value = 12
        else:
            value = None
        props = {"bucket": value} if value is not None else {}
        if rng.random() < 0.5 and resources:
            # Property dependencies: on a bucket, on something unrelated, or on a URN not in the stack.
            deps["bucket"] = [rng.choice(resources).urn for _ in range(rng.randrange(1, 3))]
            if rng.random() < 0.2:
                deps["bucket"].append("urn:pulumi:prod::app::aws:s3/bucket:Bucket::gone")
        add(kind, f"c{i}", props, deps)
    rng.shuffle(resources)
    # Two resources sharing a URN (not something the engine sends, but the answers must still agree).
    twin = resources[0]
    resources.append(Resource(twin.type, twin.name, twin.urn, dict(twin.props)))
    return Stack(resources), buckets


QUERIES = [(), (BUCKET,), (BUCKET, BUCKET_V2), (BUCKET_V2, BUCKET), (BUCKET, BUCKET), (OTHER, BUCKET)]


@pytest.mark.parametrize("seed", range(8))
def test_referenced_matches_the_plain_scan(seed):
    stack, _ = random_stack(seed)
    for r in stack.resources:
        for types in QUERIES:
            assert stack.referenced(r, "bucket", *types) == plain_referenced(stack, r, "bucket", *types)


@pytest.mark.parametrize("seed", range(8))
def test_referencing_matches_the_plain_scan(seed):
    stack, buckets = random_stack(seed)
    for target in stack.resources:
        for types in ((SSE,), (PAB,), (SSE, PAB), (PAB, SSE, SSE), (OTHER,)):
            got = stack.referencing(target, "bucket", *types)
            assert got == plain_referencing(stack, target, "bucket", *types)
            got.append(None)  # callers get their own list; the index is not theirs to change
            assert None not in stack.referencing(target, "bucket", *types)


def test_reference_values_of_any_shape_are_read_not_crashed_on():
    """A list input may hold objects (a delivery role named by ARN inside a config block, a vault named by a
    literal ARN next to options): only its strings can name a resource, the rest is ignored, never a crash."""
    stack = Stack([Resource(BUCKET, "b", "urn:b", {"bucket": "b"}),
                   Resource(SSE, "c", "urn:c", {"bucket": [{"not": "hashable"}, ["nested"], 7, "b"]}),
                   Resource(SSE, "d", "urn:d", {"bucket": [{"not": "hashable"}]})])
    for r in stack.resources[1:]:
        assert stack.referenced(r, "bucket", BUCKET) == plain_referenced(stack, r, "bucket", BUCKET)
    assert [t.name for t in stack.referenced(stack.resources[1], "bucket", BUCKET)] == ["b"]
    assert stack.referenced(stack.resources[2], "bucket", BUCKET) == []


# -- reading inputs ----------------------------------------------------------------------------
def plain_walk(root, parts, raise_unknown):
    """The obvious walk (the implementation the inlined one replaced)."""
    from preflight_policies.resource import _MISSING
    from pulumi_policy.proxy import UnknownValueError
    current = root
    for depth, key in enumerate(parts):
        if is_unknown(current):
            break
        if isinstance(current, dict):
            current = current.get(key, _MISSING) if isinstance(key, str) else _MISSING
        elif isinstance(current, list) and isinstance(key, int):
            current = current[key] if -len(current) <= key < len(current) else _MISSING
        else:
            current = _MISSING
        if current is _MISSING or current is None:
            return _MISSING
        if is_unknown(current):
            if raise_unknown:
                raise UnknownValueError(current, [str(p) for p in parts[:depth + 1]])
            return UNKNOWN
    if is_unknown(current):
        if raise_unknown:
            raise UnknownValueError(current, [str(p) for p in parts])
        return UNKNOWN
    return current


PATHS = ["", "s", "t", "f", "none", "zero", "nested.0.1.1", "nested.1.0.a.2", "nested.0.5", "nested.-1",
         "obj.deep.deeper.list.1.k", "obj.deep.deeper.flag", "obj.deep.missing.x", "unknownStr",
         "unknownStr.below", "listWithUnknown.1", "listWithUnknown.0.x", "s.0", "int.x", "env.variables.KEY",
         ("nested", 0, 1, 1), ("nested", True), ("obj", 0), ("listWithUnknown", -1), ("zero",)]


@pytest.mark.parametrize("raise_unknown", [False, True])
def test_walk_matches_the_plain_walk(raise_unknown):
    from preflight_policies.resource import _split, _walk
    from pulumi_policy.proxy import UnknownValueError
    props = decode_struct(struct(TRICKY))
    for root in (props, UNKNOWN_STRING_VALUE, UNKNOWN, "plain", [1, UNKNOWN_STRING_VALUE]):
        for path in PATHS + ["0", "1", "1.x"]:
            parts = _split(path)
            outcomes = []
            for walk in (_walk, plain_walk):
                try:
                    outcomes.append(("value", walk(root, parts, raise_unknown)))
                except UnknownValueError as e:
                    outcomes.append(("raised", str(e), e.message))
                except AssertionError as e:  # the SDK's UnknownValueError refuses a non-sentinel
                    outcomes.append(("refused", str(e)))
            assert outcomes[0] == outcomes[1], (root, path)


def test_split_paths():
    from preflight_policies.resource import _split
    assert _split("a.0.b") == ("a", 0, "b") and _split("a.0.b") is _split("a.0.b")
    assert _split("") == () and _split(["a", 1]) == ("a", 1)


def test_stack_cached_computes_once_per_stack():
    calls = []
    stack = Stack([])
    assert stack.cached("k", lambda: calls.append(1) or "v") == "v"
    assert stack.cached("k", lambda: calls.append(1) or "other") == "v"
    assert calls == [1] and Stack([]).cached("k", lambda: "fresh") == "fresh"
