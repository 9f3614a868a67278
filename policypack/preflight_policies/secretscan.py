"""Secret detection shared by every secrets policy: provider key formats and secret-looking names.

A finding says WHAT was found (e.g. "an AWS access key id", "a literal value under the
secret-looking name 'DB_PASSWORD'"), never the value itself: messages travel to CI logs.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import json
import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional

from .resource import is_unknown

# Provider credential formats; the first match wins, so the specific ones come first.
PROVIDER_PATTERNS = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")),
    ("an Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{20,}")),
    ("an OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Stripe live key", re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{16,}")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("a SendGrid API key", re.compile(r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}")),
    ("a URL with a password", re.compile(
        r"\b[a-z][a-z0-9+.\-]*://[^\s/:@'\"]*:"
        r"(?![^\s@]*(?:\$\{|\{\{|%\(|<|\*\*\*|\[secret\]))[^\s/@'\"]{3,}@[^\s/'\"]+", re.I)),
)

# Words that make a name secret-looking (matched on the name's word parts, any case or style).
_SECRET_WORDS = {"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential",
                 "credentials", "privatekey", "accesskey", "secretkey", "clientsecret", "signingkey"}
_SUFFIX_WORDS = ("password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "privatekey",
                 "accesskey", "secretkey")
# A last word that makes the name describe a reference or a setting, not the secret itself.
_REFERENCE_SUFFIXES = {"arn", "name", "id", "path", "url", "uri", "file", "ref", "param", "parameter",
                       "ttl", "length", "len", "type", "header", "region", "endpoint", "expiry",
                       "expiration", "timeout", "seconds", "minutes", "hours", "days", "version",
                       "enabled", "rotation", "field", "policy", "location", "key_id", "prefix", "mode"}
_PLACEHOLDERS = {"changeme", "change-me", "change_me", "placeholder", "redacted", "none", "null", "nil",
                 "todo", "tbd", "example", "dummy", "replace-me", "replace_me", "replaceme", "unset",
                 "true", "false", "yes", "no", "on", "off", "enabled", "disabled"}
_REFERENCE_VALUE = re.compile(
    r"^(?:\{\{resolve:.*\}\}|arn:aws[a-z-]*:.*|\$.*|<[^>]*>|\{\{.*\}\}|"
    r"%\(.*\)s|ssm:.*|secretsmanager:.*|/aws/reference/secretsmanager/.*|(.)\1{3,})$", re.S)


@dataclass(frozen=True)
class Finding:
    where: str      # e.g. "variable 'DB_PASSWORD'", "line 3"
    what: str       # e.g. "an OpenAI API key"
    key: str = ""   # the mapping key it was found under, when there is one

    def __str__(self) -> str:
        return f"{self.what} in {self.where}"


def _words(name: str) -> List[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


@functools.lru_cache(maxsize=4096)  # pure in `name`; tag keys and env names repeat across resources
def secret_looking_name(name: str) -> bool:
    """DB_PASSWORD, apiKey, stripe-secret, GITHUB_TOKEN: yes. SECRET_ARN, TOKEN_TTL, PARTITION_KEY: no."""
    words = _words(name)
    if not words or words[-1] in _REFERENCE_SUFFIXES:
        return False
    joined = {a + b for a, b in zip(words, words[1:])}
    if (set(words) | joined) & _SECRET_WORDS:
        return True
    # Single-word spellings (PGPASSWORD, MYSQLPWD, GITHUBTOKEN, APPSECRET): a secret word ends the last word.
    return words[-1].endswith(_SUFFIX_WORDS)


def reference_or_placeholder(value: str) -> bool:
    v = value.strip()
    return (not v or v.lower() in _PLACEHOLDERS or bool(_REFERENCE_VALUE.match(v))
            or re.fullmatch(r"-?\d+(\.\d+)?", v) is not None)


def credential_like(value: str) -> bool:
    """Stricter than 'a literal': no spaces, 8+ characters, and not a plain lowercase word."""
    v = value.strip()
    return (len(v) >= 8 and not re.search(r"\s", v) and not re.fullmatch(r"[a-z]+(-[a-z]+)*", v)
            and not reference_or_placeholder(v))


def provider_key(text: str) -> Optional[str]:
    """What provider credential the text contains, if any."""
    for label, pattern in PROVIDER_PATTERNS:
        if pattern.search(text):
            return label
    return None


def scan_value(name: str, value: Any, *, strict_values: bool = False) -> Optional[str]:
    """What is wrong with `name`=`value`, or None. Unknown or non-string values are never findings.

    strict_values: for free-form key/values such as tags, a secret-looking name alone is not enough;
    the value must also look like a credential.
    """
    if not isinstance(value, str) or is_unknown(value):
        return None
    found = provider_key(value)
    if found:
        return found
    if (secret_looking_name(name) and not reference_or_placeholder(value)
            and (not strict_values or credential_like(value))):
        return "a literal value under a secret-looking name"
    return None


def scan_mapping(values: Any, kind: str = "variable", *, strict_values: bool = False) -> List[Finding]:
    """Findings for a name -> value mapping (environment variables, stage variables, tags)."""
    if not isinstance(values, Mapping):
        return []
    out = []
    for name, value in values.items():
        what = scan_value(str(name), value, strict_values=strict_values)
        if what:
            out.append(Finding(f"{kind} '{name}'", what, str(name)))
    return out


def scan_name_value_pairs(pairs: Iterable[Any], kind: str = "variable") -> List[Finding]:
    """Findings for [{"name": ..., "value": ...}] lists (ECS container environment)."""
    return scan_mapping({p.get("name"): p.get("value") for p in pairs
                         if isinstance(p, Mapping) and isinstance(p.get("name"), str)}, kind)


_ASSIGNMENT = re.compile(
    r"""(?:^|[\s;&|])(?:export\s+|set\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=|:\s)\s*(["']?)([^\s"'#;]+)\2""")
_FLAG = re.compile(r"""(?:^|\s)--?([A-Za-z][A-Za-z0-9_-]*)(?:=|\s+)(["']?)([^\s"'#;-][^\s"'#;]*)\2""")


def scan_text(text: str) -> List[Finding]:
    """Findings in free text (scripts, cloud-init): provider keys anywhere, NAME=value assignments."""
    out: List[Finding] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        found = provider_key(line)
        if found:
            out.append(Finding(f"line {lineno}", found))
            continue
        for m in list(_ASSIGNMENT.finditer(line)) + list(_FLAG.finditer(line)):
            name, value = m.group(1), m.group(3)
            if secret_looking_name(name) and not reference_or_placeholder(value):
                out.append(Finding(f"line {lineno} ('{name}')", "a literal value under a secret-looking name"))
                break
    return out


def decode_user_data(value: Any) -> Optional[str]:
    """User data as text: plain, base64, or base64 of gzip (what cloud-init accepts). None if unknown."""
    if not isinstance(value, str) or is_unknown(value):
        return None
    compact = re.sub(r"\s+", "", value)
    if compact and len(compact) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", compact):
        try:
            raw = base64.b64decode(compact, validate=True)
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            decoded = raw.decode("utf-8")
            if decoded.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in decoded):
                return decoded
        except (binascii.Error, ValueError, OSError, EOFError):
            pass
    return value


def json_value(value: Any) -> Any:
    """A JSON-string input parsed (ECS containerDefinitions); the value itself if already parsed."""
    if isinstance(value, str) and not is_unknown(value):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def describe(findings: List[Finding], limit: int = 3) -> str:
    shown = "; ".join(str(f) for f in findings[:limit])
    more = len(findings) - limit
    return shown + (f" (and {more} more)" if more > 0 else "")


# -- anywhere a value can hide: nested environments, argument lists, JSON documents ---------------
_ENV_LIST_KEYS = ("environment", "env")  # [{"name": ..., "value": ...}] lists (ECS, Batch, EKS)
_ARGV_KEYS = ("command", "entrypoint", "args")


def scan_tree(value: Any, where: str = "") -> List[Finding]:
    """Findings anywhere in a nested input (dicts, lists, JSON strings): name/value pairs under
    secret-looking names, {"name", "value"} environment lists, argument lists (command, entryPoint),
    and provider keys in any string. Values are never copied into findings."""
    out: List[Finding] = []
    _walk_tree(json_value(value) if isinstance(value, str) and value.lstrip()[:1] in "[{" else value,
               where, out, 0)
    return out


def _walk_tree(node: Any, where: str, out: List[Finding], depth: int) -> None:
    if depth > 12 or is_unknown(node):
        return
    if isinstance(node, str):
        found = provider_key(node)
        if found:
            out.append(Finding(where or "a value", found))
        return
    if isinstance(node, list):
        if node and all(isinstance(p, Mapping) and "name" in p and "value" in p for p in node):
            out.extend(Finding(f"{where} {f.where}".strip(), f.what, f.key)
                       for f in scan_name_value_pairs(node))
            return
        for _i, item in enumerate(node):
            _walk_tree(item, where, out, depth + 1)
        return
    if isinstance(node, Mapping):
        for key, value in node.items():
            k = str(key)
            here = f"{where} '{k}'".strip() if where else f"'{k}'"
            if k.lower() in _ARGV_KEYS and isinstance(value, list):
                words = [v for v in value if isinstance(v, str) and not is_unknown(v)]
                out.extend(Finding(f"{k} {f.where}", f.what) for f in scan_text(" ".join(words)))
                continue
            if isinstance(value, str) and value.lstrip()[:1] in "[{":
                parsed = json_value(value)
                if isinstance(parsed, (list, Mapping)):
                    _walk_tree(parsed, here, out, depth + 1)
                    continue
            if isinstance(value, str) and not is_unknown(value):
                what = scan_value(k, value)
                if what:
                    out.append(Finding(here, what, k))
                    continue
            _walk_tree(value, here, out, depth + 1)
