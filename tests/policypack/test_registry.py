"""Registry-wide rules for the catalog, read over the protocol as every consumer reads it."""
import os
import re
import sys

import pytest

from preflight.policies import BEGIN, END, as_markdown, load_catalog
from tests.conftest import PACK_DIR, ROOT

sys.path.insert(0, PACK_DIR)
from preflight_policies import catalog as pack_catalog  # noqa: E402
from preflight_policies.model import CHECKLIST_IDS, FRAMEWORKS, MetadataError, parse_framework  # noqa: E402


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def policies():
    return load_catalog(PACK_DIR)


def test_names_unique_and_well_formed(policies):
    names = [p["name"] for p in policies]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", name), name


def test_required_metadata_complete(policies):
    for p in policies:
        assert p["title"] and p["remediation"] and p["severity"] in ("low", "medium", "high", "critical"), p["name"]
        assert p["checklist"] and set(p["checklist"]) <= set(CHECKLIST_IDS), p["name"]
        assert p["url"] == f"docs/policies.md#{p['name']}"
        assert set(p["levels"]) == {"prod", "staging", "dev"}
        assert all(level in ("mandatory", "advisory", "disabled") for level in p["levels"].values())
        for ref in p["frameworks"]:
            assert parse_framework(ref).key in FRAMEWORKS, ref


def test_checklist_ids_match_the_checklist():
    path = os.path.join(os.path.dirname(ROOT), "shared", "checklist.md")
    ids = set(re.findall(r"^- \[ \] `([a-z.-]+)`", _read(path), re.M)) if os.path.exists(path) else set(CHECKLIST_IDS)
    assert ids == set(CHECKLIST_IDS)
    from preflight.audit.checklist import CHECKLIST  # the CLI's copy (it cannot import the pack)
    assert set(CHECKLIST) == set(CHECKLIST_IDS)


def test_invalid_metadata_is_rejected_at_load():
    from preflight_policies.helpers import is_true, property_policy
    bad = property_policy(name="Bad_Name", title="t", checklist="no.such-item", severity="extreme",
                          remediation="short", types="aws:s3/bucket:Bucket", path="x", expect=is_true,
                          message="m", cross_references=("Checkov:not-a-check", "Snyk:SNYK-1"))
    with pytest.raises(MetadataError) as e:
        pack_catalog.validate([bad])
    text = str(e.value)
    for fragment in ("kebab-case", "unknown checklist id", "severity", "not a valid Checkov check id",
                     "tool one of Checkov, Prowler", "remediation"):
        assert fragment in text


def test_duplicate_names_rejected():
    one = pack_catalog.all_policies()[0]
    with pytest.raises(MetadataError, match="used twice"):
        pack_catalog.validate([one, one])


def test_readme_catalog_is_generated_and_current(policies):
    text = _read(os.path.join(ROOT, "docs", "policies.md"))
    start, end = text.index(BEGIN) + len(BEGIN) + 1, text.index(END)
    assert text[start:end] == as_markdown(policies), (
        "docs/policies.md is stale: run `preflight policies --format md --update docs/policies.md`")


def test_every_policy_has_protocol_tests(policies):
    """Each policy name must appear in the protocol tests (which assert a passing and a failing case)."""
    here = os.path.join(ROOT, "tests", "policypack")
    corpus = "".join(_read(os.path.join(here, f))
                     for f in os.listdir(here) if f.startswith("test_") and f != "test_registry.py")
    missing = [p["name"] for p in policies if p["name"] not in corpus]
    assert not missing, f"policies without protocol tests: {missing}"


def test_components_named_in_policies_exist():
    """Remediation and messages point users at our components: every one named must be real."""
    import components
    rules = os.path.join(PACK_DIR, "preflight_policies")
    named = set()
    for folder, _dirs, files in os.walk(rules):
        for f in files:
            if f.endswith(".py"):
                named |= set(re.findall(r"components\.([A-Z][A-Za-z]+)", _read(os.path.join(folder, f))))
    assert named, "expected policies to name the components that fix them"
    missing = sorted(n for n in named if not hasattr(components, n))
    assert not missing, f"policies name components that do not exist: {missing}"
