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


# --- a saved plan with the stack's state (--state) -------------------------------------------------

STATE_TYPES = ["aws:dynamodb/table:Table", "aws:rds/instance:Instance", "aws:iam/role:Role",
               "aws:s3/bucket:Bucket", "aws:ec2/vpc:Vpc"]
PLAN_OPS = [["same"], ["update"], ["create-replacement", "replace", "delete-replaced"],
            ["delete-replaced", "replace", "create-replacement"], ["delete"], ["create"], ["discard"]]
SURVIVING = ({"same", "update", "replace", "create-replacement", "delete-replaced"})
PLANTED = "s3cr3t-planted-in-state"


def _pair(entries):
    """entries: (type, ops, protect in state, protect in the goal, retainOnDelete in state)."""
    root = "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod"
    plans = {root: {"goal": {"type": "pulumi:pulumi:Stack", "name": "shop-prod", "custom": False,
                             "protect": False}, "steps": ["same"]}}
    resources = [{"urn": root, "custom": False, "type": "pulumi:pulumi:Stack"}]
    downgraded, destroys_data = [], False
    for index, (type_, ops, old_protect, new_protect, retain) in enumerate(entries):
        urn = f"urn:pulumi:prod::shop::{type_}::r{index}"
        plans[urn] = {"steps": ops} if ops == ["delete"] else {
            "goal": {"type": type_, "name": f"r{index}", "custom": True, "protect": new_protect,
                     "parent": root}, "steps": ops}
        if ops != ["create"]:
            resources.append({"urn": urn, "custom": True, "type": type_, "protect": old_protect,
                              "retainOnDelete": retain,
                              "outputs": {"password": {SIG: SIG_VALUE, "plaintext": json.dumps(PLANTED)}}})
        if set(ops) & SURVIVING and old_protect and not new_protect:
            downgraded.append(urn)
        if set(ops) & {"delete", "replace"} and type_ in STATE_TYPES[:2]:
            destroys_data = True
    plan = {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "", "version": "3.276.0"},
            "resourcePlans": plans}
    return plan, {"version": 3, "deployment": {"manifest": plan["manifest"], "resources": resources}}, \
        downgraded, destroys_data


SIG, SIG_VALUE = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"
state_entries = st.lists(st.tuples(st.sampled_from(STATE_TYPES), st.sampled_from(PLAN_OPS), st.booleans(),
                                   st.booleans(), st.booleans()), min_size=1, max_size=6)


@FUZZ
@given(entries=state_entries)
def test_no_protect_downgrade_with_state_is_allowed_in_prod(tmp_path_factory, entries):
    plan, state, downgraded, destroys_data = _pair(entries)
    folder = tmp_path_factory.mktemp("state")
    (folder / "plan.json").write_text(json.dumps(plan))
    (folder / "state.json").write_text(json.dumps(state))
    with_state = call_cli("gate", folder / "plan.json", "--stack", "prod", "--state", folder / "state.json",
                          "--format", "json")
    without = call_cli("gate", folder / "plan.json", "--stack", "prod", "--format", "json")
    assert with_state.returncode in (0, 1) and without.returncode in (0, 1), with_state.stderr
    verdict, plain = json.loads(with_state.stdout), json.loads(without.stdout)
    if downgraded or destroys_data:
        assert verdict["decision"] != "allowed", verdict
    gated = {f["urn"] for f in verdict["destructive"] if f["needsApproval"]}
    assert set(downgraded) <= gated
    for urn in downgraded:
        finding = next(f for f in verdict["destructive"] if f["urn"] == urn)
        assert "protect" in [d["property"] for d in finding["downgrades"]]
    # The state only ever adds: whatever needs approval without it still does with it.
    assert {f["urn"] for f in plain["destructive"] if f["needsApproval"]} <= gated
    if plain["decision"] != "allowed":
        assert verdict["decision"] != "allowed"
    # Without the state every possible downgrade is named in the warning list.
    assert set(downgraded) <= set(plain["protectUnknown"])
    assert PLANTED not in with_state.stdout + with_state.stderr


STATE_KEYS = ["version", "features", "deployment", "manifest", "resources", "urn", "type", "protect",
              "delete", "custom", "inputs", "outputs", "pending_operations", "secrets_providers",
              "Resources", "Protect", "checkpoint", "ciphertext", "plaintext", SIG]
state_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70), st.sampled_from(
        [PLANTED, SIG_VALUE, "urn:pulumi:prod::shop::aws:dynamodb/table:Table::r0", "urn:pulumi:dev::x::t::n"])),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(STATE_KEYS), inner, max_size=5)), max_leaves=30)


@FUZZ
@given(document=state_json, entries=state_entries, base=st.booleans())
def test_arbitrary_state_files_never_crash_or_leak(tmp_path_factory, document, entries, base):
    plan, state, _, _ = _pair(entries)
    if base and isinstance(document, dict):   # a real state with arbitrary content merged in
        state["deployment"].update(document)
        document = state
    folder = tmp_path_factory.mktemp("state")
    (folder / "plan.json").write_text(json.dumps(plan))
    (folder / "state.json").write_text(json.dumps(document))
    for command in ("gate", "digest"):
        result = call_cli(command, folder / "plan.json", "--stack", "prod", "--state", folder / "state.json")
        assert result.returncode in (0, 1, 2) and "Traceback" not in result.stderr
        if result.returncode == 2:
            assert result.stderr.count("\n") == 1, result.stderr
        assert PLANTED not in result.stdout + result.stderr
