"""The truth about defaults (issue 12), through the analyzer protocol: a policy that reports a resource whose inputs
are all left out is judging AWS's or the provider's default, so it must say what that default is, in its metadata
(`aws_default`, shown in docs/policies.md) and in the message the user reads."""
import os
import re

import pytest

from preflight.policies import load_catalog
from tests.conftest import PACK_DIR, ROOT

# Policies that still fire on an empty resource without a stated default: their defaults are not yet verified
# against AWS or provider documentation (never guessed). Each must still fire and still lack aws_default, so the
# list can only shrink (test_unreviewed_list_is_current).
NOT_YET_REVIEWED = {
    "apigateway-method-authorization", "apigateway-request-validator-validates", "apigateway-usage-plan-quota",
    "apigateway-usage-plan-throttled", "apigatewayv2-stage-throttled", "api-custom-domain-tls12",
    "sagemaker-endpoint-auto-rollback", "alarm-actions-configured", "alarm-runbook-link", "api-detailed-metrics",
    "iam-no-access-keys", "iam-no-user-policies", "secretsmanager-rotation-interval",
    "s3-public-access-block-settings", "provider-allowed-account-ids",
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@pytest.fixture(scope="module")
def catalog():
    return {c["name"]: c for c in load_catalog(PACK_DIR)}


@pytest.fixture(scope="module")
def empty_findings(pack, catalog):
    """policy name -> messages it reports on an empty resource of each of its types."""
    found = {}
    types = sorted({t for info in pack.info.policies if info.policy_type == 1 for t in _types(catalog[info.name])})
    for type_ in types:
        for d in pack.analyze(type_, {}).diagnostics:
            found.setdefault(d.policy, []).append(d.message.split("\n", 1)[-1])
    return found


def _types(entry):
    # "Judges each aws.x.Y, aws.z.W on its own." carries the short names; the pack's own types are what we need.
    return _RESOURCE_TYPES.get(entry["name"], ())


_RESOURCE_TYPES = {}


@pytest.fixture(scope="module", autouse=True)
def _resource_types():
    import sys
    sys.path.insert(0, PACK_DIR)
    from preflight_policies import catalog as pack_catalog
    from preflight_policies.model import ResourcePolicy
    _RESOURCE_TYPES.update({p.meta.name: tuple(t for t in p.types if t != "*")
                            for p in pack_catalog.all_policies() if isinstance(p, ResourcePolicy)})


def test_every_policy_that_judges_a_default_says_what_it_is(empty_findings, catalog):
    assert len(empty_findings) > 50  # the probe itself works: most resource policies judge some default
    problems = []
    for name, messages in sorted(empty_findings.items()):
        if name in NOT_YET_REVIEWED:
            continue
        default = catalog[name]["awsDefault"]
        if not default:
            problems.append(f"{name}: reports an empty resource but has no aws_default")
            continue
        for message in messages:
            if _norm(default) not in _norm(message):
                problems.append(f"{name}: message does not state the AWS default {default!r}: {message}")
    assert not problems, "\n".join(problems)


def test_unreviewed_list_is_current(empty_findings, catalog):
    stale = sorted(n for n in NOT_YET_REVIEWED if n not in empty_findings or catalog[n]["awsDefault"])
    assert not stale, f"remove from NOT_YET_REVIEWED (no longer fire on empty input, or now state a default): {stale}"


def test_explicit_bad_value_is_named_instead_of_the_default(pack):
    """Set to a bad value, the input is named with its value; the default is not claimed."""
    r = pack.analyze("aws:sagemaker/notebookInstance:NotebookInstance", {"directInternetAccess": "Enabled"})
    [message] = [d.message for d in r.violations("sagemaker-notebook-no-direct-internet")]
    assert "direct_internet_access is 'Enabled'" in message
    assert "not set" not in message
    r = pack.analyze("aws:sagemaker/notebookInstance:NotebookInstance", {})
    [message] = [d.message for d in r.violations("sagemaker-notebook-no-direct-internet")]
    assert "direct_internet_access not set: SageMaker gives a notebook instance direct internet access" in message


def test_secret_values_are_not_shown(pack):
    from tests.conftest import secret
    r = pack.analyze("aws:sagemaker/notebookInstance:NotebookInstance", {"rootAccess": secret("Enabled-xyz")})
    [message] = [d.message for d in r.violations("sagemaker-notebook-root-disabled")]
    assert "Enabled-xyz" not in message and "a secret value" in message


def test_reference_has_the_default_and_a_source_that_exists(catalog):
    with open(os.path.join(ROOT, "docs", "policies.md"), encoding="utf-8") as f:
        text = f.read()
    entries = dict(re.findall(r"^#### ([a-z0-9-]+)\n(.*?)(?=^#### |\Z)", text, re.M | re.S))
    assert set(entries) == set(catalog)
    for name, c in catalog.items():
        body = entries[name]
        if c["awsDefault"]:
            assert f"AWS default: {c['awsDefault']}" in body.replace("\\|", "|"), name
        links = re.findall(r"^Source: \[([^\]]+)\]\(\.\./([^)]+)\)$", body, re.M)
        assert links, f"{name}: no Source link"
        for shown, target in links:
            assert shown == target and os.path.isfile(os.path.join(ROOT, target)), (name, target)
            assert target == c["source"]
