"""The stand-in aws provider over its gRPC protocol (runs without the Pulumi CLI)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .conftest import _aws_sdk_version

HERE = Path(__file__).resolve().parent
URN = "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::logs"


def _s(d):
    s = struct_pb2.Struct()
    s.update(d)
    return s


@pytest.fixture(scope="module")
def provider():
    proc = subprocess.Popen([sys.executable, str(HERE / "standin_provider.py"), "127.0.0.1:1"],
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    grpc.channel_ready_future(channel).result(timeout=20)
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    stub.Configure(provider_pb2.ConfigureRequest(args=_s({"region": "eu-west-1"})))
    yield stub
    proc.terminate()
    proc.wait(10)


def test_reports_the_sdk_version(provider):
    from google.protobuf import empty_pb2
    assert provider.GetPluginInfo(empty_pb2.Empty()).version == _aws_sdk_version()


def test_autoname_follows_the_seed_and_survives_in_olds(provider):
    def check(seed, olds=None):
        r = provider.Check(provider_pb2.CheckRequest(urn=URN, name="logs", type="aws:s3/bucket:Bucket",
                                                     news=_s({"forceDestroy": False}), olds=_s(olds or {}),
                                                     randomSeed=seed))
        return dict(r.inputs)
    a, b, c = check(b"\x01" * 32), check(b"\x01" * 32), check(b"\x02" * 32)
    assert a["bucket"] == b["bucket"] != c["bucket"]
    assert a["bucket"].startswith("logs-") and len(a["bucket"]) == len("logs-") + 7
    assert list(a["__defaults"]) == ["bucket"]
    kept = check(b"\x03" * 32, olds={"bucket": a["bucket"], "__defaults": ["bucket"]})
    assert kept["bucket"] == a["bucket"]
    explicit = provider.Check(provider_pb2.CheckRequest(urn=URN, type="aws:s3/bucket:Bucket",
                                                        news=_s({"bucket": "mine"}), randomSeed=b"\x01" * 32))
    assert dict(explicit.inputs) == {"bucket": "mine"}


@pytest.mark.parametrize("old,new,changes,replaces", [
    ({"bucket": "a"}, {"bucket": "a"}, False, []),
    ({"bucket": "a", "forceDestroy": False}, {"bucket": "a", "forceDestroy": True}, True, []),
    ({"bucket": "a"}, {"bucket": "b"}, True, ["bucket"]),
    ({"bucket": "a", "objectLockEnabled": False}, {"bucket": "a"}, True, ["objectLockEnabled"]),
])
def test_diff_replaces_only_on_force_new_properties(provider, old, new, changes, replaces):
    r = provider.Diff(provider_pb2.DiffRequest(urn=URN, type="aws:s3/bucket:Bucket", id="a",
                                               olds=_s(old), old_inputs=_s(old), news=_s(new)))
    assert (r.changes == provider_pb2.DiffResponse.DIFF_SOME) is changes
    assert list(r.replaces) == replaces


def test_create_echoes_inputs_and_computes_outputs_only_outside_preview(provider):
    props = _s({"bucket": "logs-1234567", "__defaults": ["bucket"], "tags": {"team": "a"}})
    prev = provider.Create(provider_pb2.CreateRequest(urn=URN, properties=props, preview=True))
    assert prev.id == "" and "arn" not in prev.properties and "__defaults" not in prev.properties
    real = provider.Create(provider_pb2.CreateRequest(urn=URN, properties=props))
    assert real.id == "logs-1234567"
    assert real.properties["arn"] == "arn:aws:s3:eu-west-1:123456789012:bucket/logs-1234567"


def test_invoke_answers_what_the_offline_engine_answers(provider):
    r = provider.Invoke(provider_pb2.InvokeRequest(tok="aws:index/getRegion:getRegion", args=_s({})))
    assert r.failures == [] and getattr(r, "return")["name"] == "eu-west-1"
    r = provider.Invoke(provider_pb2.InvokeRequest(tok="aws:ec2/getAmi:getAmi", args=_s({})))
    assert r.failures == [] and getattr(r, "return")["id"].startswith("ami-")
    r = provider.Invoke(provider_pb2.InvokeRequest(tok="aws:rds/getEngineVersion:getEngineVersion", args=_s({})))
    assert r.failures and "does not answer" in r.failures[0].reason
