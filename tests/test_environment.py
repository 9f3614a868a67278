"""The environment rule (DESIGN), in Preflight, the pack and the components: same answers everywhere.

A stack is what its name says (else prod), or what the guard's reviewed config assigns it; stack
config `preflight:environment` may make it stricter, never more lenient.
"""
import sys

import pytest

import components
from preflight import environment as cli_env
from tests.conftest import PACK_DIR

sys.path.insert(0, PACK_DIR)
from preflight_policies import environment as pack_env  # noqa: E402

E = "preflight:environment"
CASES = [  # (stack config, stack, assigned by the guard's config, expected)
    ({}, "prod", None, "prod"), ({}, "production", None, "prod"), ({}, "prd", None, "prod"),
    ({}, "payments-prod", None, "prod"), ({}, "payments-production", None, "prod"), ({}, "dev", None, "dev"),
    ({}, "test", None, "dev"), ({}, "sandbox", None, "dev"), ({}, "alice-dev", None, "dev"),
    ({}, "org/shop/dev", None, "dev"), ({}, "staging", None, "staging"), ({}, "eu-staging", None, "staging"),
    ({}, "blue", None, "prod"), ({}, "", None, "prod"),
    # The unrecognised prod spellings of the attack: prod by default, and one config line cannot relax them.
    ({E: "dev"}, "prod-eu-west-1", None, "prod"), ({E: "dev"}, "production-eu", None, "prod"),
    ({E: "development"}, "eu-prod-1", None, "prod"), ({E: "sandbox"}, "live", None, "prod"),
    ({E: "dev"}, "prod", None, "prod"), ({E: "staging"}, "payments-prod", None, "prod"),
    ({E: "dev"}, "staging", None, "staging"),
    # Stricter is always allowed.
    ({E: "staging"}, "dev", None, "staging"), ({E: "Production"}, "dev", None, "prod"),
    ({E: "prod"}, "staging", None, "prod"), ({E: "dev"}, "dev", None, "dev"),
    # Set but unrecognised or empty: prod.
    ({E: "nonsense"}, "dev", None, "prod"), ({E: ""}, "dev", None, "prod"),
    ({"other:environment": "dev"}, "prod", None, "prod"),
    # The guard's own config relaxes; stack config can still only tighten that.
    ({}, "prod-eu-west-1", "dev", "dev"), ({E: "dev"}, "live", "dev", "dev"), ({E: "prod"}, "live", "dev", "prod"),
    ({E: "dev"}, "blue", "staging", "staging"), ({}, "dev", "prod", "prod"), ({}, "x", "nonsense", "prod"),
]


@pytest.mark.parametrize("config,stack,assigned,expected", CASES)
def test_environment_rule(config, stack, assigned, expected):
    """Three copies (the pack and components cannot import Preflight): all must agree."""
    assert cli_env.resolve(config, stack, assigned) == expected
    assert pack_env.resolve(config, stack, assigned) == expected
    assert components.resolve_environment(config.get(E), stack, assigned) == expected


ASSIGNMENTS = [  # (environments map, stack, expected)
    ({"live": "dev"}, "live", "dev"), ({"live": "dev"}, "org/shop/live", "dev"), ({"live": "dev"}, "alive", None),
    ({"preview-*": "dev"}, "preview-42", "dev"), ({"preview-*": "dev"}, "prod", None),
    ({"preview-*": "dev", "preview-prod*": "prod"}, "preview-prod-1", "prod"),  # strictest glob
    ({"*": "dev", "live": "staging"}, "live", "staging"),                      # exact name first
    ({"x": "bogus"}, "x", "prod"), ({}, "x", None), (None, "x", None),
]


@pytest.mark.parametrize("environments,stack,expected", ASSIGNMENTS)
def test_assignment_by_name_or_glob(environments, stack, expected):
    assert cli_env.assigned(stack, environments) == expected
    assert pack_env.assigned(stack, environments) == expected


def test_pack_reads_the_cli_process_environment():
    env = {"PULUMI_CONFIG": '{"preflight:environment": "dev", "aws:region": "us-east-1"}', "PULUMI_STACK": "prod"}
    assert pack_env.from_process_env(env) == "prod"  # config cannot relax a stack named prod
    assert pack_env.from_process_env(env, {"prod": "dev"}) == "dev"  # only the pack config can
    assert pack_env.from_process_env({"PULUMI_STACK": "shop-dev"}) == "dev"
    assert pack_env.from_process_env({"PULUMI_CONFIG": '{"preflight:environment": "prod"}',
                                      "PULUMI_STACK": "shop-dev"}) == "prod"
    assert pack_env.from_process_env({"PULUMI_CONFIG": "not json", "PULUMI_STACK": "x"}) == "prod"
