"""Pack-wide machinery over the protocol: metadata on the wire, config, exemptions, levels."""
import datetime

from preflight import __version__
from tests.conftest import res

RDS = "aws:rds/instance:Instance"
BAD_DB = {"storageEncrypted": False, "backupRetentionPeriod": 7, "deletionProtection": True}


def test_analyzer_info_carries_metadata(pack):
    info = pack.info
    assert info.name == "preflight" and info.supportsConfig
    assert info.version == __version__  # PulumiPolicy.yaml, as the CLI reads it (kept equal by test_packaging)
    by_name = {p.name: p for p in info.policies}
    p = by_name["rds-storage-encrypted"]
    assert p.remediation_steps and p.url.endswith("#rds-storage-encrypted")
    assert "checklist:security.encryption" in list(p.tags)
    assert p.framework.name == "CIS AWS Foundations Benchmark" and p.framework.reference == "2.3.1"
    assert "exemptions" in p.configSchema.properties


def test_config_overrides_level(pack):
    with pack.configured({"rds-storage-encrypted": "advisory"}):
        [d] = pack.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
        assert d.level == "advisory"
    with pack.configured({"rds-storage-encrypted": {"enforcementLevel": "disabled"}}):
        assert not pack.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    [d] = pack.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    assert d.level == "mandatory"
    # Preflight never remediates: a policy configured as `remediate` reports as mandatory, as the SDK does.
    with pack.configured({"all": "remediate"}):
        assert {d.level for d in pack.analyze(RDS, BAD_DB).violations()} == {"mandatory"}
        assert pack.analyze_stack([res(RDS, "db", BAD_DB)]).violations("prod-data-stores-protected")[0].level == "mandatory"


def test_exemption_with_reason_and_future_date(pack):
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    config = {"rds-storage-encrypted": {"exemptions": [
        {"resource": "urn:pulumi:prod::app::aws:rds/instance:Instance::legacy-*", "reason": "migrating in Q1",
         "expires": future}]}}
    with pack.configured(config):
        result = pack.analyze(RDS, BAD_DB, name="legacy-orders")
        assert not result.violations("rds-storage-encrypted")
        assert "migrating in Q1" in result.not_applicable["rds-storage-encrypted"]
        assert pack.analyze(RDS, BAD_DB, name="orders").violations("rds-storage-encrypted")
        assert not pack.analyze_stack([res(RDS, "legacy-orders", BAD_DB)]).violations("rds-storage-encrypted")


def test_expired_or_unexplained_exemption_is_a_violation(pack):
    config = {"rds-storage-encrypted": {"exemptions": [
        {"resource": "urn:pulumi:prod::app::aws:rds/instance:Instance::old", "reason": "x", "expires": "2020-01-01"},
        {"resource": "urn:pulumi:prod::app::aws:rds/instance:Instance::why"}]}}
    with pack.configured(config):
        # Neither exempts anything...
        assert pack.analyze(RDS, BAD_DB, name="old").violations("rds-storage-encrypted")
        assert pack.analyze(RDS, BAD_DB, name="why").violations("rds-storage-encrypted")
        # ...and each is a violation of its own.
        messages = [d.message for d in pack.analyze_stack([]).violations("rds-storage-encrypted")]
        assert any("expired on 2020-01-01" in m for m in messages)
        assert any("has no reason" in m for m in messages)


def test_environment_from_stack_name_when_config_absent(pack_for):
    dev_by_name = pack_for(environment=None, stack="payments-dev")
    [d] = dev_by_name.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    assert d.level == "advisory"
    unknown_name = pack_for(environment=None, stack="blue")
    [d] = unknown_name.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    assert d.level == "mandatory"  # unknown means strict


# -- the environment: stack config may make a stack stricter, only the policy pack config relaxes it ----------
def test_stack_config_cannot_relax_a_stack_whose_name_says_prod_or_nothing(pack_for):
    """`preflight:environment: dev` in Pulumi.<stack>.yaml is one line any pull request can add."""
    for stack in ("prod-eu-west-1", "production-eu", "eu-prod-1", "live", "prod"):
        relaxed = pack_for(environment="dev", stack=stack)
        [d] = relaxed.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
        assert d.level == "mandatory", stack
        [note] = relaxed.analyze_stack([]).violations("stack-environment")
        assert note.level == "advisory" and f"stack '{stack}'" in note.message
        assert '"stack-environment": {"environments"' in note.message  # says where relaxing is done


def test_stack_config_can_make_a_stack_stricter(pack_for):
    stricter = pack_for(environment="prod", stack="payments-dev")
    [d] = stricter.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    assert d.level == "mandatory"
    assert not stricter.analyze_stack([]).violations("stack-environment")


def test_policy_pack_config_assigns_the_environment(pack_for):
    live = pack_for(environment=None, stack="live")
    [d] = live.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    assert d.level == "mandatory"  # a name that says nothing is prod
    with live.configured({"stack-environment": {"environments": {"live": "dev"}}}):
        [d] = live.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
        assert d.level == "advisory"
    with live.configured({"stack-environment": {"environments": {"li*": "dev", "other": "dev"}},
                          "rds-storage-encrypted": "disabled"}):
        # a level the user set explicitly still wins over the assigned environment's default
        assert not live.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    with live.configured({"stack-environment": {"environments": {"blue-*": "dev"}}}):
        [d] = live.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
        assert d.level == "mandatory"  # no match: the name rule applies
    [d] = live.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
    assert d.level == "mandatory"


def test_policy_pack_assignment_is_still_tightened_by_stack_config(pack_for):
    live = pack_for(environment="prod", stack="live")
    with live.configured({"stack-environment": {"environments": {"live": "dev"}}}):
        [d] = live.analyze(RDS, BAD_DB).violations("rds-storage-encrypted")
        assert d.level == "mandatory"
