"""`preflight check` end to end, as a user runs it (a subprocess), including every exit code and bad input."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, processes_with, write_project

SAMPLE = os.path.join(ROOT, "tests", "data", "sample_project")
SECURE_CIPHERTEXT = "AAABAKc0bWlvBpbK3r0MpUhMWyKZ5Yf0bk1mmWc3cGFzc3dvcmQ="
DOC_KEYS = {"project", "stack", "environment", "resources", "resourceTypes", "policies", "violations",
            "notApplicable", "summary", "warnings", "stackReferences", "remoteComponents"}


def preflight(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "preflight", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_repo_baseline_json_document():
    proc = preflight("check", ".", "--stack", "prod", "--format", "json")
    doc = json.loads(proc.stdout)
    assert set(doc) == DOC_KEYS
    assert doc["project"] == "preflight" and doc["stack"] == "prod" and doc["environment"] == "prod"
    assert doc["resources"] == sum(doc["resourceTypes"].values()) > 0
    assert doc["policies"] >= 11
    assert proc.returncode == (1 if doc["summary"]["mandatory"] else 0)


def test_sample_project_violations_and_exit_1():
    proc = preflight("check", SAMPLE, "--stack", "prod", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["project"] == "sample-shop" and doc["environment"] == "prod"
    assert doc["resourceTypes"]["aws:rds/instance:Instance"] == 1
    found = {(v["policy"], v["urn"].rsplit("::", 1)[1]) for v in doc["violations"]}
    assert ("rds-storage-encrypted", "orders") in found
    assert ("s3-bucket-kms-encryption", "assets") in found  # split-out SSE config with AES256
    assert ("s3-bucket-public-access-block", "assets") in found
    v = next(v for v in doc["violations"] if v["policy"] == "rds-storage-encrypted")
    assert v["level"] == "mandatory" and v["severity"] == "high" and v["checklist"] == ["security.encryption"]
    assert v["resourceType"] == "aws:rds/instance:Instance"
    assert v["urn"] == "urn:pulumi:prod::sample-shop::aws:rds/instance:Instance::orders"
    assert doc["summary"]["mandatory"] == len([x for x in doc["violations"] if x["level"] == "mandatory"])


def test_secure_config_is_never_printed():
    for fmt in ("table", "json", "sarif"):
        proc = preflight("check", SAMPLE, "--stack", "prod", "--format", fmt)
        assert SECURE_CIPHERTEXT not in proc.stdout + proc.stderr


def test_table_says_what_and_how():
    proc = preflight("check", SAMPLE, "--stack", "prod")
    assert proc.returncode == 1
    assert "MANDATORY" in proc.stdout and "rds-storage-encrypted" in proc.stdout
    assert "storage_encrypted=True" in proc.stdout
    assert "FAILED:" in proc.stdout


def test_dev_stack_is_advisory_and_exits_0(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(SAMPLE, project)
    shutil.copy(project / "Pulumi.prod.yaml", project / "Pulumi.payments-dev.yaml")
    proc = preflight("check", str(project), "--stack", "payments-dev", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["environment"] == "dev"
    assert doc["violations"] and {v["level"] for v in doc["violations"]} == {"advisory"}


def test_policy_pack_config_changes_levels(tmp_path):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "advisory"}))
    proc = preflight("check", SAMPLE, "--stack", "prod", "--policy-pack-config", str(config), "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["summary"]["mandatory"] == 0


def test_sarif_and_output_file(tmp_path):
    out = tmp_path / "report.sarif"
    proc = preflight("check", SAMPLE, "--stack", "prod", "--format", "sarif", "--output", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "Preflight"
    assert {r["ruleId"] for r in run["results"]} >= {"rds-storage-encrypted"}
    # Mandatory violations are errors; advisory ones (account-level presence checks...) warnings.
    assert {r["level"] for r in run["results"] if r["ruleId"] == "rds-storage-encrypted"} == {"error"}
    assert {r["level"] for r in run["results"]} <= {"error", "warning"}
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {r["ruleId"] for r in run["results"]}


def test_program_error_exit_2_with_the_programs_own_error():
    proc = preflight("check", SAMPLE, "--stack", "broken")
    assert proc.returncode == 2
    assert "sample program failure requested by config 'explode'" in proc.stderr
    assert "program.py" in proc.stderr
    assert "preflight/check" not in proc.stderr  # no Preflight frames


def test_program_with_folder_main_and_virtualenv(tmp_path):
    write_project(tmp_path, "import pulumi_aws as aws\naws.dynamodb.Table('t', hash_key='id', attributes=[{'name': 'id', 'type': 'S'}])\n",
                  stack="dev")
    venv = tmp_path / "venv" / "bin"
    venv.mkdir(parents=True)
    marker = tmp_path / "venv-was-used"
    (venv / "python").write_text(f"#!/bin/sh\ntouch {marker}\nexec {sys.executable} \"$@\"\n")
    (venv / "python").chmod(0o755)
    (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    proc = preflight("check", str(tmp_path), "--stack", "dev", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["resourceTypes"] == {"aws:dynamodb/table:Table": 1}
    assert marker.exists()  # the program ran on the project's virtualenv interpreter


@pytest.mark.parametrize("setup,args,expected", [
    ("none", ["check", "{dir}/missing", "--stack", "prod"], "does not exist"),
    ("empty", ["check", "{dir}", "--stack", "prod"], "no Pulumi.yaml"),
    ("nodejs", ["check", "{dir}", "--stack", "prod"], "runs Python programs only"),
    ("badyaml", ["check", "{dir}", "--stack", "prod"], "is not valid YAML"),
    ("project", ["check", "{dir}", "--stack", "prod", "--policy-pack-config", "{dir}/nope.json"], "cannot read"),
    ("badconfig", ["check", "{dir}", "--stack", "prod", "--policy-pack-config", "{dir}/bad.json"], "not valid JSON"),
    ("unknownpolicy", ["check", "{dir}", "--stack", "prod", "--policy-pack-config", "{dir}/bad.json"],
     "unknown policies: no-such-policy"),
    ("project", ["check", "{dir}", "--stack", "prod", "--policy-pack", "{dir}"], "not a policy pack"),
])
def test_bad_input_exit_2_one_line(tmp_path, setup, args, expected):
    if setup != "none" and setup != "empty":
        write_project(tmp_path, "import pulumi\n")
    if setup == "nodejs":
        (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime: nodejs\n")
    if setup == "badyaml":
        (tmp_path / "Pulumi.prod.yaml").write_text("config: [unclosed\n")
    if setup == "missing-venv":
        (tmp_path / "Pulumi.yaml").write_text("name: app\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    if setup == "badconfig":
        (tmp_path / "bad.json").write_text("{not json")
    if setup == "unknownpolicy":
        (tmp_path / "bad.json").write_text(json.dumps({"no-such-policy": "advisory"}))
    proc = preflight(*[a.format(dir=tmp_path) for a in args])
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("preflight check: error:")


def test_pack_that_fails_to_start_exit_2_and_no_orphans(tmp_path):
    write_project(tmp_path, "import pulumi\n")
    pack = tmp_path / "broken-pack-unique"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.0.1\n")
    (pack / "__main__.py").write_text("import no_such_module_for_preflight\n")
    proc = preflight("check", str(tmp_path), "--stack", "prod", "--policy-pack", str(pack))
    assert proc.returncode == 2
    assert "policy pack failed to start" in proc.stderr and "no_such_module_for_preflight" in proc.stderr
    assert not processes_with(str(pack))


def test_no_pack_process_left_after_a_run(tmp_path):
    pack = tmp_path / "pack-copy-unique"
    shutil.copytree(os.path.join(ROOT, "policypack"), pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    proc = preflight("check", SAMPLE, "--stack", "prod", "--policy-pack", str(pack), "--format", "json")
    assert proc.returncode == 1
    assert not processes_with(str(pack))


def test_stack_without_a_file_runs_with_empty_config(tmp_path):
    write_project(tmp_path, "import pulumi_aws as aws\naws.sqs.Queue('q')\n")
    proc = preflight("check", str(tmp_path), "--stack", "staging", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["resources"] == 1
    assert any("no stack config Pulumi.staging.yaml" in w and "stack files here: prod" in w for w in doc["warnings"])


def test_missing_required_config_is_the_programs_error(tmp_path):
    write_project(tmp_path, "import pulumi\npulumi.Config().require('domain')\n")
    proc = preflight("check", str(tmp_path), "--stack", "prod")
    assert proc.returncode == 2
    assert "fails the same way under `pulumi preview`" in proc.stderr and "pulumi config set" in proc.stderr


def test_help_lists_commands():
    proc = preflight("--help")
    assert proc.returncode == 0 and "check" in proc.stdout and "policies" in proc.stdout
    proc = preflight("check", "--help")
    assert proc.returncode == 0 and "--policy-pack-config" in proc.stdout


def test_pack_exits_when_its_parent_dies(tmp_path):
    """Even if the process that started the pack is killed outright, the pack does not linger."""
    import signal
    import time
    pack = tmp_path / "orphan-check-pack"
    shutil.copytree(os.path.join(ROOT, "policypack"), pack, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    # A parent that starts the pack, prints its pid, then waits forever; we SIGKILL it.
    parent = subprocess.Popen([sys.executable, "-c", (
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-u', '-m', 'pulumi.policy', '127.0.0.1:0', {str(pack)!r}],"
        f" cwd={str(pack)!r}, stdout=subprocess.PIPE)\n"
        "print(p.stdout.readline().decode().strip(), flush=True)\n"
        "time.sleep(600)\n")], stdout=subprocess.PIPE, text=True)
    assert parent.stdout.readline().strip().isdigit()  # the pack printed its port
    assert processes_with(str(pack))
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.time() + 30  # generous: the machine may be busy
    while processes_with(str(pack)) and time.time() < deadline:
        time.sleep(0.2)
    assert not processes_with(str(pack))
