"""Compliance maps (policypack/preflight_policies/compliance/*.json) and tool cross-references.

The maps are checked three ways: their shape at load (the pack refuses a bad map), every name in them against
what exists (pack policies over the protocol, audit checks in the audit catalog), and their control lists and
our cross-references against independently published lists: Prowler's framework maps and check list, and
Checkov's check ids, read from the tools' released wheels (scripts/fetch-reference-wheels.sh; nothing of them
is installed or run). Without the wheels these differential tests skip, except under CI, where they fail.
"""
import glob
import json
import os
import re
import shutil
import sys
import zipfile

import pytest

from preflight.policies import COVERAGE_BEGIN, COVERAGE_END
from tests.cli.test_check_cli import preflight
from tests.conftest import PACK_DIR, ROOT

sys.path.insert(0, PACK_DIR)
from preflight_policies import catalog as pack_catalog  # noqa: E402
from preflight_policies import compliance as compliance_maps  # noqa: E402
from preflight_policies.model import MetadataError  # noqa: E402

MAPS_DIR = os.path.join(PACK_DIR, "preflight_policies", "compliance")
REFERENCE_DIR = os.environ.get("PREFLIGHT_REFERENCE_DIR", os.path.expanduser("~/.cache/preflight/reference"))
PROWLER_WHEEL = "prowler-5.46.0-py3-none-any.whl"
CHECKOV_WHEEL = "checkov-3.3.30-py3-none-any.whl"


def _wheel(name: str) -> zipfile.ZipFile:
    path = os.path.join(REFERENCE_DIR, name)
    if not os.path.exists(path):
        message = f"{path} is missing: run scripts/fetch-reference-wheels.sh"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set: the differential tests must not be skipped)")
        pytest.skip(message)
    return zipfile.ZipFile(path)


@pytest.fixture(scope="module")
def maps():
    return {m.key: m for m in compliance_maps.load()}


@pytest.fixture(scope="module")
def prowler():
    return _wheel(PROWLER_WHEEL)


def _prowler_map(wheel: zipfile.ZipFile, name: str) -> dict:
    return json.loads(wheel.read(f"prowler/compliance/aws/{name}"))


# -- the maps against the frameworks' own lists ------------------------------------------------------
def test_cis_control_list_is_the_benchmarks(maps, prowler):
    theirs = {r["Id"]: r["Description"].strip() for r in _prowler_map(prowler, "cis_3.0_aws.json")["Requirements"]}
    ours = {c.id: c.title for c in maps["CIS-AWS-3.0"].controls}
    assert set(ours) == set(theirs), (sorted(set(ours) - set(theirs)), sorted(set(theirs) - set(ours)))
    assert ours == theirs
    assert "9.99" not in ours and len(ours) == 62


def test_fsbp_control_list_covers_the_published_one(maps, prowler):
    theirs = {r["Id"] for r in _prowler_map(prowler, "aws_foundational_security_best_practices_aws.json")
              ["Requirements"]}
    ours = {c.id: c for c in maps["AWS-FSBP"].controls}
    assert theirs <= set(ours), sorted(theirs - set(ours))
    # A control Prowler's map does not list yet must say where AWS defines it.
    for cid in sorted(set(ours) - theirs):
        assert re.match(r"^https://docs\.aws\.amazon\.com/securityhub/latest/userguide/[a-z0-9-]+-controls\.html#",
                        ours[cid].source or ""), cid
    for cid in theirs:
        assert ours[cid].source is None, f"{cid} is in the published list: drop its 'source'"


def test_prowler_cross_references_name_real_prowler_checks(prowler):
    checks = {m.group(1) for n in prowler.namelist()
              if (m := re.match(r"prowler/providers/aws/services/[a-z0-9_]+/([a-z0-9_]+)/\1\.metadata\.json$", n))}
    assert len(checks) > 500
    ours = {ref.split(":", 1)[1] for p in pack_catalog.all_policies() for ref in p.meta.cross_references
            if ref.startswith("Prowler:")}
    assert ours and ours <= checks, sorted(ours - checks)


def test_checkov_cross_references_name_real_checkov_checks():
    wheel = _wheel(CHECKOV_WHEEL)
    ids = set()
    for n in wheel.namelist():
        if n.startswith("checkov/") and "/checks/" in n and n.endswith((".py", ".json", ".yaml", ".yml")):
            text = wheel.read(n).decode("utf-8", "replace")
            ids.update(re.findall(r"""\b(?:check_)?id["']?\s*[:=]\s*["'](CKV2?_AWS_\d+)["']""", text))
    assert len(ids) > 300
    ours = {ref.split(":", 1)[1] for p in pack_catalog.all_policies() for ref in p.meta.cross_references
            if ref.startswith("Checkov:")}
    assert ours and ours <= ids, sorted(ours - ids)


# -- names in the maps exist --------------------------------------------------------------------------
def test_every_mapped_policy_is_served_by_the_pack(maps, pack):
    served = set(pack.policy_names())
    for m in maps.values():
        for c in m.controls:
            assert set(c.policies) <= served, (m.key, c.id, sorted(set(c.policies) - served))


def test_every_mapped_audit_check_exists(maps):
    from preflight.audit.catalog import load
    ids = set(load())
    mapped = {a for m in maps.values() for c in m.controls for a in c.audit}
    assert mapped and mapped <= ids, sorted(mapped - ids)


def test_the_pack_puts_mapped_controls_on_the_wire(maps, pack):
    """A mapped control reaches Pulumi Cloud and the CLI: primary framework in PolicyInfo.framework, the rest as
    tags; tool checks travel apart, as see: tags."""
    info = {p.name: p for p in pack.info.policies}
    tls = info["s3-bucket-tls-only"]
    assert (tls.framework.name, tls.framework.version, tls.framework.reference) == (
        "CIS AWS Foundations Benchmark", "3.0.0", "2.1.1")
    assert "framework:AWS-FSBP:S3.5" in tls.tags
    assert any(t.startswith("see:Checkov:") or t.startswith("see:Prowler:") for t in tls.tags)
    for p in info.values():
        assert not any(t.startswith(("framework:Checkov", "framework:Prowler", "framework:Preflight"))
                       for t in p.tags), p.name
    # Every (framework, control) the maps give a policy is on the wire, and nothing else is.
    for m in maps.values():
        for c in m.controls:
            for name in c.policies:
                p = info[name]
                wire = ([f"{p.framework.reference}"] if p.framework.name == m.name else []) + [
                    t.split(":", 2)[2] for t in p.tags if t.startswith(f"framework:{m.key}:")]
                assert c.id in wire, (name, m.key, c.id)


# -- a bad map is refused at load ---------------------------------------------------------------------
def _copy_maps(tmp_path):
    folder = tmp_path / "compliance"
    shutil.copytree(MAPS_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


def _edit(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_a_malformed_map_is_refused_with_every_problem(tmp_path):
    folder = _copy_maps(tmp_path)

    def break_it(d):
        d["controls"][0]["id"] = "not-a-control"
        d["controls"][2]["id"] = d["controls"][1]["id"]
        d["controls"][3]["policies"] = ["Not A Name"]
        d["controls"][4]["colour"] = "red"
        d["version"] = "2.0.0"
    _edit(folder / "cis-aws-foundations-3.0.0.json", break_it)
    with pytest.raises(MetadataError) as e:
        compliance_maps.load(str(folder))
    text = str(e.value)
    for fragment in ("'not-a-control' is not a valid CIS-AWS-3.0 control id", "is listed twice",
                     "list of kebab-case names", "unknown keys colour", "cites CIS-AWS-3.0 as version 3.0.0"):
        assert fragment in text, fragment


def test_a_map_naming_a_missing_policy_fails_the_catalog(tmp_path):
    folder = _copy_maps(tmp_path)
    _edit(folder / "aws-fsbp-1.0.0.json", lambda d: d["controls"][0]["policies"].append("no-such-policy"))
    maps = compliance_maps.load(str(folder))
    problems = compliance_maps.unknown_policies(maps, [p.meta.name for p in pack_catalog.all_policies()])
    assert problems == [f"compliance map aws-fsbp-1.0.0.json: control {maps[1].controls[0].id} names unknown "
                        "policy 'no-such-policy'"]
    with pytest.raises(MetadataError, match="no-such-policy"):
        pack_catalog.validate(pack_catalog.all_policies(), problems)


def test_no_policy_code_names_a_compliance_control():
    """Controls live in the maps only: a rule module that cites one would drift from them."""
    for path in glob.glob(os.path.join(PACK_DIR, "preflight_policies", "rules", "*.py")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        assert not re.search(r'"(CIS-AWS-3\.0|AWS-FSBP):', text), path
        assert "frameworks=" not in text, path


# -- `preflight policies --framework` ------------------------------------------------------------------
def test_framework_coverage_json_counts_controls(maps):
    proc = preflight("policies", "--framework", "cis", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    [report] = json.loads(proc.stdout)["frameworks"]
    m = maps["CIS-AWS-3.0"]
    assert report["total"] == len(m.controls) == 62
    assert report["covered"] == sum(1 for c in m.controls if c.covered)
    by_id = {c["id"]: c for c in report["controls"]}
    assert by_id["2.1.1"]["policies"] == ["s3-bucket-tls-only"] and by_id["2.1.1"]["audit"] == ["s3-bucket-tls-only"]
    assert by_id["2.1.1"]["status"] == "policy and audit"
    assert by_id["1.20"]["policies"] == ["access-analyzer-present"] and by_id["1.20"]["status"] == "policy"
    assert by_id["1.4"]["status"] == "audit" and by_id["1.4"]["audit"] == ["root-access-keys"]
    assert by_id["1.3"]["status"] == "not covered"


def test_framework_table_names_both_frameworks_for_all():
    proc = preflight("policies", "--framework", "all")
    assert proc.returncode == 0, proc.stderr
    assert "CIS AWS Foundations Benchmark 3.0.0:" in proc.stdout
    assert "AWS Foundational Security Best Practices 1.0.0:" in proc.stdout
    assert re.search(r"^S3\.5\s+policy", proc.stdout, re.M)


def test_unknown_framework_lists_the_known_ones():
    proc = preflight("policies", "--framework", "pci-dss")
    assert proc.returncode == 2
    assert "unknown framework 'pci-dss'" in proc.stderr
    assert "cis-aws-3.0" in proc.stderr and "aws-fsbp" in proc.stderr and "Traceback" not in proc.stderr


def test_framework_needs_a_pack_with_maps(tmp_path):
    proc = preflight("policies", "--framework", "cis", "--policy-pack", str(tmp_path))
    assert proc.returncode == 2 and "has no compliance maps" in proc.stderr


def test_compliance_doc_is_generated_and_current():
    from preflight.frameworks import as_markdown, coverage, load_maps
    from preflight.policies import load_catalog
    with open(os.path.join(ROOT, "docs", "compliance.md"), encoding="utf-8") as f:
        text = f.read()
    start, end = text.index(COVERAGE_BEGIN) + len(COVERAGE_BEGIN) + 1, text.index(COVERAGE_END)
    expected = as_markdown(coverage(load_maps(PACK_DIR), [c["name"] for c in load_catalog(PACK_DIR)]))
    assert text[start:end] == expected, (
        "docs/compliance.md is stale: run `preflight policies --framework all --format md --update docs/compliance.md`")
