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
NOT_YET_REVIEWED: set = set()  # empty: every policy that fires on an empty resource states a verified default

# Policies that fire on an empty resource but judge no missing input, so there is no AWS default to state. Each
# must keep firing on an empty resource and keep no aws_default (test_no_default_judged_is_current), or move out.
NO_DEFAULT_JUDGED = {
    "iam-no-access-keys": "objects to an aws.iam.AccessKey existing at all (a long-lived credential), whatever its "
                          "inputs",
    "iam-no-user-policies": "objects to permissions granted to a user at all (aws.iam.UserPolicy / "
                            "UserPolicyAttachment), whatever their inputs",
    "alarm-runbook-link": "judges what the team writes in alarm_description (a runbook URL); AWS has no behaviour to "
                          "default there",
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
        if name in NOT_YET_REVIEWED or name in NO_DEFAULT_JUDGED:
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


def test_no_default_judged_is_current(empty_findings, catalog):
    assert not set(NO_DEFAULT_JUDGED) & NOT_YET_REVIEWED
    for name, reason in NO_DEFAULT_JUDGED.items():
        assert reason.strip(), name
        assert name in empty_findings, f"{name} no longer fires on an empty resource: remove it from NO_DEFAULT_JUDGED"
        assert not catalog[name]["awsDefault"], f"{name} now states a default: remove it from NO_DEFAULT_JUDGED"


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


def test_rds_instance_default_is_no_automated_backups(pack):
    """The provider sends backup_retention_period 0 for an aws.rds.Instance that leaves it out (automated backups
    off), not the RDS API default of 1 day; a cluster gets the API's 1 day. The message must not claim 1 day."""
    [d] = pack.analyze("aws:rds/instance:Instance", {}).violations("rds-backup-retention")
    assert "the provider sends 0 days for an aws.rds.Instance, which turns automated backups off" in d.message
    assert "or none at all" in d.message


def test_log_group_kms_is_advice_not_a_gate(pack):
    """CloudWatch Logs encrypts every log group at rest anyway; a key of your own is defence in depth."""
    [d] = pack.analyze("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 30}).violations("log-group-kms")
    assert d.level == "advisory" and d.severity == "low"
    assert "CloudWatch Logs always encrypts log data at rest" in d.message


def test_a_set_value_is_named_not_the_default(pack):
    r = pack.analyze("aws:apigateway/domainName:DomainName", {"securityPolicy": "TLS_1_0"})
    [d] = r.violations("api-custom-domain-tls12")
    assert "accepts TLS 1.0 (security_policy is 'TLS_1_0')" in d.message and "not set" not in d.message
    r = pack.analyze("aws:apigateway/method:Method", {"httpMethod": "GET", "authorization": "NONE"})
    [d] = r.violations("apigateway-method-authorization")
    assert "authorization is 'NONE' and no API key is required" in d.message and "not set" not in d.message
