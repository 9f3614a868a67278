"""Reading both plan formats, and refusing anything that is not a whole plan (exit 2)."""
from __future__ import annotations

import json

import pytest

from tests.gate.gate_helpers import call_cli, capture, gate_json, run_cli
from preflight.errors import UsageError
from preflight.gate import plan as plan_mod


def test_real_preview_capture_is_read_step_by_step():
    loaded = plan_mod.load(str(capture("pulumi-preview.json")))
    assert loaded.format == plan_mod.PREVIEW
    assert (loaded.project, loaded.stack) == ("small-scale-10", "test-a692d456")
    ops = {c.name: c.ops for c in loaded.changes}
    assert ops["random-str-0"] == ["replace"]
    assert ops["random-str-extra-0"] == ["delete"]
    assert ops["cmd-3"] == ["create"]
    assert loaded.change_summary["same"] == 7
    replaced = next(c for c in loaded.changes if c.name == "random-str-0")
    assert replaced.replace_reasons == ["length", "special"]
    assert replaced.old["inputs"]["length"] == 32 and replaced.new["inputs"]["length"] == 16


def test_real_update_plan_capture_is_read_per_resource():
    loaded = plan_mod.load(str(capture("pulumi-update-plan.json")))
    assert loaded.format == plan_mod.UPDATE_PLAN
    assert (loaded.project, loaded.stack) == ("examplets", "dev")
    assert {c.type: c.ops for c in loaded.changes} == {
        "aws:s3/bucket:Bucket": ["create"], "pulumi:providers:aws": ["create"],
        "pulumi:pulumi:Stack": ["create"]}
    assert loaded.config == {"aws:region": "us-east-1"}


def test_replacement_steps_fold_into_one_resource_keeping_the_deleted_copy():
    loaded = plan_mod.load(str(capture("prod-replace-dynamodb.json")))
    table = next(c for c in loaded.changes if c.type == "aws:dynamodb/table:Table")
    assert table.ops == ["create-replacement", "replace", "delete-replaced"]
    assert table.old.get("delete") is True
    assert table.new["inputs"]["hashKey"] == "orderId"


def test_versioned_plan_wrapper_is_refused(tmp_path):
    # `pulumi up --plan` decodes DeploymentPlanV1 at the top level: to it, a wrapped plan is empty.
    inner = json.loads(capture("pulumi-update-plan.json").read_text())
    wrapped = tmp_path / "plan.json"
    wrapped.write_text(json.dumps({"version": 1, "plan": inner}))
    with pytest.raises(UsageError, match="wrapper"):
        plan_mod.load(str(wrapped))


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("[1, 2]", "not a Pulumi plan"),
    ('{"hello": 1}', "unknown top-level key 'hello'"),
    ('{"config": {}}', "neither"),
    ('{"steps": [{"urn": "urn:pulumi:prod::p::aws:s3/bucket:Bucket::b"}]}', "no 'op'"),
    ('{"steps": [{"op": "delete", "urn": "not-a-urn"}]}', "not a Pulumi URN"),
    ('{"steps": "delete everything"}', "steps should be a list"),
    ('{"steps": []}', "lists no resources"),
    ('{"resourcePlans": {"urn:pulumi:prod::p::aws:s3/bucket:Bucket::b": {"steps": "delete"}}}',
     "steps should be a list"),
    ('{"resourcePlans": {"urn:pulumi:prod::p::a:b/c:D::x": {"steps": ["delete"]},'
     ' "urn:pulumi:dev::p::a:b/c:D::y": {"steps": ["create"]}}}', "mixes stacks"),
    ('{"sequence": 0, "timestamp": 1}\n{"sequence": 1, "timestamp": 2}\n', "stream of engine events"),
])
def test_malformed_plans_are_bad_input(tmp_path, content, message):
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(UsageError, match=message):
        plan_mod.load(str(path))


def test_truncated_plan_is_bad_input_and_never_allowed(tmp_path):
    # A real capture cut short, as an interrupted CI upload would leave it.
    text = capture("prod-update-plan-destructive.json").read_text()
    truncated = tmp_path / "plan.json"
    truncated.write_text(text[: len(text) // 2])
    result = run_cli("gate", truncated, "--stack", "shop-live")
    assert result.returncode == 2
    assert "truncated" in result.stderr and "never allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1  # one line: what is wrong and how to fix it

    code, verdict, _ = gate_json(truncated, "--stack", "shop-live")
    assert code == 2
    assert verdict["allowed"] is False and verdict["decision"] == "denied" and verdict["exitCode"] == 2
    assert "truncated" in verdict["error"]

    digest = run_cli("digest", truncated, "--stack", "shop-live")
    assert digest.returncode == 2 and digest.stdout == ""


def test_missing_plan_and_wrong_stack_are_bad_input():
    missing = run_cli("gate", "no-such-plan.json", "--stack", "prod")
    assert missing.returncode == 2 and "does not exist" in missing.stderr

    wrong = run_cli("gate", capture("prod-delete-protected-rds.json"), "--stack", "dev")
    assert wrong.returncode == 2
    assert "plan is for stack 'shop/prod'" in wrong.stderr and "--stack prod" in wrong.stderr

    qualified = call_cli("gate", capture("prod-replace-dynamodb.json"), "--stack", "acme/shop/prod")
    assert qualified.returncode == 1  # org/project/stack form is accepted when it matches
    other_project = call_cli("gate", capture("prod-replace-dynamodb.json"), "--stack", "acme/blog/prod")
    assert other_project.returncode == 2


def test_missing_stack_flag_is_a_usage_error():
    result = call_cli("gate", capture("pulumi-preview.json"))
    assert result.returncode == 2 and "--stack" in result.stderr
