"""`pulumi preview --policy-pack` under the real CLI and `preflight check` give the same verdicts.

A verdict is (policy, level, URN). Any difference is a bug in one of them; the assertion prints
both sides' extra verdicts.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import REPO, copy_project, preflight_check

PROGRAMS = Path(__file__).resolve().parent / "programs"


def cli_verdicts(events):
    out = set()
    for e in events:
        pe = e.get("policyEvent")
        if pe:
            out.add((pe["policyName"], pe["enforcementLevel"], pe.get("resourceUrn") or ""))
    return out


def check_verdicts(report):
    return {(v["policy"], v["level"], v.get("urn") or "") for v in report["violations"]}


def assert_same(cli, check, what):
    only_cli = sorted(cli - check)
    only_check = sorted(check - cli)
    if only_cli or only_check:
        lines = [f"verdicts differ on {what}: {len(cli)} from pulumi preview, {len(check)} from preflight check"]
        lines += [f"  only pulumi preview:  {v}" for v in only_cli]
        lines += [f"  only preflight check: {v}" for v in only_check]
        raise AssertionError("\n".join(lines))


def _baseline(tmp_path: Path) -> Path:
    proj = tmp_path / "baseline"
    proj.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml"):
        shutil.copy(REPO / name, proj / name)
    shutil.copytree(REPO / "stacks", proj / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return proj


def _preview_and_check(pulumi, proj, stack, tmp_path, config=None, setup=None):
    env = pulumi.new_stack(proj, stack, tmp_path / "state")
    if setup:
        setup(env)
    args = ["preview", "--stack", stack, "--policy-pack", str(pulumi.pack)]
    if config:
        args += ["--policy-pack-config", str(config)]
    events, proc = pulumi.policy_events(args, proj, env)
    cli = cli_verdicts(events)
    report = preflight_check(proj, stack, pulumi.pack, config)
    check = check_verdicts(report)
    return cli, check, proc, report


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_baseline_parity(pulumi, tmp_path, stack):
    proj = _baseline(tmp_path)
    cli, check, proc, report = _preview_and_check(pulumi, proj, stack, tmp_path)
    assert_same(cli, check, f"the baseline ({stack})")
    # The bundled baseline passes prod with zero violations; so the CLI must exit 0.
    if stack == "prod":
        assert proc.returncode == 0 and not [v for v in cli if v[1] == "mandatory"], proc.stdout[-3000:]
    else:
        assert all(level == "advisory" for _, level, _ in cli)


@pytest.mark.parametrize("program", ["webshop", "secrets_app", "serverless"])
def test_fixture_program_parity(pulumi, tmp_path, program):
    proj = copy_project(PROGRAMS / program, tmp_path / program)

    def setup(env):
        if program == "secrets_app":
            pulumi.run(["config", "set", "--secret", "apiToken", "tok-9f8e7d6c5b4a"], cwd=proj, env=env)
            assert "secure:" in (proj / "Pulumi.prod.yaml").read_text()

    cli, check, proc, report = _preview_and_check(pulumi, proj, "prod", tmp_path, setup=setup)
    assert_same(cli, check, program)
    assert cli, f"{program} is written to break policies; the pack reported none under the CLI"
    mandatory = any(level == "mandatory" for _, level, _ in cli)
    assert proc.returncode == (1 if mandatory else 0)
    assert "tok-9f8e7d6c5b4a" not in proc.stdout + proc.stderr


def test_policy_pack_config_parity(pulumi, tmp_path):
    proj = copy_project(PROGRAMS / "webshop", tmp_path / "webshop")
    urn = "urn:pulumi:prod::webshop::aws:s3/bucket:Bucket::uploads"
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({
        "s3-bucket-versioning": "advisory",
        "rds-multi-az": "disabled",
        "s3-bucket-no-force-destroy": {"exemptions": [
            {"resource": urn, "reason": "scratch uploads, recreated nightly", "expires": "2099-01-01"}]},
    }))
    cli, check, proc, report = _preview_and_check(pulumi, proj, "prod", tmp_path, config=config)
    assert_same(cli, check, "webshop with --policy-pack-config")
    assert not any(p == "rds-multi-az" for p, _, _ in cli)
    assert not any(p == "s3-bucket-no-force-destroy" and u == urn for p, _, u in cli)
    assert all(level == "advisory" for p, level, _ in cli if p == "s3-bucket-versioning")


@pytest.mark.parametrize("bad", [
    {"s3-bucket-versioning": "sometimes"},
    {"s3-bucket-no-force-destroy": {"exemptions": "everything"}},
])
def test_cli_validates_policy_pack_config_against_our_schemas(pulumi, tmp_path, bad):
    proj = copy_project(PROGRAMS / "webshop", tmp_path / "webshop")
    env = pulumi.new_stack(proj, "prod", tmp_path / "state")
    config = tmp_path / "bad.json"
    config.write_text(json.dumps(bad))
    proc = pulumi.run(["preview", "--stack", "prod", "--policy-pack", str(pulumi.pack),
                       "--policy-pack-config", str(config)], cwd=proj, env=env, expect=None)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    # What v3.276.0 prints: "parsing enforcement level for "<policy>": ..." for a bad level string,
    # "validating policy config: <pack> <version>  <policy>: ..." for a schema failure.
    assert ("validating policy config" in out or "parsing enforcement level" in out), out
    assert next(iter(bad)) in out, out
    assert "Resources:" not in proc.stdout  # it stopped before previewing anything
