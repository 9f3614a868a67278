"""Property-based: no input makes `preflight gate` or `preflight digest` crash, and no file holding a
destructive change to a prod data store is allowed. Inputs: arbitrary bytes, arbitrary JSON built
from the plan formats' own keys (with case variants, hostile strings and numbers), and real
destructive plans with arbitrary extra content where Pulumi's decoder ignores it."""
from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gate.gate_helpers import call_cli, run_cli

EXAMPLES = int(os.environ.get("PREFLIGHT_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

KEYS = ["manifest", "config", "resourcePlans", "steps", "goal", "type", "name", "op", "urn",
        "oldState", "newState", "inputs", "outputs", "protect", "inputDiff", "adds", "updates",
        "deletes", "changeSummary", "diagnostics", "severity", "message", "maybeCorrupt", "version",
        "plan", "deletionProtection", "backupRetentionPeriod", "retainOnDelete", "deletedWith",
        "Steps", "ResourcePlans", "\u017fteps", "4dabf18193072939515e22adb298388d"]
URNS = ["urn:pulumi:prod::shop::aws:rds/instance:Instance::db",
        "urn:pulumi:prod::shop::aws:s3/bucket:Bucket::b\x1b[2K",
        "urn:pulumi:prod::shop::x$aws:dynamodb/table:Table::t", "urn:pulumi:prod::", "not a urn"]
OPS = ["delete", "replace", "same", "create", "update", "discard", "\x00", ""]
strings = st.one_of(st.sampled_from(KEYS + URNS + OPS + ["[secret]", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"]),
                    st.text(max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), strings,
                    st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS + URNS), st.text(max_size=8)),
                                                 inner, max_size=5)), max_leaves=25)


def _gate_and_digest(path):
    gate = call_cli("gate", path, "--stack", "prod")
    digest = call_cli("digest", path, "--stack", "prod")
    for result in (gate, digest):
        assert result.returncode in (0, 1, 2), result
        assert "Traceback" not in result.stderr
        if result.returncode == 2:
            assert result.stderr.count("\n") == 1, result.stderr  # one plain line
    return gate, digest


@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "plan.json"
    path.write_bytes(data)
    gate, _ = _gate_and_digest(path)
    assert gate.returncode == 2 or data.strip()[:1] == b"{"


@FUZZ
@given(document=json_values, raw=st.sampled_from(["", "NaN", "1e400", "-Infinity", "[" * 3000]))
def test_arbitrary_json_shaped_like_plans(tmp_path_factory, document, raw):
    text = json.dumps(document)
    if raw and isinstance(document, dict) and document:
        text = text[:-1] + f', "x": {raw}' + "}"
    path = tmp_path_factory.mktemp("fuzz") / "plan.json"
    path.write_text(text)
    gate, _ = _gate_and_digest(path)
    if raw:
        assert gate.returncode == 2 or not (isinstance(document, dict) and document)


DELETE_DB = {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": "3.276.0"},
             "resourcePlans": {"urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db": {
                 "goal": {"type": "aws:rds/instance:Instance", "name": "orders-db", "custom": True},
                 "steps": ["delete"]}}}
PREVIEW_DELETE = {"steps": [{"op": "delete", "urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db",
                             "oldState": {"urn": "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db",
                                          "type": "aws:rds/instance:Instance", "custom": True}}]}


@FUZZ
@given(extra=st.dictionaries(st.text(min_size=1, max_size=10), json_values, max_size=4),
       inputs=st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4), preview=st.booleans())
def test_a_destructive_plan_is_never_allowed_whatever_else_it_holds(tmp_path_factory, extra, inputs, preview):
    document = json.loads(json.dumps(PREVIEW_DELETE if preview else DELETE_DB))
    record = document["steps"][0] if preview else document["resourcePlans"][
        "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db"]
    record.update({k: v for k, v in extra.items() if k.casefold() not in {"op", "urn", "steps", "goal"}})
    (record["oldState"] if preview else record["goal"]).setdefault("inputs" if preview else "inputDiff",
                                                                   {"adds": inputs} if not preview else inputs)
    path = tmp_path_factory.mktemp("fuzz") / "plan.json"
    path.write_text(json.dumps(document))
    gate, _ = _gate_and_digest(path)
    assert gate.returncode in (1, 2), gate.stdout


def test_deep_and_huge_inputs_as_a_user_runs_it(tmp_path):
    for content in ("[" * 100_000, "{\"steps\": " + "[" * 100_000 + "]" * 100_000 + "}",
                    '{"resourcePlans": {}, "x": 1' + "0" * 5000 + "}"):
        path = tmp_path / "plan.json"
        path.write_text(content)
        for command in ("gate", "digest"):
            result = run_cli(command, path, "--stack", "prod")
            assert result.returncode == 2 and "Traceback" not in result.stderr
            assert result.stderr.count("\n") == 1
