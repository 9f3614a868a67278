"""Policy pack config checked as the Pulumi CLI checks it (full JSON Schema), in the pack and in `preflight check`."""
import json
import subprocess
import sys

import grpc
import pytest
from pulumi.runtime import proto

from tests.conftest import ROOT, write_project
from preflight.analyzer import to_struct

FUTURE = "2099-12-31"
URN = "urn:pulumi:prod::app::aws:rds/instance:Instance::db"
MISTAKES = [
    # (config, a fragment of the one line that names the mistake)
    ({"rds-storage-encrypted": {"exemptions": [{"resource": URN, "reason": "x", "expires": 20991231}]}},
     "rds-storage-encrypted.exemptions[0].expires"),
    ({"rds-storage-encrypted": {"exemptions": [{"resource": URN, "reason": 7, "expires": FUTURE}]}},
     "rds-storage-encrypted.exemptions[0].reason"),
    ({"rds-storage-encrypted": {"exemptions": [{"resource": URN, "reson": "typo"}]}}, "reson"),
    ({"all": {"exemptions": [{"resource": URN, "reason": "x"}]}}, "'all'"),
    ({"security-group-no-world-database-ports": {"ports": ["5432"]}}, "security-group-no-world-database-ports.ports[0]"),
    ({"rds-storage-encrypted": {"colour": "red"}}, "colour"),
]


def _configure_raw(pack, entries):
    request = proto.ConfigureAnalyzerRequest()
    for name, (level, props) in entries.items():
        request.policyConfig[name].CopyFrom(proto.PolicyConfig(enforcementLevel=level, properties=to_struct(props)))
    return pack.process.stub.Configure(request)


def test_configure_refuses_an_enforcement_level_the_protocol_does_not_define(pack):
    with pytest.raises(grpc.RpcError) as e:
        _configure_raw(pack, {"rds-storage-encrypted": (99, {})})
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "enforcement level 99" in e.value.details()
    # Nothing of the refused config applied: the policy is still mandatory.
    [d] = pack.analyze("aws:rds/instance:Instance", {"storageEncrypted": False}).violations("rds-storage-encrypted")
    assert d.level == "mandatory"


@pytest.mark.parametrize("config,fragment", MISTAKES)
def test_configure_refuses_what_the_schema_refuses(pack, config, fragment):
    entries = {name: (proto.MANDATORY, value if isinstance(value, dict) else {}) for name, value in config.items()}
    with pytest.raises(grpc.RpcError) as e:
        _configure_raw(pack, entries)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert fragment in e.value.details(), e.value.details()
    pack.configure({})


def test_configure_reports_one_line_per_mistake(pack):
    entries = {"rds-storage-encrypted": (proto.MANDATORY, {"exemptions": [
        {"resource": URN, "reason": 7, "expires": 20991231}]}),
        "security-group-no-world-database-ports": (proto.ADVISORY, {"ports": [1, "x"]})}
    with pytest.raises(grpc.RpcError) as e:
        _configure_raw(pack, entries)
    lines = e.value.details().splitlines()
    assert len(lines) == 3, lines
    pack.configure({})


def test_valid_config_is_accepted(pack):
    _configure_raw(pack, {"all": (proto.MANDATORY, {}), "security-group-no-world-database-ports": (
        proto.ADVISORY, {"ports": [5432.0, 6379]}), "rds-storage-encrypted": (proto.MANDATORY, {"exemptions": [
            {"resource": URN, "reason": "migrating", "expires": FUTURE}]})})
    pack.configure({})


@pytest.mark.parametrize("config,fragment", MISTAKES)
def test_preflight_check_exits_2_with_one_line_per_mistake(tmp_path, config, fragment):
    (tmp_path / "p").mkdir()
    project = write_project(tmp_path / "p", "import pulumi\n")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    proc = subprocess.run([sys.executable, "-m", "preflight", "check", project, "--stack", "prod",
                           "--policy-pack-config", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_preflight_check_refuses_a_level_the_cli_would_refuse(tmp_path):
    (tmp_path / "p").mkdir()
    project = write_project(tmp_path / "p", "import pulumi\n")
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"rds-storage-encrypted": {"enforcementLevel": 99}}))
    proc = subprocess.run([sys.executable, "-m", "preflight", "check", project, "--stack", "prod",
                           "--policy-pack-config", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2 and "99" in proc.stderr and "Traceback" not in proc.stderr
