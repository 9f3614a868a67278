"""Every policy a rules module defines is served: it is in its module's POLICIES, and every rules module is
in the catalog. A policy written but never registered would pass in silence forever."""
import importlib
import os
import pkgutil
import sys

from tests.conftest import PACK_DIR

sys.path.insert(0, PACK_DIR)
from preflight_policies import catalog, rules  # noqa: E402
from preflight_policies.model import ResourcePolicy, StackPolicy  # noqa: E402


def _rule_modules():
    return [importlib.import_module(f"preflight_policies.rules.{m.name}")
            for m in pkgutil.iter_modules([os.path.dirname(rules.__file__)])]


def test_every_rules_module_is_in_the_catalog():
    missing = [m.__name__ for m in _rule_modules() if m not in catalog.RULE_MODULES]
    assert not missing, f"rules modules the catalog does not load: {missing}"


def test_every_policy_defined_in_a_module_is_registered_in_its_policies_list():
    unregistered = []
    for module in _rule_modules():
        registered = {id(p) for p in module.POLICIES}
        for attr, value in vars(module).items():
            if isinstance(value, (ResourcePolicy, StackPolicy)) and id(value) not in registered:
                unregistered.append(f"{module.__name__}.{attr} ({value.meta.name})")
    assert not unregistered, f"policies defined but not in POLICIES: {unregistered}"


def test_each_policy_is_registered_once_in_one_module():
    seen = {}
    for module in catalog.RULE_MODULES:
        for p in module.POLICIES:
            assert id(p) not in seen, f"{p.meta.name} is listed in {seen[id(p)]} and {module.__name__}"
            seen[id(p)] = module.__name__
    served = {p.meta.name for p in catalog.all_policies()}
    assert len(served) == len(seen)


def test_policies_live_with_their_service():
    """Policy names are stable; each lives in the module of its service (no grab-bag module)."""
    where = {p.meta.name: m.__name__.rsplit(".", 1)[1] for m in catalog.RULE_MODULES for p in m.POLICIES}
    expected = {
        "s3-bucket-kms-encryption": "security_s3", "s3-bucket-public-access-block": "security_s3",
        "s3-public-access-block-settings": "security_s3", "rds-storage-encrypted": "infrastructure_data",
        "rds-backup-retention": "infrastructure_data", "rds-deletion-protection": "infrastructure_data",
        "iam-no-wildcard-admin": "security_iam", "security-group-no-world-admin-ports": "security_network",
    }
    assert {k: where.get(k) for k in expected} == expected
    assert "security" not in {m.__name__.rsplit(".", 1)[1] for m in catalog.RULE_MODULES}


def test_every_check_function_is_typed():
    """Checks are annotated (resource: Resource or stack: Stack, report: Report) -> None, so a reader and a type
    checker know what each one is given."""
    import inspect

    from preflight_policies.model import Report
    from preflight_policies.resource import Resource, Stack
    untyped = []
    for p in catalog.all_policies():
        hints = inspect.get_annotations(p.check, eval_str=True)
        params = list(inspect.signature(p.check).parameters)
        subject = Resource if isinstance(p, ResourcePolicy) else Stack
        if (len(params) != 2 or hints.get(params[0]) is not subject or hints.get(params[1]) is not Report
                or "return" not in hints or hints["return"] is not None):
            untyped.append(f"{p.meta.name} ({p.check.__module__}.{p.check.__name__}: {hints})")
    assert not untyped, f"untyped check functions: {untyped}"
