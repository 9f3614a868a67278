"""The environment rule (DESIGN), in Preflight, the pack and the components: same answers everywhere."""
import sys

import pytest

import components
from preflight import environment as cli_env
from tests.conftest import PACK_DIR

sys.path.insert(0, PACK_DIR)
from preflight_policies import environment as pack_env  # noqa: E402

CASES = [
    ({}, "prod", "prod"), ({}, "production", "prod"), ({}, "prd", "prod"), ({}, "payments-prod", "prod"),
    ({}, "payments-production", "prod"), ({}, "dev", "dev"), ({}, "test", "dev"), ({}, "sandbox", "dev"),
    ({}, "alice-dev", "dev"), ({}, "org/shop/dev", "dev"), ({}, "staging", "prod"), ({}, "blue", "prod"),
    ({}, "", "prod"), ({"preflight:environment": "dev"}, "prod", "dev"),
    ({"preflight:environment": "staging"}, "dev", "staging"), ({"preflight:environment": "Production"}, "dev", "prod"),
    ({"preflight:environment": "nonsense"}, "dev", "prod"), ({"other:environment": "dev"}, "prod", "prod"),
    ({"preflight:environment": ""}, "dev", "prod"),
]


@pytest.mark.parametrize("config,stack,expected", CASES)
def test_environment_rule(config, stack, expected):
    """Three copies (the pack and components cannot import Preflight): all must agree."""
    assert cli_env.resolve(config, stack) == expected
    assert pack_env.resolve(config, stack) == expected
    assert components.resolve_environment(config.get("preflight:environment"), stack) == expected


def test_pack_reads_the_cli_process_environment():
    env = {"PULUMI_CONFIG": '{"preflight:environment": "dev", "aws:region": "us-east-1"}', "PULUMI_STACK": "prod"}
    assert pack_env.from_process_env(env) == "dev"
    assert pack_env.from_process_env({"PULUMI_STACK": "shop-dev"}) == "dev"
    assert pack_env.from_process_env({"PULUMI_CONFIG": "not json", "PULUMI_STACK": "x"}) == "prod"
