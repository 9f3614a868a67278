"""The stack's own configuration as the pack process sees it (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS, set by
the Pulumi CLI and by `preflight check`), and the AWS accounts the stack deploys to."""
from __future__ import annotations

import functools
import json
import os
from typing import Any, Dict, FrozenSet, Optional, Set

from .environment import parse_pulumi_config
from .resource import is_unknown

# The account the offline engine (`preflight check`) answers for aws.get_caller_identity() when the stack
# pins none: ARNs built from it are the stack's own account.
OFFLINE_ACCOUNT = "123456789012"


# What the engine's ConfigureStack adds. The Pulumi CLI's Python host starts a pack with the decrypted config in
# PULUMI_CONFIG but without PULUMI_CONFIG_SECRET_KEYS (sdk/policy_proxy.go); which keys are secret arrives only in
# ConfigureStack's config_secret_keys. Without it every `secure:` value would look like plain config.
_LEARNED_CONFIG: Dict[str, str] = {}
_LEARNED_SECRET_KEYS: Set[str] = set()


def learn(stack_config: Dict[str, str], stack_secret_keys) -> None:
    """Called by the server on ConfigureStack: config the environment lacks, and the secret keys."""
    _LEARNED_CONFIG.update({str(k): v for k, v in stack_config.items()})
    _LEARNED_SECRET_KEYS.update(str(k) for k in stack_secret_keys)
    config.cache_clear()
    secret_keys.cache_clear()


@functools.lru_cache(maxsize=1)
def config() -> Dict[str, str]:
    return {**_LEARNED_CONFIG, **parse_pulumi_config(os.environ.get("PULUMI_CONFIG"))}


@functools.lru_cache(maxsize=1)
def secret_keys() -> FrozenSet[str]:
    try:
        keys = json.loads(os.environ.get("PULUMI_CONFIG_SECRET_KEYS") or "[]")
    except ValueError:
        keys = []
    keys = keys if isinstance(keys, list) else []
    return frozenset(str(k) for k in keys) | frozenset(_LEARNED_SECRET_KEYS)


def plain_values() -> Dict[str, str]:
    """key -> value of the config values that are NOT secrets (what a reader of Pulumi.<stack>.yaml sees)."""
    secret = secret_keys()
    return {k: v for k, v in config().items() if k not in secret}


def secret_values() -> Set[str]:
    secret = secret_keys()
    return {v for k, v in config().items() if k in secret and isinstance(v, str)}


def _ids(value: Any) -> Set[str]:
    if isinstance(value, str) and not is_unknown(value):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    if isinstance(value, (int, float)):
        value = [str(int(value))]
    return {str(v) for v in (value if isinstance(value, list) else []) if not is_unknown(v)}


def own_accounts(provider: Optional[Any] = None) -> Set[str]:
    """The account ids this stack deploys to: the provider's allowedAccountIds, else stack config
    aws:allowedAccountIds; empty when the stack pins none."""
    ids: Set[str] = set()
    if provider is not None:
        ids |= _ids(provider.props.get("allowedAccountIds"))
    if not ids:
        ids |= _ids(config().get("aws:allowedAccountIds"))
    return ids


def literal_origin(value: Any) -> str:
    """Where a known credential value came from, when that is a problem: plain config or a literal ('' = fine).

    The SDK marks password-like inputs secret whatever their origin, so the marking proves nothing; the
    origin does. A `secure:` config value is fine (`preflight check` hands the program a placeholder, the
    CLI the decrypted value, listed in PULUMI_CONFIG_SECRET_KEYS); an unknown value was generated.
    """
    if not isinstance(value, str) or is_unknown(value) or not value.strip():
        return ""
    if value == "[secret]" or value in secret_values():
        return ""
    plain = [k for k, v in plain_values().items() if v == value]
    if plain:
        return f"the plain (not secure) stack config value '{plain[0]}'"
    return "a literal in the program"
