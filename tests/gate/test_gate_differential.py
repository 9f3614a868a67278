"""Differential test: the gate's plan reader against Pulumi's own Go structs.

`pulumi up --plan` decodes a saved plan with Go's encoding/json into apitype.DeploymentPlanV1;
tests/gate/godecode does exactly that (and decodes previews into the preview digest's struct) and
prints the steps per URN. Over real captures, adversarial files and generated ones (hypothesis,
with case variants, duplicate keys, wrappers and extra keys mixed in), two properties hold:

1. whenever the gate accepts a file, Go reads the same steps for the same URNs;
2. whenever Go sees a destructive step on a stateful resource of a prod stack, the gate does not
   allow the file (it needs approval, denies, or refuses the file).

In CI (`CI` set) Go is required and the test never skips; elsewhere without Go it skips, saying so.
"""
from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.errors import UsageError
from preflight.gate import plan as plan_mod
from preflight.gate.rules import HARMLESS_OPS, stateful_category
from preflight.gate.settings import GateSettings, resolve_environment
from preflight.gate.verdict import assess, decide
from tests.gate import godecode_build
from tests.gate.gate_helpers import DATA
from tests.gate.test_gate_attacks import TWO_READINGS


@pytest.fixture(scope="session")
def godecode() -> Path:
    try:
        binary = godecode_build.build()
    except Exception as e:  # a failed build is a failure, never a skip
        pytest.fail(f"could not build the Go reference decoder: {e}")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("Go is required in CI for the differential test (install Go 1.22+)")
        pytest.skip("Go is not installed: the differential test against Pulumi's Go structs needs "
                    "`go` on PATH (https://go.dev/dl/); CI runs it")
    return binary


# --- the two readers -------------------------------------------------------------------------------

def gate_reading(data: bytes) -> Tuple[Optional[plan_mod.Plan], int]:
    """(the plan as the gate read it, or None when refused; the gate's exit code)."""
    try:
        loaded = plan_mod.parse(data, "plan.json")
    except UsageError:
        return None, 2
    environment = resolve_environment(loaded.stack, loaded.config)
    verdict = decide(assess(loaded, environment, GateSettings()), None, "collect approvals")
    return loaded, verdict.exit_code


def go_readings(binary: Path, path: Path) -> Dict[str, Dict[str, Any]]:
    return {mode: godecode_build.decode(binary, mode, [path])[0] for mode in ("plan", "preview")}


def _steps(reading: Dict[str, Any]) -> Dict[str, List[str]]:
    return {urn: ops or ["same"] for urn, ops in (reading.get("steps") or {}).items()}


def check_agreement(binary: Path, path: Path) -> None:
    data = path.read_bytes()
    loaded, exit_code = gate_reading(data)
    go = go_readings(binary, path)
    if loaded is not None:
        mode = "plan" if loaded.format == plan_mod.UPDATE_PLAN else "preview"
        reading = go[mode]
        assert reading["ok"], f"the gate accepted a file Go cannot decode: {reading['error']}"
        assert {c.urn: c.ops for c in loaded.changes} == _steps(reading), data[:2000]
    for mode, reading in go.items():
        if not reading["ok"]:
            continue
        for urn, ops in _steps(reading).items():
            parsed = plan_mod.Urn.parse(urn)
            destructive = [op for op in ops if op not in HARMLESS_OPS]
            if parsed and parsed.stack == "prod" and destructive and stateful_category(parsed.type):
                assert exit_code != 0, (f"Go ({mode}) sees {destructive} on {urn} but the gate "
                                        f"allows the file: {data[:2000]!r}")


# --- fixed corpus: real captures, every capture in tests/gate/data, the adversarial files ------------

def test_captures_read_the_same_in_go(godecode):
    files = sorted(DATA.glob("*.json"))
    assert len(files) >= 10
    for path in files:
        check_agreement(godecode, path)


@pytest.mark.parametrize("name", sorted(TWO_READINGS))
def test_adversarial_files_never_slip_past(godecode, tmp_path, name):
    path = tmp_path / "plan.json"
    path.write_text(TWO_READINGS[name], encoding="utf-8")
    check_agreement(godecode, path)
    # ...and these are built so that Go sees a delete of the prod database (a wrapper alone
    # hides the plan from Go altogether: `up --plan` would find an empty plan).
    sees_delete = any("delete" in ops for r in go_readings(godecode, path).values() if r["ok"]
                      for ops in (r.get("steps") or {}).values())
    assert sees_delete == (name != "wrapper alone"), name


def test_go_decoder_really_merges_what_the_gate_refuses(godecode, tmp_path):
    """Guard against a vacuous reference: Go must show the behaviours the gate defends against."""
    urn = "urn:pulumi:prod::shop::aws:rds/instance:Instance::orders-db"
    path = tmp_path / "plan.json"
    path.write_text('{"resourcePlans": {"%s": {"steps": ["same"]}}, "RESOURCEPLANS": '
                    '{"%s": {"\u017fteps": ["delete"]}}}' % (urn, urn))
    assert go_readings(godecode, path)["plan"]["steps"] == {urn: ["delete"]}
    assert gate_reading(path.read_bytes())[0] is None


# --- generated files ------------------------------------------------------------------------------

class Obj(list):
    """A JSON object as its list of (key, value) pairs, so duplicates can be written."""


def dump(value: Any) -> str:
    if isinstance(value, Obj):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {dump(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


OPS = ["same", "create", "update", "delete", "replace", "create-replacement", "delete-replaced",
       "discard", "read", "import-replacement", "refresh", "obliterate"]
TYPES = ["aws:rds/instance:Instance", "aws:dynamodb/table:Table", "aws:s3/bucket:Bucket",
         "aws:kms/key:Key", "random:index/randomString:RandomString",
         "aws:ec2/securityGroup:SecurityGroup", "aws-native:rds:DbInstance"]
names = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=6)


@st.composite
def resources(draw):
    urn = f"urn:pulumi:prod::shop::{draw(st.sampled_from(TYPES))}::{draw(names)}"
    return urn, draw(st.lists(st.sampled_from(OPS), max_size=3)), draw(st.sampled_from(TYPES))


def plan_document(items) -> Obj:
    plans = Obj()
    for urn, ops, claimed_type in items:
        plans.append((urn, Obj([("goal", Obj([("type", claimed_type), ("name", urn.rsplit("::", 1)[-1]),
                                               ("custom", True), ("protect", False)])),
                                ("steps", ops)])))
    return Obj([("manifest", Obj([("time", "2026-01-01T00:00:00Z"), ("magic", ""),
                                  ("version", "3.276.0")])), ("resourcePlans", plans)])


def preview_document(items) -> Obj:
    steps = []
    for urn, ops, claimed_type in items:
        for op in ops or ["same"]:
            steps.append(Obj([("op", op), ("urn", urn),
                              ("oldState", Obj([("urn", urn), ("type", claimed_type), ("custom", True)])),
                              ("detailedDiff", None)]))
    return Obj([("steps", steps), ("duration", 1)])


def _objects(value: Any, out: List[Obj]) -> List[Obj]:
    if isinstance(value, Obj):
        out.append(value)
        for _, v in value:
            _objects(v, out)
    elif isinstance(value, list):
        for v in value:
            _objects(v, out)
    return out


def _case_variant(key: str, rnd: random.Random) -> str:
    choice = rnd.randrange(4)
    if choice == 0 and "s" in key:
        return key.replace("s", "\u017f", 1)          # LATIN SMALL LETTER LONG S folds to s
    if choice == 1 and "k" in key.lower():
        return key.replace("k", "\u212a", 1).replace("K", "\u212a", 1)  # KELVIN SIGN folds to k
    if choice == 2:
        return key.upper()
    return key[:1].swapcase() + key[1:]


def mutate(document: Obj, rnd: random.Random, extra: Obj) -> Obj:
    nodes = _objects(document, [])
    node = rnd.choice(nodes)
    kind = rnd.randrange(6)
    if kind == 0 and node:                               # a case variant of a key
        index = rnd.randrange(len(node))
        key, value = node[index]
        node[index] = (_case_variant(key, rnd), value)
    elif kind == 1 and node:                             # a duplicate key, later value differs
        key, value = rnd.choice(list(node))
        node.append((key, ["delete"] if isinstance(value, list) and all(isinstance(v, str) for v in value)
                     else copy.deepcopy(extra) if isinstance(value, Obj) else value))
    elif kind == 2:                                      # the {"version", "plan"} wrapper
        return Obj([("version", 1), ("plan", document)] + ([document[-1]] if rnd.random() < .5 else []))
    elif kind == 3:                                      # an unknown key
        node.append((rnd.choice(["extra", "approved", "resourcePlan", "Plan"]), True))
    elif kind == 4:                                      # the other format's key beside this one
        other = preview_document if document and document[0][0] == "manifest" else plan_document
        document.append(other([("urn:pulumi:prod::shop::aws:rds/instance:Instance::db", ["delete"],
                                "aws:rds/instance:Instance")])[-1])
    else:                                                # a second top-level key of the same name
        document.append(document[-1])
    return document


@settings(max_examples=int(os.environ.get("PREFLIGHT_FUZZ_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(items=st.lists(resources(), min_size=1, max_size=4), preview=st.booleans(),
       mutations=st.integers(0, 3), seed=st.integers(0, 2 ** 32))
def test_generated_plans_read_the_same_or_are_refused(godecode, tmp_path_factory, items, preview,
                                                      mutations, seed):
    rnd = random.Random(seed)
    document = (preview_document if preview else plan_document)(items)
    extra = (plan_document if rnd.random() < .5 else preview_document)(
        [("urn:pulumi:prod::shop::aws:dynamodb/table:Table::t", ["delete"], "aws:dynamodb/table:Table")])[-1][1]
    for _ in range(mutations):
        document = mutate(document, rnd, extra)
    path = tmp_path_factory.mktemp("gen") / "plan.json"
    path.write_text(dump(document), encoding="utf-8")
    check_agreement(godecode, path)
